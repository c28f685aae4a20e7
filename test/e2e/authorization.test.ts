import { afterEach, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import { FlowDriver } from "../support/flow-driver.ts";
import {
  CHANNEL,
  type Harness,
  ISSUE_URL,
  REQUESTER,
  SIGNING_SECRET,
  startHarness,
} from "../support/harness.ts";
import { hasButtons, rootOf, runAwaitingApproval } from "../support/scenarios.ts";
import { sendCommand } from "../support/slack-requests.ts";

let h: Harness;
afterEach(async () => h?.close());

async function awaitingApproval(env: Record<string, string> = {}) {
  h = await startHarness({ env });
  return runAwaitingApproval(h);
}

describe("who may approve", () => {
  it("with no approvers configured, only the requester; anyone else is told and nothing changes", async () => {
    const { run, rootTs, buttonsTs } = await awaitingApproval();
    const before = h.slack.message(CHANNEL, buttonsTs)?.updates;
    await h.click({
      user: "U0OTHER",
      messageTs: buttonsTs,
      threadTs: rootTs,
      actionId: ACTIONS.approve,
      value: run.id,
    });
    const eph = await h.slack.waitFor(() => h.slack.ephemerals[0]);
    expect(eph).toMatchObject({ user: "U0OTHER", channel: CHANNEL });
    expect(eph.text).toBe("You are not an approver for this run, so nothing was changed.");
    expect(h.kestra.resumes).toHaveLength(0);
    expect(h.slack.message(CHANNEL, buttonsTs)?.updates).toBe(before);
  });

  it("configured users and user-group members may approve; the requester alone may not", async () => {
    const { run, rootTs, buttonsTs } = await awaitingApproval({
      AUTOFIX_APPROVERS: "U0LEAD,S0REVIEWERS",
    });
    h.slack.setUsergroup("S0REVIEWERS", ["U0REVIEWER"]);
    expect(JSON.stringify(h.slack.message(CHANNEL, buttonsTs)?.blocks)).toContain(
      "Approvers: <@U0LEAD>, <!subteam^S0REVIEWERS>.",
    );

    await h.click({
      user: REQUESTER,
      messageTs: buttonsTs,
      threadTs: rootTs,
      actionId: ACTIONS.approve,
      value: run.id,
    });
    await h.slack.waitFor(() => h.slack.ephemerals.length === 1);
    expect(h.kestra.resumes).toHaveLength(0);

    await h.click({
      user: "U0REVIEWER",
      messageTs: buttonsTs,
      threadTs: rootTs,
      actionId: ACTIONS.approve,
      value: run.id,
    });
    await h.slack.waitFor(() => h.kestra.resumes.length === 1);
    expect(h.kestra.resumes[0]?.inputs["approver"]).toContain("U0REVIEWER");
  });

  it("a button value pointing at another run is refused (authorization never trusts the value)", async () => {
    const { run } = await awaitingApproval();
    // A button of another thread whose value names this run.
    await h.click({
      user: REQUESTER,
      messageTs: "1700000000.000002",
      threadTs: "1700000000.000001",
      actionId: ACTIONS.approve,
      value: run.id,
    });
    const eph = await h.slack.waitFor(() => h.slack.ephemerals[0]);
    expect(eph.text).toMatch(/does not belong to that run/);
    expect(h.kestra.resumes).toHaveLength(0);
  });

  it("a click before the flow reached its Pause task waits for it instead of failing", async () => {
    // The bot's first try again comes a second after the 409: the run pauses well before it,
    // however slowly this test sees the 409 (20 ms would leave its four tries racing the test).
    h = await startHarness({ resumeBackoffMs: 1000 });
    await h.command(ISSUE_URL);
    await h.slack.waitFor(() => h.kestra.executions.length === 1);
    const run = FlowDriver.latest(h);
    const root = await h.slack.waitFor(() => h.slack.channelMessages(CHANNEL)[0]);
    await run.started();
    await run.patchReady(undefined, { pause: false });
    // patch_ready comes just before the Pause task: the buttons are already offered.
    expect(hasButtons(rootOf(h, root.ts))).toBe(true);
    const clicked = h.click({
      user: REQUESTER,
      messageTs: root.ts,
      actionId: ACTIONS.approve,
      value: run.id,
    });
    await h.slack.waitFor(() =>
      h.kestra.requests.some((r) => r.path.endsWith("/actions/resume") && r.status === 409),
    );
    h.kestra.pause(run.id, "approval");
    await clicked;
    await h.slack.waitFor(() => h.kestra.resumes.length === 1);
  });
});

describe("Kestra refuses the resume", () => {
  it("a 5xx on resume puts the buttons back and tells the approver, so they can try again", async () => {
    const { run, rootTs, buttonsTs } = await awaitingApproval();
    h.kestra.failNext(
      { method: "POST", path: `/api/v1/main/executions/${run.id}/actions/resume` },
      { status: 503, body: { message: "Service Unavailable" } },
    );
    await h.click({
      user: REQUESTER,
      messageTs: buttonsTs,
      threadTs: rootTs,
      actionId: ACTIONS.approve,
      value: run.id,
    });
    const eph = await h.slack.waitFor(() => h.slack.ephemerals[0]);
    expect(eph.text).toMatch(/Kestra is not reachable right now/);
    await h.app.runtime.background.drain();
    // The buttons are back, and nothing was decided.
    expect(JSON.stringify(h.slack.message(CHANNEL, buttonsTs)?.blocks)).toContain(ACTIONS.approve);
    expect(h.kestra.resumes).toHaveLength(0);
    await h.click({
      user: REQUESTER,
      messageTs: buttonsTs,
      threadTs: rootTs,
      actionId: ACTIONS.approve,
      value: run.id,
    });
    await h.slack.waitFor(() => h.kestra.resumes.length === 1);
  });
});

describe("forged requests", () => {
  it("a bad or stale Slack signature is rejected and starts nothing", async () => {
    h = await startHarness();
    const forged = await sendCommand(h.url, "not-the-secret", { text: ISSUE_URL });
    expect(forged.status).toBe(401);
    const stale = await sendCommand(
      h.url,
      SIGNING_SECRET,
      { text: ISSUE_URL },
      { timestamp: Math.floor(Date.now() / 1000) - 600 },
    );
    expect(stale.status).toBe(401);
    // A signed request afterwards is answered: the refused ones had their chance to act first.
    const help = await sendCommand(h.url, SIGNING_SECRET, { text: "help" });
    expect(help.status).toBe(200);
    expect(h.kestra.executions).toHaveLength(0);
    expect(h.slack.messages).toHaveLength(0);
  });
});

describe("who hears that a patch waits", () => {
  it("a new thread reply names the requester and the approvers (people and groups), once per patch", async () => {
    const { run, rootTs } = await awaitingApproval({ AUTOFIX_APPROVERS: "U0LEAD,S0REVIEWERS" });
    const pings = () =>
      h.slack.thread(CHANNEL, rootTs).filter((m) => m.text.includes("waits for a decision"));
    const ping = await h.slack.waitFor(() => pings()[0]);
    const text = JSON.stringify(ping.blocks);
    expect(text).toContain(`<@${REQUESTER}>`);
    expect(text).toContain("<@U0LEAD>");
    expect(text).toContain("<!subteam^S0REVIEWERS>");
    // A new message (chat.postMessage), not an edit: Slack notifies the people it names.
    expect(ping.updates).toBe(0);
    // Delivered again, synced again: still one.
    await run.notify("patch_ready");
    await h.app.runtime.reconciler.runOnce();
    expect(pings()).toHaveLength(1);
  });
});

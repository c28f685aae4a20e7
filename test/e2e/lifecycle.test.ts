import { afterEach, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import { FlowDriver, SAMPLE_PATCH } from "../support/flow-driver.ts";
import { CHANNEL, type Harness, ISSUE_URL, REQUESTER, startHarness } from "../support/harness.ts";
import { resumeInKestra } from "../support/kestra-ui.ts";
import { hasButtons, rootOf, runAwaitingApproval, startedRun } from "../support/scenarios.ts";
import { ask } from "./commands-seed.ts";

let h: Harness;
afterEach(async () => h?.close());

const text = (blocks: unknown) => JSON.stringify(blocks ?? []);

describe("one run, from /autofix to a pull request", () => {
  it("acks, posts a root message, starts the flow with Slack labels, and follows the run", async () => {
    h = await startHarness();
    const responseUrl = h.slack.responseUrl();
    const res = await h.command(ISSUE_URL, { response_url: responseUrl });
    expect(res.status).toBe(200);
    await h.slack.waitFor(() => h.slack.responses(responseUrl)[0]);
    expect(JSON.stringify(h.slack.responses(responseUrl))).toContain(
      "Starting autofix for acme/api#42",
    );

    await h.slack.waitFor(() => h.kestra.executions.length === 1, { description: "execution" });
    const run = FlowDriver.latest(h);
    const exec = h.kestra.execution(run.id);
    expect(exec.inputs).toMatchObject({
      issue_url: ISSUE_URL,
      repo_url: "https://github.com/acme/api",
      apply_fix: true,
      create_pr: false,
      wait_for_approval: true,
    });
    const root = h.slack.channelMessages(CHANNEL)[0];
    if (!root) throw new Error("no root message");
    const labels = Object.fromEntries(exec.labels.map((l) => [l.key, l.value]));
    expect(labels).toMatchObject({
      "slack-team": "T0TEST",
      "slack-channel": CHANNEL,
      "slack-ts": root.ts,
      "slack-user": REQUESTER,
      "autofix-repo": "acme/api",
      "autofix-issue": "42",
    });
    // The issue title is untrusted: escaped, never a broadcast.
    expect(root.text).toContain("Autofix for acme/api#42");
    expect(text(root.blocks)).toContain("&lt;!channel&gt; &amp; friends");
    expect(text(root.blocks)).not.toContain("<!channel>");
    expect(root.text).not.toContain("<!channel>");
    expect(root.text).toMatch(/Queued$/);

    await run.started();
    // The notification is answered once the thread is up to date: no waiting needed.
    expect(rootOf(h, root.ts).text).toMatch(/Running$/);
    expect(text(rootOf(h, root.ts).blocks)).toContain("kestra.example.com");

    await run.patchReady(SAMPLE_PATCH, { summary: "Trim the user name and reject empty users." });
    const file = h.slack.files[0];
    expect(file).toMatchObject({
      snippetType: "diff",
      channel: CHANNEL,
      threadTs: root.ts,
      content: SAMPLE_PATCH,
    });
    expect(file?.initialComment).toContain("1 file changed, +2 −1");
    expect(file?.initialComment).toContain("src/login.ts (+2 −1)");
    expect(file?.initialComment).toContain("Trim the user name");
    // Patch text lives only in the snippet, never in message markup.
    for (const m of h.slack.messages) expect(text(m.blocks)).not.toContain("throw new Error");
    // The root waits for the decision, with the buttons.
    expect(rootOf(h, root.ts).text).toMatch(/Patch ready, awaiting approval$/);
    expect(hasButtons(rootOf(h, root.ts))).toBe(true);

    const click = await h.click({
      user: REQUESTER,
      messageTs: root.ts,
      actionId: ACTIONS.approve,
      value: run.id,
    });
    expect(click.status).toBe(200);
    await h.slack.waitFor(() => h.kestra.resumes.length === 1, { description: "resume" });
    expect(h.kestra.resumes[0]?.inputs).toEqual({
      approved: true,
      approver: expect.stringContaining(REQUESTER),
    });
    await h.slack.waitFor(() => rootOf(h, root.ts).text.endsWith("Creating PR"));
    expect(text(rootOf(h, root.ts).blocks)).toContain("Approved by");
    expect(hasButtons(rootOf(h, root.ts))).toBe(false);

    // pr_created comes while the run still runs: the PR shows at once, before the run ends.
    await run.prCreated("https://github.com/acme/api/pull/43", { end: false });
    expect(h.kestra.execution(run.id).state.current).toBe("RUNNING");
    const prReply = h.slack.thread(CHANNEL, root.ts).find((m) => m.text.includes("pull/43"));
    expect(prReply?.text).toContain(`<@${REQUESTER}>`);
    expect(rootOf(h, root.ts).text).toMatch(/PR opened$/);
    expect(text(rootOf(h, root.ts).blocks)).toContain("https://github.com/acme/api/pull/43");

    await run.end("SUCCESS", { prUrl: "https://github.com/acme/api/pull/43" });
    expect(rootOf(h, root.ts).text).toMatch(/PR opened$/);
    expect(h.slack.thread(CHANNEL, root.ts).filter((m) => m.text.includes("pull/43"))).toHaveLength(
      1,
    );
  });

  it("rejects: resumes with approved=false, pushes nothing, and the root reads Rejected at once", async () => {
    h = await startHarness();
    const { run, rootTs } = await runAwaitingApproval(h);
    await h.click({ user: REQUESTER, messageTs: rootTs, actionId: ACTIONS.reject, value: run.id });
    await h.slack.waitFor(() => h.kestra.resumes.length === 1);
    expect(h.kestra.resumes[0]?.inputs).toMatchObject({ approved: false });
    // Rejected before the flow ends: the verdict is known, not guessed from the end.
    await h.slack.waitFor(() => rootOf(h, rootTs).text.endsWith("Rejected"));
    expect(text(rootOf(h, rootTs).blocks)).toContain("Rejected by");
    expect(hasButtons(rootOf(h, rootTs))).toBe(false);
    await run.finished();
    expect(rootOf(h, rootTs).text).toMatch(/Rejected$/);
    expect(
      h.slack.thread(CHANNEL, rootTs).filter((m) => m.text.includes("Nothing was pushed")),
    ).toHaveLength(1);
    expect(h.github.pulls("acme", "api")).toHaveLength(0);
  });
});

describe("a run decided outside Slack (the Kestra UI)", () => {
  it("a rejection in Kestra reads Rejected from the Pause's onResume while the run goes on", async () => {
    h = await startHarness();
    const { run } = await runAwaitingApproval(h);
    await resumeInKestra(h, run.id, { approved: false, approver: "someone in Kestra" });
    // Still running (pr_gate not evaluated yet): only onResume.approved can tell.
    expect(h.kestra.execution(run.id).state.current).not.toMatch(/SUCCESS|FAILED/);
    const answer = await ask(h, `status ${run.id}`);
    expect(answer.json).toContain("*Rejected*");
    await run.finished();
    expect(
      rootOf(h, h.kestra.execution(run.id).labels.find((l) => l.key === "slack-ts")?.value ?? "")
        .text,
    ).toMatch(/Rejected$/);
  });
});

describe("the closing notification comes after the execution has ended", () => {
  it("a failure is reported once the run has ended FAILED: step, log line, root Failed", async () => {
    h = await startHarness();
    const { run, rootTs } = await startedRun(h);
    await run.fail("fix", ["agent crashed"]);
    const reply = h.slack
      .thread(CHANNEL, rootTs)
      .find((m) => m.text.includes("failed while writing the fix"));
    expect(text(reply?.blocks)).toContain("agent crashed");
    expect(rootOf(h, rootTs).text).toMatch(/Failed$/);
  });
});

it("shutdown waits for a command's work after its ack: the run it was starting exists", async () => {
  h = await startHarness();
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  // The start's first Kestra read (is a run of this issue live?) takes its time; the command was
  // acked long before.
  const live = (path: string) =>
    path.includes("/executions/search") && path.includes("autofix-issue");
  h.kestra.beforeReply(async (r) => {
    if (r.method === "GET" && live(r.path)) await held;
  });
  const res = await h.command(ISSUE_URL);
  expect(res.status).toBe(200);
  await h.slack.waitFor(() => h.kestra.requests.some((r) => live(r.path)), {
    description: "the start is under way",
  });
  const stopped = h.stopApp();
  setTimeout(release, 300);
  await stopped;
  // The start went on to create the run before the process let go.
  expect(h.kestra.executions).toHaveLength(1);
  h.kestra.beforeReply(undefined);
});

import { afterEach, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import { FlowDriver, SAMPLE_PATCH } from "../support/flow-driver.ts";
import { CHANNEL, type Harness, ISSUE_URL, REQUESTER, startHarness } from "../support/harness.ts";

let h: Harness;
afterEach(async () => h?.close());

const rootOf = (h: Harness) => {
  const root = h.slack.channelMessages(CHANNEL).at(-1);
  if (!root) throw new Error("no root message");
  return root;
};
const text = (blocks: unknown) => JSON.stringify(blocks ?? []);

async function startRun(h: Harness): Promise<FlowDriver> {
  const res = await h.command(ISSUE_URL);
  expect(res.status).toBe(200);
  await h.slack.waitFor(() => h.kestra.executions.length === 1, {
    description: "execution created",
  });
  const run = FlowDriver.latest(h);
  await h.slack.waitFor(() => text(rootOf(h).blocks).includes("kestra.example.com"), {
    description: "root message linked to Kestra",
  });
  return run;
}

async function waitForButtons(h: Harness) {
  const root = rootOf(h);
  return h.slack.waitFor(
    () => h.slack.thread(CHANNEL, root.ts).find((m) => text(m.blocks).includes(ACTIONS.approve)),
    { description: "approval buttons" },
  );
}

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

    const run = await startRun2(h);
    const exec = h.kestra.execution(run.id);
    expect(exec.inputs).toMatchObject({
      issue_url: ISSUE_URL,
      repo_url: "https://github.com/acme/api",
      apply_fix: true,
      create_pr: false,
      wait_for_approval: true,
    });
    const root = rootOf(h);
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
    expect(text(root.blocks)).toContain("Queued");

    await run.started();
    await h.slack.waitFor(() => rootOf(h).text.endsWith("Running"), { description: "Running" });

    await run.patchReady(SAMPLE_PATCH, { summary: "Trim the user name and reject empty users." });
    const file = await h.slack.waitFor(() => h.slack.files[0], { description: "snippet" });
    expect(file).toMatchObject({
      snippetType: "diff",
      channel: CHANNEL,
      threadTs: root.ts,
      content: SAMPLE_PATCH,
    });
    expect(file.initialComment).toContain("1 file changed, +2 −1");
    expect(file.initialComment).toContain("src/login.ts (+2 −1)");
    expect(file.initialComment).toContain("Trim the user name");
    // Patch text lives only in the snippet, never in message markup.
    for (const m of h.slack.messages) expect(text(m.blocks)).not.toContain("throw new Error");

    const buttons = await waitForButtons(h);
    await h.slack.waitFor(() => rootOf(h).text.endsWith("Patch ready — awaiting approval"));

    const click = await h.click({
      user: REQUESTER,
      messageTs: buttons.ts,
      threadTs: root.ts,
      actionId: ACTIONS.approve,
      value: run.id,
    });
    expect(click.status).toBe(200);
    await h.slack.waitFor(() => h.kestra.resumes.length === 1, { description: "resume" });
    expect(h.kestra.resumes[0]?.inputs).toEqual({
      approved: true,
      approver: expect.stringContaining(REQUESTER),
    });
    await h.slack.waitFor(() => h.slack.message(CHANNEL, buttons.ts)?.text.includes("Approved by"));
    expect(text(h.slack.message(CHANNEL, buttons.ts)?.blocks)).not.toContain(ACTIONS.approve);
    await h.slack.waitFor(() => rootOf(h).text.endsWith("Creating PR"));

    await run.prCreated("https://github.com/acme/api/pull/43");
    const prReply = await h.slack.waitFor(() =>
      h.slack.thread(CHANNEL, root.ts).find((m) => m.text.includes("pull/43")),
    );
    expect(prReply.text).toContain(`<@${REQUESTER}>`);
    await h.slack.waitFor(() => rootOf(h).text.endsWith("PR opened"));
    expect(text(rootOf(h).blocks)).toContain("https://github.com/acme/api/pull/43");
  });

  it("rejects: resumes with approved=false, pushes nothing, and says so", async () => {
    h = await startHarness();
    const run = await startRun(h);
    await run.started();
    await run.patchReady();
    const buttons = await waitForButtons(h);
    const root = rootOf(h);
    await h.click({
      user: REQUESTER,
      messageTs: buttons.ts,
      threadTs: root.ts,
      actionId: ACTIONS.reject,
      value: run.id,
    });
    await h.slack.waitFor(() => h.kestra.resumes.length === 1);
    expect(h.kestra.resumes[0]?.inputs).toMatchObject({ approved: false });
    await h.slack.waitFor(() => h.slack.message(CHANNEL, buttons.ts)?.text.includes("Rejected by"));
    await run.finished();
    await h.slack.waitFor(() => rootOf(h).text.endsWith("Rejected"));
    expect(
      h.slack.thread(CHANNEL, root.ts).some((m) => m.text.includes("Nothing was pushed")),
    ).toBe(true);
  });
});

// startRun plus the command assertions above share one path.
const startRun2 = async (h: Harness) => {
  await h.slack.waitFor(() => h.kestra.executions.length === 1);
  const run = FlowDriver.latest(h);
  await h.slack.waitFor(() => text(rootOf(h).blocks).includes("kestra.example.com"));
  return run;
};

describe("the flow's last notifications run while the execution is still RUNNING", () => {
  /** Waits for the bot's next read of the run: its own re-read, with no notification behind it. */
  const nextRead = async (id: string) => {
    const path = `/api/v1/main/executions/${id}`;
    const reads = () => h.kestra.requests.filter((r) => r.method === "GET" && r.path === path);
    const before = reads().length;
    await h.slack.waitFor(() => reads().length > before, { description: "a re-read of the run" });
  };

  it("the thread reaches PR opened from the bot's own re-read once Kestra ends the run", async () => {
    h = await startHarness();
    const run = await startRun(h);
    await run.started();
    await run.patchReady();
    const buttons = await waitForButtons(h);
    const root = rootOf(h);
    await h.click({
      user: REQUESTER,
      messageTs: buttons.ts,
      threadTs: root.ts,
      actionId: ACTIONS.approve,
      value: run.id,
    });
    await h.slack.waitFor(() => h.kestra.resumes.length === 1);
    // pr_created and finished are delivered; the execution is still RUNNING after both.
    await run.prCreated("https://github.com/acme/api/pull/43", { end: false });
    await nextRead(run.id);
    expect(h.kestra.execution(run.id).state.current).toBe("RUNNING");
    expect(rootOf(h).text).toMatch(/Creating PR$/);
    run.end("SUCCESS");
    await h.slack.waitFor(() => rootOf(h).text.endsWith("PR opened"), { description: "PR opened" });
    expect(h.slack.thread(CHANNEL, root.ts).filter((m) => m.text.includes("pull/43"))).toHaveLength(
      1,
    );
  });

  it("a failure notified from the errors branch is reported when the run ends FAILED", async () => {
    h = await startHarness();
    const run = await startRun(h);
    await run.started();
    await run.fail("fix", ["agent crashed"], true, { end: false });
    await nextRead(run.id);
    run.end("FAILED");
    const root = rootOf(h);
    await h.slack.waitFor(
      () => h.slack.thread(CHANNEL, root.ts).find((m) => m.text.includes("failed at step fix")),
      { description: "failure reply" },
    );
    await h.slack.waitFor(() => rootOf(h).text.endsWith("Failed"));
  });
});

import { afterEach, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import { SAMPLE_PATCH } from "../support/flow-driver.ts";
import {
  ALERTS,
  CHANNEL,
  type Harness,
  ISSUE_URL,
  REQUESTER,
  startHarness,
} from "../support/harness.ts";
import { hasButtons, startedRun } from "../support/scenarios.ts";

let h: Harness;
afterEach(async () => h?.close());

async function begin(env: Record<string, string> = {}) {
  h = await startHarness({ env });
  return startedRun(h);
}

it("a failed run: thread reply with step, ERROR log excerpt and Retry; alert linking the thread; root Failed", async () => {
  const { run, rootTs } = await begin();
  await run.fail("fix", ["agent exited with code 3", "<!here> ``` injected"]);
  const reply = await h.slack.waitFor(() =>
    h.slack.thread(CHANNEL, rootTs).find((m) => m.text.includes("failed while writing the fix")),
  );
  const blocks = JSON.stringify(reply.blocks);
  expect(blocks).toContain("agent exited with code 3");
  expect(blocks).not.toContain("cloning acme/api"); // INFO lines are not part of the excerpt
  expect(blocks).not.toContain("<!here>");
  expect(blocks).toContain(ACTIONS.retry);
  expect(
    h.kestra.requests.some(
      (r) =>
        r.path.includes("filters%5Blevel%5D%5BGREATER_THAN_OR_EQUAL_TO%5D=ERROR") ||
        r.path.includes("filters[level][GREATER_THAN_OR_EQUAL_TO]=ERROR"),
    ),
  ).toBe(true);

  const alert = await h.slack.waitFor(() => h.slack.channelMessages(ALERTS)[0]);
  // The thread says it in people's words; the admins also get Kestra's step.
  expect(alert.text).toContain("failed while writing the fix (step fix)");
  expect(reply.text).not.toContain("step fix");
  // The excerpt is the failed step's lines, without Kestra's "fix:" on each.
  expect(blocks).not.toContain("fix: agent exited");
  expect(JSON.stringify(alert.blocks)).toContain("open the thread");
  expect(JSON.stringify(alert.blocks)).toContain(ACTIONS.retry);
  await h.slack.waitFor(() => h.slack.channelMessages(CHANNEL)[0]?.text.endsWith("Failed"));

  // Retry from the alerts channel restarts the same execution.
  await h.click({
    channel: ALERTS,
    user: REQUESTER,
    messageTs: alert.ts,
    actionId: ACTIONS.retry,
    value: run.id,
  });
  await h.slack.waitFor(() => h.kestra.restarts.length === 1);
  await h.slack.waitFor(() =>
    h.slack.thread(CHANNEL, rootTs).find((m) => m.text.includes("restarted the run")),
  );

  // A second failure after the restart is reported again.
  h.kestra.setState(run.id, "RUNNING");
  await run.fail("fix", ["failed again"]);
  await h.slack.waitFor(() => h.slack.channelMessages(ALERTS).length === 2, {
    description: "second alert",
  });
});

it("only the requester or an approver may retry", async () => {
  const { run, rootTs } = await begin();
  await run.fail("fix", ["boom"]);
  const reply = await h.slack.waitFor(() =>
    h.slack.thread(CHANNEL, rootTs).find((m) => m.text.includes("failed")),
  );
  await h.click({
    user: "U0STRANGER",
    messageTs: reply.ts,
    threadTs: rootTs,
    actionId: ACTIONS.retry,
    value: run.id,
  });
  const eph = await h.slack.waitFor(() => h.slack.ephemerals[0]);
  expect(eph.text).toMatch(/Only the requester or an approver can retry/);
  expect(h.kestra.restarts).toHaveLength(0);
});

it("a passing Kestra error while reading the patch is no failure: 503, then the retried delivery posts it", async () => {
  const { run, rootTs } = await begin();
  h.kestra.failNext(
    { method: "GET", path: new RegExp(`/executions/${run.id}/file`) },
    { status: 500 },
  );
  const taskRunId = h.kestra.addTaskRun(run.id, { taskId: "fix", state: "SUCCESS" });
  const patchUri = h.kestra.addOutputFile(run.id, "fix", taskRunId, "patch.diff", SAMPLE_PATCH);
  // The flow's Request task is told to try again (and does, with its retry policy).
  const first = await h.notify({ executionId: run.id, event: "patch_ready", patchUri });
  expect(first.status).toBe(503);
  expect(h.slack.files).toHaveLength(0);
  expect(h.slack.thread(CHANNEL, rootTs).some((m) => m.text.includes("failed"))).toBe(false);
  const again = await h.notify({ executionId: run.id, event: "patch_ready", patchUri });
  expect(again.status).toBe(200);
  expect(h.slack.files).toHaveLength(1);
  expect(h.slack.channelMessages(ALERTS)).toHaveLength(0);
  expect(h.slack.channelMessages(CHANNEL)[0]?.text).toMatch(/awaiting approval$/);
});

it("the same goes for the outputs read: one 5xx never becomes 'the run has no patch file'", async () => {
  const { run, rootTs } = await begin();
  const taskRunId = h.kestra.addTaskRun(run.id, { taskId: "fix", state: "SUCCESS" });
  h.kestra.addOutputFile(run.id, "fix", taskRunId, "patch.diff", SAMPLE_PATCH);
  h.kestra.failNext(
    { method: "GET", path: new RegExp(`/outputs/tasks/${run.id}/`) },
    { status: 502 },
  );
  // A notification without the URIs (as after a restart): the bot reads the fix task's outputs.
  expect((await h.notify({ executionId: run.id, event: "patch_ready" })).status).toBe(503);
  expect((await h.notify({ executionId: run.id, event: "patch_ready" })).status).toBe(200);
  expect(h.slack.files).toHaveLength(1);
  expect(h.slack.thread(CHANNEL, rootTs).some((m) => m.text.includes("no patch"))).toBe(false);
  expect(h.slack.channelMessages(ALERTS)).toHaveLength(0);
});

it("an empty patch is reported as such, with no snippet and no buttons", async () => {
  const { run, rootTs } = await begin();
  await run.patchReady("");
  await h.slack.waitFor(() =>
    h.slack.thread(CHANNEL, rootTs).find((m) => m.text.includes("without changing any file")),
  );
  await h.app.runtime.background.drain();
  expect(h.slack.files).toHaveLength(0);
  expect(JSON.stringify(h.slack.messages)).not.toContain(ACTIONS.approve);
});

it("a patch over Slack's snippet limit is uploaded as a plain file", async () => {
  const { run } = await begin();
  const line = `+${"x".repeat(99)}\n`;
  const big = `diff --git a/big.txt b/big.txt\n--- a/big.txt\n+++ b/big.txt\n@@ -0,0 +1,11000 @@\n${line.repeat(11_000)}`;
  await run.patchReady(big);
  const file = await h.slack.waitFor(() => h.slack.files[0]);
  expect(file.snippetType).toBeUndefined();
  expect(file.content.length).toBe(big.length);
  expect(file.initialComment).toContain("larger than Slack's snippet limit");
});

it("shows the time, tokens and cost the worker reported, and its explanation, on the patch", async () => {
  const { run } = await begin();
  await run.patchReady(undefined, {
    result: {
      issue: { owner: "acme", repo: "api", number: 42, url: ISSUE_URL, title: "Login" },
      files: [{ path: "src/login.ts", additions: 2, deletions: 1 }],
      additions: 2,
      deletions: 1,
      durationMs: 192_000,
      agent: { name: "cline", model: "gpt-x" },
      usage: { inputTokens: 12_000, outputTokens: 300, costUsd: 0.04 },
      explanation: "Trimmed the user name before the check.",
    },
  });
  const file = await h.slack.waitFor(() => h.slack.files[0]);
  expect(file.initialComment).toContain("⏱ 3m 12s · 12.3k tokens · $0.04");
  expect(file.initialComment).toContain("Trimmed the user name before the check.");
});

it("an alerts channel the bot cannot post in does not make the thread repeat itself", async () => {
  const { run, rootTs } = await begin({ AUTOFIX_ALERT_CHANNEL: "C0NOWHERE" });
  await run.fail("fix", ["boom"]);
  await h.slack.waitFor(() =>
    h.slack.thread(CHANNEL, rootTs).some((m) => m.text.includes("failed while writing the fix")),
  );
  await h.app.runtime.background.drain();
  for (let i = 0; i < 3; i++) await h.app.runtime.reconciler.runOnce();
  const failures = h.slack
    .thread(CHANNEL, rootTs)
    .filter((m) => m.text.includes("failed while writing the fix"));
  expect(failures).toHaveLength(1);
  expect(
    h.slack.calls.some((c) => c.method === "chat.postMessage" && c.error === "channel_not_found"),
  ).toBe(true);
});

it("retrying a run whose approval expired offers the buttons again when it pauses again", async () => {
  const { run, rootTs } = await begin();
  await run.patchReady();
  const approveMessages = () => h.slack.messages.filter((m) => hasButtons(m));
  await h.slack.waitFor(() => approveMessages().length === 1);
  // Nobody approves within 7 days: the Pause fails (behavior FAIL) and so does the run.
  const pause = h.kestra.execution(run.id).taskRunList.find((t) => t.taskId === "approval");
  h.kestra.setTaskRunState(run.id, pause?.id ?? "", "FAILED");
  h.kestra.setState(run.id, "FAILED");
  await h.notify({ executionId: run.id, event: "failed", error: "approval expired" });
  await h.slack.waitFor(() =>
    h.slack.channelMessages(CHANNEL)[0]?.text.endsWith("Expired: nobody decided in time"),
  );
  await h.slack.waitFor(() => approveMessages().length === 0, { description: "buttons closed" });

  const reply = h.slack.thread(CHANNEL, rootTs).at(-1);
  await h.click({
    user: REQUESTER,
    messageTs: reply?.ts ?? "",
    threadTs: rootTs,
    actionId: ACTIONS.retry,
    value: run.id,
  });
  await h.slack.waitFor(() => h.kestra.restarts.length === 1);
  h.kestra.pause(run.id, "approval");
  await h.notify({ executionId: run.id, event: "started" });
  await h.slack.waitFor(() => approveMessages().length === 1, { description: "fresh buttons" });
  await h.slack.waitFor(() =>
    h.slack.channelMessages(CHANNEL)[0]?.text.endsWith("awaiting approval"),
  );
});

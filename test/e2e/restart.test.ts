import { afterEach, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import { FlowDriver } from "../support/flow-driver.ts";
import {
  ALERTS,
  CHANNEL,
  type Harness,
  ISSUE_URL,
  REQUESTER,
  startHarness,
} from "../support/harness.ts";
import { hasButtons, rootOf, startedRun } from "../support/scenarios.ts";
import { searchesSince, seedRun } from "./commands-seed.ts";

let h: Harness;
afterEach(async () => h?.close());

it("a bot restarted mid-run catches up from Kestra: missed patch, then approval by the new process", async () => {
  h = await startHarness();
  const { run, rootTs } = await startedRun(h);

  await h.stopApp();
  // While the bot is down, the worker finishes and the run pauses; the notification is lost.
  const taskRunId = h.kestra.addTaskRun(run.id, { taskId: "fix", state: "SUCCESS" });
  h.kestra.addOutputFile(
    run.id,
    "fix",
    taskRunId,
    "patch.diff",
    "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
  );
  h.kestra.pause(run.id, "approval");

  await h.startNewApp(); // reconciles at start-up
  const file = await h.slack.waitFor(() => h.slack.files[0], {
    description: "patch posted by the new process",
  });
  expect(file.threadTs).toBe(rootTs);
  await h.slack.waitFor(() => hasButtons(rootOf(h, rootTs)), { description: "buttons" });
  expect(rootOf(h, rootTs).text).toMatch(/awaiting approval$/);

  // A third process reads the thread back and posts nothing twice.
  const passes = () => h.logs.filter((l) => l.includes('"msg":"reconciled"')).length;
  const before = passes();
  await h.stopApp();
  await h.startNewApp();
  await h.slack.waitFor(() => passes() > before, { description: "start-up catch-up done" });
  await h.app.runtime.background.drain();
  expect(h.slack.files).toHaveLength(1);

  await h.click({ user: REQUESTER, messageTs: rootTs, actionId: ACTIONS.approve, value: run.id });
  await h.slack.waitFor(() => h.kestra.resumes.length === 1);
  await h.slack.waitFor(() => rootOf(h, rootTs).text.endsWith("Creating PR"));
});

it("an idle pass costs two Kestra searches and no Slack call, whatever the history", async () => {
  h = await startHarness();
  for (let i = 0; i < 30; i++) {
    const run = await seedRun(h, { issue: 300 + i, state: "RUNNING" });
    h.kestra.setState(run.id, "SUCCESS");
  }
  // The first pass (start-up) catches all of them up; the next one looks only at what ended since.
  await h.app.runtime.reconciler.runOnce();
  await h.app.runtime.reconciler.runOnce();
  // The roots' edits the catch-up queued are sent (those past chat.update's burst wait their turn).
  await h.app.runtime.edits.drain(10_000);
  const kestra = h.kestra.requests.length;
  const slack = h.slack.calls.length;
  const report = await h.app.runtime.reconciler.runOnce();
  expect(report.checked).toBe(0);
  const calls = h.kestra.requests.slice(kestra);
  expect(calls.map((r) => r.path.split("?")[0])).toEqual([
    "/api/v1/main/executions/search",
    "/api/v1/main/executions/search",
  ]);
  expect(h.slack.calls.slice(slack)).toEqual([]);
});

it("the reconciler reports a failure whose notification never arrived, once", async () => {
  h = await startHarness();
  await h.command(ISSUE_URL);
  await h.slack.waitFor(() => h.kestra.executions.length === 1);
  const run = FlowDriver.latest(h);
  const { ts: rootTs } = await h.slack.waitFor(() => h.slack.channelMessages(CHANNEL)[0]);
  await run.fail("fix", ["clone failed: repository not found"], false);

  const first = await h.app.runtime.reconciler.runOnce();
  expect(first.synced).toBe(1);
  await h.slack.waitFor(() => h.slack.channelMessages(ALERTS)[0]);
  await h.slack.waitFor(() => h.slack.channelMessages(CHANNEL)[0]?.text.endsWith("Failed"));
  const replies = h.slack.thread(CHANNEL, rootTs).length;

  await h.app.runtime.reconciler.runOnce();
  expect(h.slack.thread(CHANNEL, rootTs)).toHaveLength(replies);
  expect(h.slack.channelMessages(ALERTS)).toHaveLength(1);
  // It searched with 2.x filters, never the flat parameters 2.0 ignores.
  const search = h.kestra.requests.filter((r) => r.path.includes("/executions/search"));
  expect(search.length).toBeGreaterThan(0);
  for (const r of search)
    expect(decodeURIComponent(r.path)).toContain("filters[namespace][EQUALS]=dev.autofix");
});

it("a run whose thread Slack refuses for good is told to the admins once, backed off, and never holds the others back", async () => {
  let offsetMs = 0;
  h = await startHarness({ now: () => Date.now() + offsetMs });
  // The start-up catch-up runs in the background: done before the runs below exist, so the passes
  // counted are this test's.
  await h.app.runtime.background.drain();
  h.slack.addChannel("C0ARCHIVE");
  h.slack.addChannel("C0OTHER");
  const gone = await seedRun(h, { issue: 5, channel: "C0ARCHIVE", state: "RUNNING" });
  h.kestra.setState(gone.id, "FAILED");
  // Someone archived the channel: every write to its thread is refused (is_archived).
  h.slack.addChannel("C0ARCHIVE", { isArchived: true });

  const first = await h.app.runtime.reconciler.runOnce();
  expect(first.failed).toBe(1);
  // The failure's alert goes first; then its thread reply is refused: the admins hear that too.
  const alert = await h.slack.waitFor(() =>
    h.slack.channelMessages(ALERTS).find((m) => m.text.includes("cannot follow its run")),
  );
  expect(JSON.stringify(alert.blocks)).toContain("is_archived");

  // A later run in another channel ends; the next pass looks only since the last one, and the
  // archived run waits for its turn (backed off) instead of failing every pass.
  const other = await seedRun(h, { issue: 6, channel: "C0OTHER", state: "RUNNING" });
  h.kestra.setState(other.id, "FAILED");
  const from = h.kestra.requests.length;
  const second = await h.app.runtime.reconciler.runOnce();
  expect(second).toMatchObject({ synced: 1, failed: 0, backedOff: 1 });
  const since = searchesSince(h, from)
    .map((p) => /filters\[endDate\]\[GREATER_THAN_OR_EQUAL_TO\]=([^&]+)/.exec(p)?.[1])
    .find(Boolean);
  // Not the 48 h lookback again: the watermark moved past the failing run.
  expect(Date.parse(since ?? "")).toBeGreaterThan(Date.now() - 10 * 60_000);
  await h.slack.waitFor(() => h.slack.channelMessages("C0OTHER").length > 0);

  // Its turn comes later (the backoff), it fails again, and nobody is told twice.
  offsetMs = 3 * 60_000;
  const third = await h.app.runtime.reconciler.runOnce();
  expect(third.failed).toBe(1);
  const about5 = h.slack.channelMessages(ALERTS).filter((m) => m.text.includes("acme/api#5"));
  expect(about5.map((m) => m.text.split(":")[0])).toEqual([
    "Autofix for acme/api#5 failed",
    "The thread of acme/api#5 cannot follow its run",
  ]);
});

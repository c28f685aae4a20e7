import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { LABELS } from "../../src/contracts/flow.ts";
import { ACTIONS } from "../../src/slack/ids.ts";
import { BatchDriver } from "../support/batch-driver.ts";
import { FlowDriver } from "../support/flow-driver.ts";
import { ALERTS, CHANNEL, type Harness, REQUESTER, startHarness } from "../support/harness.ts";
import { rootOf, startedRun } from "../support/scenarios.ts";
import { ask } from "./commands-seed.ts";

// A cancel or a retry cut off by a crash: the bot stops after its request reached Kestra but
// before it heard back (Kestra's answer comes after the bot's timeout), or before Kestra heard of
// it at all (the connection drops). A new process then takes over. Whichever it was, the thread
// says who did it once, and Kestra kills, restarts or creates once.

let h: Harness;
afterEach(async () => {
  h?.kestra.beforeReply(undefined);
  await h?.close();
});

let offsetMs = 0;
const clock = () => Date.now() + offsetMs;

const texts = (rootTs: string) => h.slack.thread(CHANNEL, rootTs).map((m) => m.text);
const count = (rootTs: string, text: string) => texts(rootTs).filter((t) => t === text).length;
const CANCELLED = `⏹️ Cancelled by <@${REQUESTER}>.`;
const RERUN = `🔄 <@${REQUESTER}> started the run again; this thread follows the new run.`;
const isCreate = (r: { method: string; path: string }) =>
  r.method === "POST" &&
  (r.path.split("?")[0] ?? "").endsWith("/executions/dev.autofix/ai-issue-autofix");

/** Kestra applies the next matching request, and answers after the bot's timeout. */
function answerLate(matches: (r: { method: string; path: string }) => boolean) {
  let held = false;
  h.kestra.beforeReply(async (r) => {
    if (held || !matches(r)) return;
    held = true;
    await sleep(2000);
  });
}

/** The bot stops (its memory is gone) and a new process catches up at start-up. */
async function newProcess() {
  await h.stopApp();
  const passes = () => h.logs.filter((l) => l.includes('"msg":"reconciled"')).length;
  const before = passes();
  await h.startNewApp();
  await h.slack.waitFor(() => passes() > before, { description: "start-up catch-up" });
  await h.app.runtime.background.drain();
}

async function running() {
  offsetMs = 0;
  h = await startHarness({ now: clock });
  return startedRun(h);
}

async function cancelled() {
  const started = await running();
  await ask(h, `cancel ${started.run.id}`);
  await started.run.killed();
  await h.slack.waitFor(() => rootOf(h, started.rootTs).text.endsWith("Cancelled"));
  return started;
}

it("a cancel whose answer never came: the thread says who cancelled, once; a repeat kills nothing more", async () => {
  const { run, rootTs } = await running();
  answerLate((r) => r.method === "DELETE" && r.path.endsWith("/actions/kill"));
  await ask(h, `cancel ${run.id}`);
  expect(h.kestra.execution(run.id).state.current).toBe("KILLING");
  await newProcess();
  // The person types it again, having had no clear answer.
  const again = await ask(h, `cancel ${run.id}`);
  expect(again.text).toBe(
    `<@${REQUESTER}> already cancelled this run; its thread says when it has stopped.`,
  );
  await run.killed();
  await h.slack.waitFor(() => rootOf(h, rootTs).text.endsWith("Cancelled"));
  expect(h.kestra.kills).toHaveLength(1);
  // Once it has stopped, a repeat says so.
  const late = await ask(h, `cancel ${run.id}`);
  expect(late.text).toBe(`<@${REQUESTER}> already cancelled this run; it is now *Cancelled*.`);
  expect(h.kestra.kills).toHaveLength(1);
  expect(count(rootTs, CANCELLED)).toBe(1);
  expect(texts(rootTs).some((t) => t.includes("The run was cancelled"))).toBe(false);
});

it("a cancel that never reached Kestra: the next process kills the run, once", async () => {
  const { run, rootTs } = await running();
  h.kestra.failNext(
    { method: "DELETE", path: `/api/v1/main/executions/${run.id}/actions/kill` },
    "reset",
  );
  await ask(h, `cancel ${run.id}`);
  expect(h.kestra.kills).toHaveLength(0);
  await newProcess();
  await h.slack.waitFor(() => h.kestra.kills.length === 1, { description: "the recorded kill" });
  await run.killed();
  await h.slack.waitFor(() => rootOf(h, rootTs).text.endsWith("Cancelled"));
  expect(h.kestra.kills).toHaveLength(1);
  expect(count(rootTs, CANCELLED)).toBe(1);
});

it("a run started again whose create answer never came: one note, and no second run", async () => {
  const { run, rootTs } = await cancelled();
  answerLate(isCreate);
  await ask(h, `retry ${run.id}`);
  expect(h.kestra.executions).toHaveLength(2);
  await newProcess();
  expect(h.kestra.executions).toHaveLength(2);
  expect(count(rootTs, RERUN)).toBe(1);
  // The root follows the new run.
  const fresh = new FlowDriver(h, h.kestra.executions[1]?.id ?? "");
  await fresh.started();
  await h.slack.waitFor(() => rootOf(h, rootTs).text.endsWith("Running"));
  const again = await ask(h, `retry ${run.id}`);
  expect(again.text).toBe(
    `<@${REQUESTER}> already started this run again; its thread follows the new run.`,
  );
  expect(h.kestra.executions).toHaveLength(2);
});

it("a run started again whose create never reached Kestra: the next process starts it, once", async () => {
  const { run, rootTs } = await cancelled();
  h.kestra.failNext(
    { method: "POST", path: "/api/v1/main/executions/dev.autofix/ai-issue-autofix" },
    "reset",
  );
  await ask(h, `retry ${run.id}`);
  expect(h.kestra.executions).toHaveLength(1);
  await newProcess();
  await h.slack.waitFor(() => h.kestra.executions.length === 2, { description: "the new run" });
  await h.app.runtime.background.drain();
  expect(h.kestra.executions).toHaveLength(2);
  expect(h.kestra.execution(h.kestra.executions[1]?.id ?? "").inputs).toEqual(
    h.kestra.execution(run.id).inputs,
  );
  expect(count(rootTs, RERUN)).toBe(1);
});

it("a restart that never reached Kestra: the next process restarts the failed run, once", async () => {
  const { run, rootTs } = await running();
  await run.fail("fix", ["boom"]);
  await h.slack.waitFor(() => rootOf(h, rootTs).text.endsWith("Failed"));
  h.kestra.failNext(
    { method: "POST", path: `/api/v1/main/executions/${run.id}/actions/restart` },
    "reset",
  );
  await ask(h, `retry ${run.id}`);
  expect(h.kestra.restarts).toHaveLength(0);
  await newProcess();
  await h.slack.waitFor(() => h.kestra.restarts.length === 1, { description: "the restart" });
  expect(count(rootTs, `🔄 <@${REQUESTER}> restarted the run.`)).toBe(1);
});

it("a batch child started again, cut off before Kestra created it: the next process starts that issue again, once (a sibling is not taken for it)", async () => {
  h = await startHarness();
  await h.command("batch acme/api label:bug max:2");
  await h.slack.waitFor(() => h.kestra.executions.length === 1, { description: "the batch" });
  const batch = BatchDriver.latest(h);
  await batch.listed([
    { number: 1, title: "First" },
    { number: 2, title: "Second" },
  ]);
  const first = await batch.child({ number: 1, title: "First" });
  const second = await batch.child({ number: 2, title: "Second" });
  await first.started();
  await second.started();
  await ask(h, `cancel ${first.id}`);
  await first.killed();
  await h.app.runtime.background.drain();
  h.kestra.failNext(
    { method: "POST", path: "/api/v1/main/executions/dev.autofix/ai-issue-autofix" },
    "reset",
  );
  await ask(h, `retry ${first.id}`);
  const runsOf = (issue: string) =>
    h.kestra.executions.filter((e) =>
      e.labels.some((l) => l.key === LABELS.issue && l.value === issue),
    );
  const runsOfFirst = () => runsOf("1");
  expect(runsOfFirst()).toHaveLength(1);
  await newProcess();
  await h.slack.waitFor(() => runsOfFirst().length === 2, { description: "the new run" });
  await h.app.runtime.background.drain();
  expect(runsOfFirst()).toHaveLength(2);
  expect(runsOf("2")).toHaveLength(1);
});

/** A stuck run and its alert in the alerts channel. */
async function stuck() {
  const started = await running();
  await h.app.runtime.background.drain();
  offsetMs = 31 * 60_000;
  await h.app.runtime.reconciler.runOnce();
  const alert = await h.slack.waitFor(() => h.slack.channelMessages(ALERTS)[0]);
  return { ...started, alert };
}

const clickRetry = (alert: { ts: string; blocks?: unknown[] | undefined }, runId: string) =>
  h.click({
    channel: ALERTS,
    user: REQUESTER,
    messageTs: alert.ts,
    actionId: ACTIONS.stuckRetry,
    value: runId,
    ...(alert.blocks ? { messageBlocks: alert.blocks } : {}),
  });

it("a stuck alert's Retry cut off before the kill: the next process kills and starts it again, once", async () => {
  const { run, rootTs, alert } = await stuck();
  h.kestra.failNext(
    { method: "DELETE", path: `/api/v1/main/executions/${run.id}/actions/kill` },
    "reset",
  );
  await clickRetry(alert, run.id);
  await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === REQUESTER), {
    description: "the clicker told",
  });
  await newProcess();
  await h.slack.waitFor(() => h.kestra.kills.length === 1, { description: "the recorded kill" });
  await run.killed();
  await h.slack.waitFor(() => h.kestra.executions.length === 2, { description: "the new run" });
  await h.app.runtime.background.drain();
  expect(h.kestra.kills).toHaveLength(1);
  expect(h.kestra.executions).toHaveLength(2);
  expect(count(rootTs, CANCELLED)).toBe(1);
  expect(count(rootTs, RERUN)).toBe(1);
  const closed = h.slack.message(ALERTS, alert.ts);
  expect(closed?.text).toBe(`🔄 Started again by <@${REQUESTER}>.`);
  expect(JSON.stringify(closed?.blocks)).not.toContain(ACTIONS.stuckRetry);
});

it("Retry clicked again on a stuck alert left stale by a crash: one kill, one new run, even once that run has ended", async () => {
  const { run, rootTs, alert } = await stuck();
  // The bot stops right after its first write for the click: Slack refuses the next one.
  h.slack.failNext("chat.update", "internal_error");
  await clickRetry(alert, run.id);
  await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === REQUESTER), {
    description: "the clicker told",
    timeoutMs: 15_000,
  });
  await newProcess();
  await h.slack.waitFor(() => h.kestra.kills.length === 1, { description: "the kill" });
  await run.killed();
  await h.slack.waitFor(() => h.kestra.executions.length === 2, { description: "the new run" });
  const fresh = new FlowDriver(h, h.kestra.executions[1]?.id ?? "");
  await fresh.started();
  await fresh.fail("fix", ["boom"]);
  await h.app.runtime.background.drain();
  // The buttons the person still sees, clicked again: nothing more is started.
  const told = () => h.slack.ephemerals.filter((e) => e.text.includes("already started")).length;
  await clickRetry(alert, run.id);
  await h.slack.waitFor(() => told() === 1, { description: "the clicker told" });
  await h.app.runtime.background.drain();
  expect(h.kestra.kills).toHaveLength(1);
  expect(h.kestra.executions).toHaveLength(2);
  expect(count(rootTs, CANCELLED)).toBe(1);
  expect(count(rootTs, RERUN)).toBe(1);
});

import { afterEach, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import type { FlowDriver } from "../support/flow-driver.ts";
import { ALERTS, CHANNEL, type Harness, REQUESTER, startHarness } from "../support/harness.ts";
import { startedRun } from "../support/scenarios.ts";

let h: Harness;
afterEach(async () => h?.close());

let offsetMs = 0;
const clock = () => Date.now() + offsetMs;

async function runningRun(): Promise<FlowDriver> {
  offsetMs = 0;
  h = await startHarness({ now: clock });
  const { run } = await startedRun(h);
  await h.app.runtime.background.drain();
  return run;
}

it("a run with no state change for 30 minutes raises one alert with Cancel and Retry", async () => {
  await runningRun();
  offsetMs = 29 * 60_000;
  expect((await h.app.runtime.reconciler.runOnce()).stuckAlerts).toBe(0);
  offsetMs = 31 * 60_000;
  expect((await h.app.runtime.reconciler.runOnce()).stuckAlerts).toBe(1);
  const alert = h.slack.channelMessages(ALERTS)[0];
  expect(alert?.text).toMatch(/acme\/api#42 looks stuck \(RUNNING for 31m/);
  const blocks = JSON.stringify(alert?.blocks);
  expect(blocks).toContain(ACTIONS.stuckCancel);
  expect(blocks).toContain(ACTIONS.stuckRetry);
  expect(blocks).toContain(`<@${REQUESTER}>`);
  // The same stuck state is reported once.
  expect((await h.app.runtime.reconciler.runOnce()).stuckAlerts).toBe(0);
  expect(h.slack.channelMessages(ALERTS)).toHaveLength(1);
});

it("a run waiting for approval is never stuck", async () => {
  const run = await runningRun();
  await run.patchReady();
  offsetMs = 24 * 3_600_000;
  expect((await h.app.runtime.reconciler.runOnce()).stuckAlerts).toBe(0);
});

it("Cancel kills the run; a stranger may not", async () => {
  const run = await runningRun();
  offsetMs = 31 * 60_000;
  await h.app.runtime.reconciler.runOnce();
  const alert = h.slack.channelMessages(ALERTS)[0];
  await h.click({
    channel: ALERTS,
    user: "U0STRANGER",
    messageTs: alert?.ts ?? "",
    actionId: ACTIONS.stuckCancel,
    value: run.id,
  });
  await h.slack.waitFor(() => h.slack.ephemerals[0]);
  expect(h.kestra.kills).toHaveLength(0);
  await h.click({
    channel: ALERTS,
    user: REQUESTER,
    messageTs: alert?.ts ?? "",
    actionId: ACTIONS.stuckCancel,
    value: run.id,
  });
  await h.slack.waitFor(() => h.kestra.kills.length === 1);
  await h.slack.waitFor(() =>
    h.slack.message(ALERTS, alert?.ts ?? "")?.text.includes("Cancelled by"),
  );
  const root = h.slack.channelMessages(CHANNEL)[0];
  await h.slack.waitFor(() =>
    h.slack.thread(CHANNEL, root?.ts ?? "").some((m) => m.text.includes("Cancelled by")),
  );
});

it("Retry kills the stuck run, then starts it again as a new run (2.0 will not restart a killed one)", async () => {
  const run = await runningRun();
  offsetMs = 31 * 60_000;
  await h.app.runtime.reconciler.runOnce();
  const alert = h.slack.channelMessages(ALERTS)[0];
  await h.click({
    channel: ALERTS,
    user: REQUESTER,
    messageTs: alert?.ts ?? "",
    actionId: ACTIONS.stuckRetry,
    value: run.id,
  });
  // The bot waits for the end of the asynchronous kill before it starts again.
  await h.slack.waitFor(() => h.kestra.kills.length === 1);
  expect(h.kestra.executions).toHaveLength(1);
  await run.killed();
  await h.slack.waitFor(() => h.kestra.executions.length === 2, { timeoutMs: 8000 });
  const [old, fresh] = h.kestra.executions;
  expect(h.kestra.restarts).toHaveLength(0);
  expect(h.kestra.kills).toHaveLength(1);
  // The same inputs and Slack labels: the new run lives in the old one's thread.
  expect(fresh?.inputs).toEqual(old?.inputs);
  const slack = (e: typeof old) => e?.labels.filter((l) => !l.key.startsWith("system."));
  expect(slack(fresh)).toEqual(slack(old));
  await h.slack.waitFor(() =>
    h.slack.message(ALERTS, alert?.ts ?? "")?.text.includes("Started again by"),
  );
});

it("a restarted bot does not raise the same stuck alert again", async () => {
  await runningRun();
  offsetMs = 31 * 60_000;
  expect((await h.app.runtime.reconciler.runOnce()).stuckAlerts).toBe(1);
  await h.stopApp();
  await h.startNewApp();
  const report = await h.app.runtime.reconciler.runOnce();
  expect(report.stuckAlerts).toBe(0);
  expect(h.slack.channelMessages(ALERTS)).toHaveLength(1);
});

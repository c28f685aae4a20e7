// Slack's limits for the whole app: 3 concurrent 30-issue batches and 20 single runs, under the
// fake's emulation of Slack's rate tiers (windows scaled 10× shorter, the app's budget with them).
import { DIGEST_WINDOW_MS } from "../src/runs/batch/digest.ts";
import { ACTIONS } from "../src/slack/ids.ts";
import { BatchDriver } from "../test/support/batch-driver.ts";
import { FlowDriver, SAMPLE_PATCH } from "../test/support/flow-driver.ts";
import { CHANNEL, type Harness, REQUESTER, startHarness } from "../test/support/harness.ts";
import { tally } from "./calls.ts";
import { nextIssue } from "./issues.ts";

const SCALE = 10;
const MINUTE_MS = 60_000 / SCALE;

export interface LoadResult {
  batches: number;
  issuesPerBatch: number;
  singles: number;
  seconds: number;
  limited: number;
  /** The 429s by method, e.g. "chat.postMessage×60". */
  limitedBy: string;
  calls: number;
  lostFinalStates: number;
}

async function single(h: Harness): Promise<{ rootTs: string; run: FlowDriver }> {
  const url = nextIssue(h);
  const issue = url.split("/").at(-1);
  await h.command(url);
  // Its own run: batch children are runs of the same flow.
  const created = await h.slack.waitFor(
    () =>
      h.kestra.executions.find(
        (e) =>
          e.labels.some((l) => l.key === "autofix-issue" && l.value === issue) &&
          !e.labels.some((l) => l.key === "autofix-batch"),
      ),
    { timeoutMs: 60_000 },
  );
  const run = new FlowDriver(h, created.id);
  run.acceptPending = true;
  const rootTs = created.labels.find((l) => l.key === "slack-ts")?.value ?? "";
  await run.started();
  await run.patchReady();
  await h.click({ user: REQUESTER, messageTs: rootTs, actionId: ACTIONS.approve, value: run.id });
  await h.slack.waitFor(() => h.kestra.resumes.some((r) => r.executionId === run.id), {
    timeoutMs: 120_000,
  });
  await run.prCreated(`https://github.com/acme/api/pull/${run.id.length}`);
  return { rootTs, run };
}

/** Started one after the other, so that each command's batch is known; then they run together. */
async function startBatch(h: Harness, issues: number): Promise<BatchDriver> {
  const before = new Set(h.kestra.executions.map((e) => e.id));
  await h.command(`batch acme/api max:${issues}`);
  const created = await h.slack.waitFor(
    () => h.kestra.executions.find((e) => !before.has(e.id) && e.flowId === "batch-issue-autofix"),
    { timeoutMs: 60_000 },
  );
  const driver = new BatchDriver(h, created.id);
  driver.acceptPending = true;
  return driver;
}

async function batch(driver: BatchDriver, issues: number, base: number) {
  const list = Array.from({ length: issues }, (_, i) => ({
    number: base + i,
    title: `Issue ${base + i}`,
  }));
  await driver.listed(list);
  const children = [];
  for (const issue of list) children.push(await driver.child(issue));
  await Promise.all(
    children.map(async (c) => {
      await c.started();
      await c.patchReady(SAMPLE_PATCH, { pause: false });
      await c.finished();
    }),
  );
  await driver.finished();
  return driver;
}

export async function loadScenario(
  batches: number,
  issuesPerBatch: number,
  singles: number,
): Promise<LoadResult> {
  const h = await startHarness({
    env: { LOG_LEVEL: "warn", AUTOFIX_REQUIRE_APPROVAL: "true" },
    slackTiers: { windowMs: MINUTE_MS },
    digestWindowMs: DIGEST_WINDOW_MS / SCALE,
    slackPaceScale: SCALE,
    // The production policy: retry for minutes, honouring Retry-After.
    slackRetry: { retries: 8, factor: 2, minTimeout: 500, maxTimeout: 30_000 },
  });
  try {
    const started = performance.now();
    const batchDrivers: BatchDriver[] = [];
    for (let i = 0; i < batches; i++) batchDrivers.push(await startBatch(h, issuesPerBatch));
    const [, singleRuns] = await Promise.all([
      Promise.all(batchDrivers.map((d, i) => batch(d, issuesPerBatch, 100 * (i + 1)))),
      Promise.all(Array.from({ length: singles }, () => single(h))),
    ]);
    // Every thread must end on its final state: each digest Finished with all its rows done, each
    // single root PR opened. Wait for it (coalesced updates may trail), then count what is not.
    const digestDone = (d: BatchDriver) => {
      const ts = h.kestra.execution(d.id).labels.find((l) => l.key === "slack-ts")?.value ?? "";
      const text = JSON.stringify(h.slack.message(CHANNEL, ts)?.blocks ?? []);
      return text.includes("Finished") && text.includes(`Fixed ${issuesPerBatch} `);
    };
    const singleDone = (s: { rootTs: string }) =>
      h.slack.message(CHANNEL, s.rootTs)?.text.endsWith("PR opened") ?? false;
    await h.slack
      .waitFor(() => batchDrivers.every(digestDone) && singleRuns.every(singleDone), {
        timeoutMs: 300_000,
        intervalMs: 100,
      })
      .catch(() => undefined);
    const seconds = (performance.now() - started) / 1000;
    await h.app.runtime.background.drain();
    const lost =
      batchDrivers.filter((d) => !digestDone(d)).length +
      singleRuns.filter((s) => !singleDone(s)).length;
    return {
      batches,
      issuesPerBatch,
      singles,
      seconds,
      limited: h.slack.calls.filter((c) => c.status === 429).length,
      limitedBy: tally(h.slack.calls.filter((c) => c.status === 429).map((c) => c.method)),
      calls: h.slack.calls.length,
      lostFinalStates: lost,
    };
  } finally {
    await h.close();
  }
}

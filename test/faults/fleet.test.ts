import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { percentile } from "../../bench/stats.ts";
import { BATCH_FLOW_ID, LABELS, SINGLE_FLOW_ID, TASKS } from "../../src/contracts/flow.ts";
import type { NotificationInput } from "../../src/contracts/notification.ts";
import type { FakeExecution } from "../fakes/kestra.ts";
import { CHANNEL, WEBHOOK_TOKEN } from "../support/harness.ts";
import type { BotProcess } from "./bot-process.ts";
import { pick, rng, shuffle } from "./chaos.ts";
import { BatchRun, type Deliver, FlowRun, PATCH } from "./flow.ts";
import { callCounts, command, decide, type Player } from "./play.ts";
import { breakdown, total } from "./report.ts";
import { type Expected, finalText, inspect, liveButtons, type Played, sum } from "./verdict.ts";
import { freshDatabase, startWorld, type World } from "./world.ts";

// A team's busy day at once, on two replicas sharing a PostgreSQL (DATABASE_URL) under Slack's
// rate tiers: three 30-issue batches (one with PRs, each child waiting for a decision) and 20
// single runs, every notification delivered to one replica, the other, or both, as the flow's
// Request tasks would (again on anything but a 2xx), and every click landing on either replica.
// The fake Slack's rate windows are FLEET_SCALE times shorter than Slack's (the bots' own pacing
// scaled with them: scaled-main.ts), so a minute of Slack's quotas passes in six seconds.
// FLEET_SEED=<n> plays other choices; FLEET_DUMP=<file> writes every delivery, Slack call and log
// line of the bots, for a look by hand.

const SEED = Number(process.env["FLEET_SEED"] ?? 20_240_613);
const DATABASE_URL = process.env["AUTOFIX_TEST_DATABASE_URL"];
const SCALE = Number(process.env["FLEET_SCALE"] ?? 10);
const SCALED_MAIN = new URL("./scaled-main.ts", import.meta.url).pathname;

const BATCHES = [
  { base: 1000, prs: false },
  { base: 2000, prs: false },
  { base: 3000, prs: true },
] as const;
const BATCH_SIZE = 30;
/** The batch flow's Loop runs at most two children at a time (concurrencyLimit: 2). */
const LOOP_CONCURRENCY = 2;
/** The 20 single runs: what the user and the agent do. */
const SINGLES = { approve: 12, reject: 5, failure: 3 } as const;
const SINGLE_BASE = 100;

/** What the notification contract promises: 200 once the thread shows it, inside 10 s. */
const DEADLINE_MS = 10_000;
const P99_MS = 2000;
/** From the last event to every final state shown. */
const SHOWN_WITHIN_MS = 60_000;
const RETRY_DELAY_MS = 150;
const READ_TIMEOUT_MS = 15_000;
const GIVE_UP_MS = 60_000;

let world: World | undefined;
const databases: { drop: () => Promise<void> }[] = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  await Promise.all(databases.splice(0).map((d) => d.drop()));
});

/** One delivery of a notification to one replica, with every attempt the Request task made. */
interface Delivery {
  event: string;
  executionId: string;
  bot: string;
  /** HTTP status of each attempt (0: no answer). */
  statuses: number[];
  /** Round trip of the final attempt (the one answered 2xx). */
  ms: number;
  /** From the first attempt sent to the final answer (retries included). */
  totalMs: number;
  /** When the final attempt was sent (Date.now()). */
  at: number;
}

/** flow.ts deliverTo, measured: the Request task's retries until a 2xx. */
async function deliverMeasured(
  bot: BotProcess,
  body: NotificationInput,
  log: Delivery[],
): Promise<void> {
  const d: Delivery = {
    event: body.event,
    executionId: body.executionId,
    bot: bot.name,
    statuses: [],
    ms: 0,
    totalMs: 0,
    at: 0,
  };
  log.push(d);
  const first = performance.now();
  const deadline = Date.now() + GIVE_UP_MS;
  for (;;) {
    const started = performance.now();
    d.at = Date.now();
    let status = 0;
    try {
      const res = await fetch(`${bot.url}/kestra/events`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${WEBHOOK_TOKEN}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(READ_TIMEOUT_MS),
      });
      await res.arrayBuffer();
      status = res.status;
    } catch {
      status = 0;
    }
    d.ms = performance.now() - started;
    d.totalMs = performance.now() - first;
    d.statuses.push(status);
    if (status >= 200 && status < 300) return;
    if (Date.now() > deadline) {
      throw new Error(`${body.event} of ${body.executionId} never got a 2xx (last ${status})`);
    }
    await sleep(RETRY_DELAY_MS);
  }
}

function label(e: FakeExecution, key: string): string | undefined {
  return e.labels.find((l) => l.key === key)?.value;
}

type SingleKind = keyof typeof SINGLES;

async function single(w: World, p: Player, kind: SingleKind, issue: number): Promise<Played> {
  const exec = await command(
    w,
    p,
    `https://github.com/acme/api/issues/${issue}`,
    (e) => e.flowId === SINGLE_FLOW_ID && label(e, LABELS.issue) === String(issue),
  );
  const rootTs = label(exec, LABELS.ts) ?? "";
  const run = new FlowRun(w.kestra, exec.id, p.deliver);
  await run.started();
  const expected: Expected = { id: exec.id, issue, outcome: "failed" };
  let clicks = 0;
  if (kind === "failure") {
    await run.fail(TASKS.fix, ["agent exited with status 1: the model refused the task"]);
    return { rootTs, runs: [expected], clicks };
  }
  await run.patchReady(PATCH(issue), { pause: true });
  const verdict = kind === "approve" ? "approve" : "reject";
  expected.verdict = verdict;
  const decided = await decide(w, p, exec.id, verdict, () => w.slack.message(CHANNEL, rootTs));
  clicks = decided.clicks;
  if (!decided.applied) throw new Error(`the ${verdict} of ${exec.id} was never applied`);
  if (verdict === "approve") {
    expected.outcome = "pr";
    expected.prUrl = `https://github.com/acme/api/pull/${issue + 10_000}`;
    await run.prCreated(expected.prUrl);
  } else {
    expected.outcome = "rejected";
    await run.finished();
  }
  return { rootTs, runs: [expected], clicks };
}

/** A batch as Kestra runs it: the issues task, then a Loop of two at a time, then the end. */
async function batch(
  w: World,
  p: Player,
  random: () => number,
  spec: { base: number; prs: boolean },
): Promise<Played> {
  const exec = await command(
    w,
    p,
    `batch acme/api label:bug max:${BATCH_SIZE}${spec.prs ? " pr" : ""}`,
    // Three batches start at once: each command takes the first new one of its kind not taken
    // (a batch's Loop iterations have its flow and inputs too, but are no batch of their own).
    (e) => {
      if (e.flowId !== BATCH_FLOW_ID || e.inputs["create_prs"] !== spec.prs) return false;
      if (e.kind === "LOOP") return false;
      if (claimedBatches.has(e.id)) return false;
      claimedBatches.add(e.id);
      return true;
    },
  );
  const rootTs = label(exec, LABELS.ts) ?? "";
  const b = new BatchRun(w.kestra, exec.id, p.deliver);
  const issues = Array.from({ length: BATCH_SIZE }, (_, i) => ({
    number: spec.base + i + 1,
    title: `Issue ${spec.base + i + 1}`,
  }));
  // Decided up front, so that the seed alone says which children are approved.
  const verdicts: ("approve" | "reject")[] = issues.map(() =>
    random() < 0.5 ? "approve" : "reject",
  );
  await b.listed(issues);
  const runs: Expected[] = [];
  let clicks = 0;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const issue = issues[i];
      if (!issue) return;
      const run = await b.child(issue, spec.prs, p.deliver);
      const expected: Expected = { id: run.id, issue: issue.number, outcome: "dry" };
      runs.push(expected);
      await run.started();
      await run.patchReady(PATCH(issue.number), { pause: spec.prs });
      if (!spec.prs) {
        await run.end("SUCCESS");
        continue;
      }
      const verdict = verdicts[i] ?? "reject";
      expected.verdict = verdict;
      const buttonsOf = () =>
        w.slack
          .thread(CHANNEL, rootTs)
          .find((m) => liveButtons(m) && JSON.stringify(m.blocks ?? []).includes(`"${run.id}"`));
      const decided = await decide(w, p, run.id, verdict, buttonsOf, rootTs);
      clicks += decided.clicks;
      if (!decided.applied) throw new Error(`the ${verdict} of ${run.id} was never applied`);
      if (verdict === "approve") {
        expected.outcome = "pr";
        expected.prUrl = `https://github.com/acme/api/pull/${issue.number + 10_000}`;
        await run.prCreated(expected.prUrl);
      } else {
        expected.outcome = "rejected";
        await run.finished();
      }
    }
  };
  await Promise.all(Array.from({ length: LOOP_CONCURRENCY }, worker));
  await b.finished();
  runs.sort((a, c) => a.issue - c.issue);
  return { rootTs, batchId: exec.id, runs, clicks };
}
const claimedBatches = new Set<string>();

/** Whether the thread shows the run's final state: the root, or each digest row and its totals. */
function shows(w: World, played: Played): boolean {
  const root = w.slack.message(CHANNEL, played.rootTs);
  if (!root) return false;
  if (!played.batchId) return root.text.endsWith(finalText(played.runs[0]?.outcome ?? "failed"));
  const digest = JSON.stringify(root.blocks ?? []);
  return (
    // The batch's own line says how it ended ("Finished: 13 PRs opened, 17 rejected").
    /\*Finished: [^*]+\*/.test(digest) &&
    digest.includes(totalsOf(played)) &&
    played.runs.every((r) =>
      digest.includes(`acme/api#${r.issue}> Issue ${r.issue} — ${finalText(r.outcome)} ·`),
    )
  );
}

/** The digest's closing line for the batch's final states (digest-message.ts). */
function totalsOf(played: Played): string {
  const n = (o: string) => played.runs.filter((r) => r.outcome === o).length;
  const fixed = n("pr") + n("dry");
  return `Fixed ${fixed} · awaiting approval 0 · failed ${n("failed")} · rejected ${n("rejected")} · skipped 0"`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

it("two replicas, one PostgreSQL, Slack's rate tiers: three 30-issue batches and 20 runs at once, every notification 200 within 10 s, every final state shown", async () => {
  if (!DATABASE_URL) {
    throw new Error(
      "AUTOFIX_TEST_DATABASE_URL is not set: run `bash scripts/test-postgres.sh start` and pass the URL it prints",
    );
  }
  const singleIssues = Array.from({ length: 20 }, (_, i) => SINGLE_BASE + i + 1);
  const batchIssues = BATCHES.flatMap((b) =>
    Array.from({ length: BATCH_SIZE }, (_, i) => b.base + i + 1),
  );
  const w = await startWorld([...singleIssues, ...batchIssues], {
    slackTiers: { windowMs: 60_000 / SCALE },
  });
  world = w;
  const db = await freshDatabase(DATABASE_URL);
  databases.push(db);
  const env = { DATABASE_URL: db.url, FAULTS_SLACK_SCALE: String(SCALE) };
  const a = await w.bot("A", env, { entry: SCALED_MAIN });
  const b = await w.bot("B", env, { entry: SCALED_MAIN });
  await Promise.all([a.start(), b.start()]);
  await Promise.all([a.caughtUp(), b.caughtUp()]);

  const random = rng(SEED);
  const deliveries: Delivery[] = [];
  const stats = { notifications: 0, doubled: 0, doubleClicks: 0 };
  const deliver: Deliver = async (body) => {
    stats.notifications++;
    const r = random();
    if (r < 0.4) return deliverMeasured(a, body, deliveries);
    if (r < 0.8) return deliverMeasured(b, body, deliveries);
    // Both, racing: the second within 0–3 ms of the first.
    stats.doubled++;
    const gap = Math.floor(random() * 4);
    const [first, second] = random() < 0.5 ? [a, b] : [b, a];
    await Promise.all([
      deliverMeasured(first, body, deliveries),
      sleep(gap).then(() => deliverMeasured(second, body, deliveries)),
    ]);
  };
  const player: Player = {
    deliver,
    userUrl: async () => pick(random, [a, b]).url,
    async clickUrls() {
      if (random() < 0.7) return [pick(random, [a, b]).url];
      stats.doubleClicks++;
      return [a.url, b.url];
    },
  };

  const kinds = shuffle(random, [
    ...Array<SingleKind>(SINGLES.approve).fill("approve"),
    ...Array<SingleKind>(SINGLES.reject).fill("reject"),
    ...Array<SingleKind>(SINGLES.failure).fill("failure"),
  ]);
  const before = callCounts(w);
  const started = performance.now();
  // Every driver plays to its end; one that gives up (a button that never shows) is reported.
  const outcomes = await Promise.allSettled([
    ...BATCHES.map((spec) => batch(w, player, rng(SEED + spec.base), spec)),
    ...kinds.map((kind, i) => single(w, player, kind, singleIssues[i] ?? 0)),
  ]);
  const lastEvent = performance.now();
  const played = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
  const gaveUp = outcomes.flatMap((o) =>
    o.status === "rejected" ? [String((o.reason as Error).message ?? o.reason)] : [],
  );
  let shownAfter = Number.POSITIVE_INFINITY;
  for (;;) {
    if (played.every((p) => shows(w, p))) {
      shownAfter = performance.now() - lastEvent;
      break;
    }
    if (performance.now() - lastEvent > SHOWN_WITHIN_MS) break;
    await sleep(50);
  }
  const wall = performance.now() - started;
  await Promise.all([a.stop(), b.stop()]);
  const calls = callCounts(w);
  const spent = {
    slack: new Map([...calls.slack].map(([k, v]) => [k, v - (before.slack.get(k) ?? 0)])),
    kestra: new Map([...calls.kestra].map(([k, v]) => [k, v - (before.kestra.get(k) ?? 0)])),
  };

  const figures = sum(played.map((p) => inspect(w, p)));
  if (process.env["FLEET_DUMP"]) {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      process.env["FLEET_DUMP"],
      JSON.stringify({
        deliveries,
        slack: w.slack.calls.map((c) => ({
          m: c.method,
          s: c.status,
          at: c.at,
          ch: c.params["channel"],
          meta: (c.params["metadata"] as { event_payload?: unknown } | undefined)?.event_payload,
        })),
        logs: [...a.logs, ...b.logs],
      }),
    );
  }
  const latencies = deliveries.map((d) => d.ms);
  const notOk = deliveries.filter((d) => d.statuses.some((s) => s !== 200));
  const late = deliveries.filter((d) => d.totalMs >= DEADLINE_MS);
  const attempts = new Map<number, number>();
  for (const d of deliveries)
    attempts.set(d.statuses.length, (attempts.get(d.statuses.length) ?? 0) + 1);
  const limited = new Map<string, number>();
  for (const c of w.slack.calls) {
    if (c.status === 429) limited.set(c.method, (limited.get(c.method) ?? 0) + 1);
  }
  const runs = played.reduce((n, p) => n + p.runs.length, 0);
  const executions = runs + BATCHES.length;
  const slackCalls = total(spent.slack);
  const kestraCalls = total(spent.kestra);
  const slowest = [...deliveries].sort((x, y) => y.ms - x.ms).slice(0, 5);
  console.log(
    [
      `fault suite — fleet: two replicas, DATABASE_URL, Slack's tiers with ${SCALE}× shorter windows, FLEET_SEED=${SEED}`,
      `  ${BATCHES.length} batches of ${BATCH_SIZE} (${BATCHES.filter((x) => x.prs).length} with PRs) and ${kinds.length} single runs (${SINGLES.approve} approved, ${SINGLES.reject} rejected, ${SINGLES.failure} failing): ${runs} runs, ${executions} executions, played in ${seconds(lastEvent - started)}`,
      `  notifications ${stats.notifications} (${stats.doubled} to both replicas): ${deliveries.length} deliveries, A ${deliveries.filter((d) => d.bot === "A").length}, B ${deliveries.filter((d) => d.bot === "B").length}; attempts per delivery ${[...attempts].map(([k, v]) => `${k}×${v}`).join(", ")}; not 200: ${notOk.length}`,
      `  notification latency (final attempt's round trip): p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`,
      `    slowest: ${slowest.map((d) => `${d.event} ${d.bot} ${d.ms.toFixed(0)} ms [${d.statuses.join(",")}]`).join("; ")}`,
      `  every final state shown ${Number.isFinite(shownAfter) ? `${seconds(shownAfter)} after the last event` : `NOT within ${seconds(SHOWN_WITHIN_MS)}`} (${seconds(wall)} from the first command)`,
      `  Slack 429s by method: ${breakdown(limited) || "none"}`,
      `  conversations.replies: ${spent.slack.get("conversations.replies") ?? 0}; clicks ${played.reduce((n, p) => n + p.clicks, 0)} (${stats.doubleClicks} sent to both replicas)`,
      `  calls: Slack ${slackCalls} (${(slackCalls / runs).toFixed(1)}/run), Kestra ${kestraCalls} (${(kestraCalls / runs).toFixed(1)}/run), per run of the ${runs} (the batches' own executions' calls included)`,
      `    Slack: ${breakdown(spent.slack)}`,
      `    Kestra: ${breakdown(spent.kestra)}`,
      `  ${Object.entries(figures)
        .filter(([k]) => k !== "problems")
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`,
      ...gaveUp.map((g) => `  ! a driver gave up: ${g}`),
      ...figures.problems.map((p) => `  ! ${p}`),
    ].join("\n"),
  );

  expect(gaveUp).toEqual([]);
  // Both replicas served: notifications, doubled ones, and clicks on both.
  for (const bot of [a, b]) expect(bot.logged("notification").length).toBeGreaterThan(50);
  expect(stats.doubled).toBeGreaterThan(20);
  expect(stats.doubleClicks).toBeGreaterThan(0);
  // Every notification answered 200 (never 202 or 503), inside the deadline, p99 under 2 s.
  expect(
    notOk.map((d) => `${d.event} ${d.executionId} on ${d.bot}: ${d.statuses.join(",")}`),
  ).toEqual([]);
  expect(late.map((d) => `${d.event} on ${d.bot}: ${d.totalMs.toFixed(0)} ms`)).toEqual([]);
  expect(percentile(latencies, 99)).toBeLessThan(P99_MS);
  // Every root, digest row and digest total right, within 60 s of the last event.
  expect(shownAfter).toBeLessThanOrEqual(SHOWN_WITHIN_MS);
  expect(figures.problems).toEqual([]);
  expect(figures).toMatchObject({
    duplicates: 0,
    lost: 0,
    openButtons: 0,
    missing: 0,
    wrongRoot: 0,
  });
});

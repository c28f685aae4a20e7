import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { BATCH_FLOW_ID, LABELS, SINGLE_FLOW_ID } from "../../src/contracts/flow.ts";
import type { FakePull } from "../fakes/github.ts";
import type { FakeExecution } from "../fakes/kestra.ts";
import { CHANNEL } from "../support/harness.ts";
import { BatchRun, type DeliveryStats, deliverTo, FlowRun, PATCH } from "./flow.ts";
import { cpuSeconds, HeapProbe, INSPECT_FLAGS, rssMb } from "./memory.ts";
import { callCounts, command, decide, type Player, waitFor } from "./play.ts";
import { total } from "./report.ts";
import { type Expected, finalText, inspect, type Played, sum } from "./verdict.ts";
import { startWorld, type World } from "./world.ts";

// 2,000 completed runs through one bot process (no DATABASE_URL), a few at a time, each a short
// real one: /autofix, started, patch_ready, a click, pr_created (or the rejection), the end; and
// now and then a dry-run batch of two. The bot follows the PRs (polling every 2 s), and the
// world does to them what teams do: most are merged a few seconds after they open, some closed,
// one in twenty left open. Every 100 runs the process's resident memory is read from /proc and
// its live V8 heap through the inspector (memory.ts): past the warm-up, neither may grow by 50 MB.
// SOAK_RUNS=<n> plays another number.

const RUNS = Number(process.env["SOAK_RUNS"] ?? 2000);
/**
 * Slack's pace 1,000 times faster: each run updates its root four times, and at Tier 3's ~50
 * chat.update a minute (the app's budget, 45) 2,000 runs would take three hours.
 */
const SLACK_SCALE = 1000;
const SCALED_MAIN = new URL("./scaled-main.ts", import.meta.url).pathname;
/**
 * PRs are followed as by default (AUTOFIX_PR_FOLLOW_DAYS 14), polled every 2 s rather than every
 * two minutes: 2,000 runs take a minute or two here, so a PR merged "a little after" it opened is
 * merged seconds later, and the bot must see it within the soak.
 */
const PR_FOLLOW = { AUTOFIX_PR_POLL_SECONDS: "2" };
/** What becomes of a PR, by its issue: one in twenty stays open, one in ten is closed, the rest merge. */
function fateOf(issue: number): "open" | "merged" | "closed" {
  if (issue % 20 === 0) return "open";
  return issue % 10 === 3 ? "closed" : "merged";
}
/** A PR merges (or closes) this long after it opened. */
const END_AFTER_MS = (issue: number) => 1000 + (issue % 5) * 500;
const CONCURRENCY = 8;
const SAMPLE_EVERY = 100;
const WARM_UP = 500;
const MAX_GROWTH_MB = 50;

type Job = { kind: "approve" | "reject"; issue: number } | { kind: "batch"; issues: number[] };

/** The runs in a fixed order: mostly approved, every tenth rejected, a dry batch of two now and then. */
function jobsOf(runs: number): Job[] {
  const jobs: Job[] = [];
  let issue = 0;
  for (let j = 0; issue < runs; j++) {
    if (j % 40 === 39 && issue + 2 <= runs) {
      jobs.push({ kind: "batch", issues: [++issue, ++issue] });
    } else {
      jobs.push({ kind: j % 10 === 9 ? "reject" : "approve", issue: ++issue });
    }
  }
  return jobs;
}

function label(e: FakeExecution, key: string): string | undefined {
  return e.labels.find((l) => l.key === key)?.value;
}

async function single(
  w: World,
  p: Player,
  verdict: "approve" | "reject",
  issue: number,
): Promise<Played> {
  const exec = await command(
    w,
    p,
    `https://github.com/acme/api/issues/${issue}`,
    (e) => e.flowId === SINGLE_FLOW_ID && label(e, LABELS.issue) === String(issue),
  );
  const rootTs = label(exec, LABELS.ts) ?? "";
  const run = new FlowRun(w.kestra, exec.id, p.deliver);
  await run.started();
  await run.patchReady(PATCH(issue), { pause: true });
  const decided = await decide(w, p, exec.id, verdict, () => w.slack.message(CHANNEL, rootTs));
  if (!decided.applied) throw new Error(`the ${verdict} of ${exec.id} was never applied`);
  const expected: Expected = { id: exec.id, issue, outcome: "rejected", verdict };
  let pr: FakePull | undefined;
  if (verdict === "approve") {
    expected.outcome = "pr";
    pr = w.github.addPull("acme", "api", { head: `autofix/issue-${issue}` });
    expected.prUrl = pr.htmlUrl;
    await run.prCreated(expected.prUrl);
  } else {
    await run.finished();
  }
  const text = finalText(expected.outcome);
  await waitFor(() => w.slack.message(CHANNEL, rootTs)?.text.endsWith(text), `${text} on ${issue}`);
  const fate = fateOf(issue);
  if (pr && fate !== "open") {
    // The team merges (or closes) the PR a little later; the bot's next look tells the thread.
    const number = pr.number;
    expected.outcome = fate;
    ends.push(
      sleep(END_AFTER_MS(issue)).then(() =>
        fate === "merged"
          ? w.github.mergePull("acme", "api", number)
          : w.github.closePull("acme", "api", number),
      ),
    );
  }
  return { rootTs, runs: [expected], clicks: decided.clicks };
}
const ends: Promise<void>[] = [];

async function dryBatch(w: World, p: Player, issues: number[]): Promise<Played> {
  const exec = await command(w, p, `batch acme/api label:bug max:${issues.length}`, (e) => {
    // A batch's Loop iterations have its flow too, but are no batch of their own.
    if (e.flowId !== BATCH_FLOW_ID || e.kind === "LOOP" || claimed.has(e.id)) return false;
    claimed.add(e.id);
    return true;
  });
  const rootTs = label(exec, LABELS.ts) ?? "";
  const batch = new BatchRun(w.kestra, exec.id, p.deliver);
  const list = issues.map((number) => ({ number, title: `Issue ${number}` }));
  await batch.listed(list);
  const runs: Expected[] = [];
  for (const issue of list) {
    const run = await batch.child(issue, false, p.deliver);
    await run.started();
    await run.patchReady(PATCH(issue.number), { pause: false });
    await run.end("SUCCESS");
    runs.push({ id: run.id, issue: issue.number, outcome: "dry" });
  }
  await batch.finished();
  await waitFor(() => {
    const digest = JSON.stringify(w.slack.message(CHANNEL, rootTs)?.blocks ?? []);
    return (
      // The batch's own line says how it ended ("Finished: 2 patches"), as verdict.ts checks.
      /\*Finished: [^*]+\*/.test(digest) &&
      runs.every((r) =>
        digest.includes(`acme/api#${r.issue}> Issue ${r.issue} — ${finalText("dry")} ·`),
      )
    );
  }, `the digest of ${exec.id}`).catch((err: Error) => {
    const m = w.slack.message(CHANNEL, rootTs);
    throw new Error(`${err.message}: ${m?.text} ${JSON.stringify(m?.blocks)}`);
  });
  return { rootTs, batchId: exec.id, runs, clicks: 0 };
}
const claimed = new Set<string>();

let world: World | undefined;
let probe: HeapProbe | undefined;
afterEach(async () => {
  probe?.close();
  probe = undefined;
  await world?.close();
  world = undefined;
});

it(`${RUNS} runs through one bot process: memory levels off after the warm-up`, async () => {
  const jobs = jobsOf(RUNS);
  const w = await startWorld(Array.from({ length: RUNS }, (_, i) => i + 1));
  world = w;
  const bot = await w.bot(
    "soak",
    { FAULTS_SLACK_SCALE: String(SLACK_SCALE), ...PR_FOLLOW },
    { entry: SCALED_MAIN, execArgv: INSPECT_FLAGS },
  );
  await bot.start();
  await bot.caughtUp();
  const pid = bot.pid;
  if (pid === undefined) throw new Error("no bot process");
  probe = await HeapProbe.attach(bot);
  const heap = probe;

  const stats: DeliveryStats = { notifications: 0, retries: 0 };
  const player: Player = {
    deliver: (body) => {
      stats.notifications++;
      return deliverTo(bot.url, body, stats);
    },
    userUrl: async () => bot.url,
  };

  const curve: {
    runs: number;
    rssMb: number;
    heapMb: number;
    s: number;
    botCpu: number;
    testCpu: number;
  }[] = [];
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const sample = async (runs: number) => {
    // The heap first: its full GC lets V8 give back what garbage held, so the RSS read after it
    // is what the process keeps, not how much garbage the last moment left (±25 MB otherwise).
    const heapMb = await heap.liveHeapMb();
    const rss = await rssMb(pid);
    const botCpu = await cpuSeconds(pid);
    const own = process.cpuUsage(cpu0);
    curve.push({
      runs,
      rssMb: rss,
      heapMb,
      s: (performance.now() - started) / 1000,
      botCpu,
      testCpu: (own.user + own.system) / 1e6,
    });
  };
  await sample(0);

  const played: Played[] = [];
  let completed = 0;
  let nextSample = SAMPLE_EVERY;
  let samples = Promise.resolve();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const job = jobs[next++];
      if (!job) return;
      const p =
        job.kind === "batch"
          ? await dryBatch(w, player, job.issues)
          : await single(w, player, job.kind, job.issue);
      played.push(p);
      completed += p.runs.length;
      while (completed >= nextSample) {
        const at = nextSample;
        nextSample += SAMPLE_EVERY;
        samples = samples.then(() => sample(at));
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await samples;
  const seconds = (performance.now() - started) / 1000;
  // The last PRs merge or close, and their roots say so.
  await Promise.all(ends);
  const ended = played.filter((p) =>
    p.runs.some((r) => r.outcome === "merged" || r.outcome === "closed"),
  );
  await waitFor(
    () =>
      ended.every((p) => {
        const text = finalText(p.runs[0]?.outcome ?? "pr");
        return w.slack.message(CHANNEL, p.rootTs)?.text.endsWith(text);
      }),
    `the roots of ${ended.length} merged or closed PRs say so`,
    60_000,
  );
  const calls = callCounts(w);
  const checking = performance.now();
  const figures = sum(played.map((p) => inspect(w, p)));
  const checked = (performance.now() - checking) / 1000;
  probe.close();
  probe = undefined;
  await bot.stop();

  const at = (runs: number) => curve.find((c) => c.runs >= runs) ?? curve[0];
  const warm = at(WARM_UP);
  const last = curve.at(-1);
  if (!warm || !last) throw new Error("no samples");
  const peakAfter = (key: "rssMb" | "heapMb") =>
    Math.max(...curve.filter((c) => c.runs >= warm.runs).map((c) => c[key]));
  const rssGrowth = peakAfter("rssMb") - warm.rssMb;
  const heapGrowth = peakAfter("heapMb") - warm.heapMb;
  console.log(
    [
      `fault suite — soak: ${completed} runs (${played.length} commands: ${jobs.filter((j) => j.kind === "approve").length} approved → PR, ${jobs.filter((j) => j.kind === "reject").length} rejected, ${jobs.filter((j) => j.kind === "batch").length} dry batches of two) through one bot process, ${CONCURRENCY} at a time, in ${seconds.toFixed(0)} s (${(completed / seconds).toFixed(1)} runs/s)`,
      `  PRs: ${ended.filter((p) => p.runs[0]?.outcome === "merged").length} merged, ${ended.filter((p) => p.runs[0]?.outcome === "closed").length} closed, ${played.filter((p) => p.runs[0]?.outcome === "pr").length} left open (followed every 2 s)`,
      `  notifications ${stats.notifications}, redelivered ${stats.retries} times; calls: Slack ${total(calls.slack)} (${(total(calls.slack) / completed).toFixed(1)}/run), Kestra ${total(calls.kestra)} (${(total(calls.kestra) / completed).toFixed(1)}/run)`,
      "   runs      RSS   V8 heap    time   bot CPU   test CPU (heap: live, after a full GC; RSS: VmRSS after it; CPU: seconds used so far)",
      ...curve.map(
        (c) =>
          `  ${String(c.runs).padStart(5)} ${c.rssMb.toFixed(1).padStart(6)} MB ${c.heapMb.toFixed(1).padStart(6)} MB ${c.s.toFixed(0).padStart(5)} s ${c.botCpu.toFixed(1).padStart(7)} s ${c.testCpu.toFixed(1).padStart(8)} s`,
      ),
      `  after the first ${warm.runs} runs: RSS ${rssGrowth >= 0 ? "+" : ""}${rssGrowth.toFixed(1)} MB at most (${warm.rssMb.toFixed(1)} → peak ${peakAfter("rssMb").toFixed(1)} MB), heap ${heapGrowth >= 0 ? "+" : ""}${heapGrowth.toFixed(1)} MB at most (${warm.heapMb.toFixed(1)} → peak ${peakAfter("heapMb").toFixed(1)} MB)`,
      `  checked every thread in ${checked.toFixed(0)} s: ${Object.entries(figures)
        .filter(([k]) => k !== "problems")
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`,
      ...figures.problems.slice(0, 20).map((p) => `  ! ${p}`),
    ].join("\n"),
  );

  expect(completed).toBe(RUNS);
  expect(curve.length).toBe(RUNS / SAMPLE_EVERY + 1);
  expect(stats.retries).toBe(0);
  expect(figures.problems).toEqual([]);
  expect(rssGrowth).toBeLessThan(MAX_GROWTH_MB);
  expect(heapGrowth).toBeLessThan(MAX_GROWTH_MB);
});

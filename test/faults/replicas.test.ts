import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { BATCH_FLOW_ID } from "../../src/contracts/flow.ts";
import type { NotificationInput } from "../../src/contracts/notification.ts";
import type { BotProcess } from "./bot-process.ts";
import { pick, rng, shuffle } from "./chaos.ts";
import { type DeliveryStats, deliverTo } from "./flow.ts";
import { callCounts, OPERATIONS, type Player, play, SCENARIOS, type Scenario } from "./play.ts";
import { type Counts, costTable, delta, figuresLine, seen, total } from "./report.ts";
import { type Figures, inspect, type Played, sum } from "./verdict.ts";
import { freshDatabase, startWorld, type World } from "./world.ts";

// The same runs served by one bot without DATABASE_URL (the single-replica mode, for its call
// costs), then by two bots sharing a PostgreSQL (DATABASE_URL, the multi-replica mode): every
// notification goes to one of them or to both within milliseconds (Kestra delivering twice, two
// load-balanced deliveries), and the user's commands and clicks reach either. Both play the ten
// runs and the four that change a run on the way (Revise, cancel, retry, a stuck run's Retry);
// the control plays the ten.

const SEED = Number(process.env["REPLICA_SEED"] ?? 20_240_612);
const DATABASE_URL = process.env["AUTOFIX_TEST_DATABASE_URL"];

let world: World | undefined;
const databases: { drop: () => Promise<void> }[] = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  await Promise.all(databases.splice(0).map((d) => d.drop()));
});

interface Outcome {
  played: Played[];
  figures: Figures[];
  costs: { scenario: Scenario; executions: number; cost: Counts }[];
  stats: DeliveryStats & { doubled: number; doubleClicks: number };
  world: World;
}

async function playAll(
  w: World,
  bots: BotProcess[],
  seed: number,
  scenarios: readonly Scenario[] = [...SCENARIOS, ...OPERATIONS],
): Promise<Outcome> {
  const random = rng(seed);
  const order = shuffle(random, scenarios);
  const stats = { notifications: 0, retries: 0, doubled: 0, doubleClicks: 0 };
  const player: Player = {
    async deliver(body: NotificationInput) {
      stats.notifications++;
      const r = random();
      const [a, b] = bots;
      if (!a) throw new Error("no bot");
      if (!b || r < 0.35) return deliverTo(a.url, body, stats);
      if (r < 0.7) return deliverTo(b.url, body, stats);
      // Both, racing: the second within 0–3 ms of the first.
      stats.doubled++;
      const gap = Math.floor(random() * 4);
      await Promise.all([
        deliverTo(a.url, body, stats),
        sleep(gap).then(() => deliverTo(b.url, body, stats)),
      ]);
    },
    userUrl: async () => pick(random, bots).url,
    // A restart of one replica (SIGTERM, as a deploy does): its start-up pass runs.
    async reconcile() {
      const bot = pick(random, bots);
      await bot.stop();
      await bot.start();
      await bot.caughtUp();
    },
    // Half the clicks are double clicks landing on both replicas at once.
    async clickUrls() {
      if (bots.length < 2 || random() < 0.5) return [pick(random, bots).url];
      stats.doubleClicks++;
      return bots.map((b) => b.url);
    },
  };
  const played: Played[] = [];
  const marks = [callCounts(w)];
  for (const [i, scenario] of order.entries()) {
    const issues = scenario.startsWith("batch")
      ? [300 + 10 * i + 1, 300 + 10 * i + 2]
      : [100 + i + 1];
    played.push(await play(w, player, scenario, issues));
    if (i < order.length - 1) marks.push(callCounts(w));
  }
  // SIGTERM drains what is in flight: after that nothing more can be posted.
  await Promise.all(bots.map((b) => b.stop()));
  marks.push(callCounts(w));
  const costs = order.map((scenario, i) => ({
    scenario,
    executions: played[i]?.runs.length ?? 1,
    cost: delta(marks[i + 1] as Counts, marks[i] as Counts),
  }));
  return { played, figures: played.map((p) => inspect(w, p)), costs, stats, world: w };
}

function issuesOf(): number[] {
  return Array.from({ length: SCENARIOS.length + OPERATIONS.length }, (_, i) => 100 + i + 1);
}

/** `details`: what the user sees of a run with problems (not for the control, which has many). */
function report(title: string, o: Outcome, details = true): Figures {
  const all = sum(o.figures);
  const what = (i: number, p: Played) =>
    details && (o.figures[i]?.problems.length ?? 0) > 0 ? ["", ...seen(o.world, p)].join("\n") : "";
  console.log(
    [
      title,
      ...o.played.map(
        (p, i) =>
          `  run ${String(i + 1).padStart(2)} ${o.costs[i]?.scenario.padEnd(9)} clicks=${p.clicks}${p.commands ? ` commands=${p.commands}` : ""} ${((p.ms ?? 0) / 1000).toFixed(1)}s · Slack ${total(o.costs[i]?.cost.slack ?? new Map())}, Kestra ${total(o.costs[i]?.cost.kestra ?? new Map())} · ${figuresLine(o.figures[i] as Figures)}${what(i, p)}`,
      ),
      `  notifications ${o.stats.notifications} (${o.stats.doubled} delivered to both replicas), redelivered ${o.stats.retries} times; ${o.stats.doubleClicks} clicks sent to both replicas`,
      "calls per run:",
      ...costTable(o.costs),
      `totals: ${figuresLine(all)}`,
      ...all.problems.map((p) => `  ! ${p}`),
    ].join("\n"),
  );
  return all;
}

it("one replica without DATABASE_URL: the fourteen runs end right (the single-replica mode's call costs)", async () => {
  const w = await startWorld(issuesOf());
  world = w;
  const bot = await w.bot("solo");
  await bot.start();
  const outcome = await playAll(w, [bot], SEED);
  const all = report(`fault suite — one replica, REPLICA_SEED=${SEED}`, outcome);
  expect(all.problems).toEqual([]);
});

it("two replicas with DATABASE_URL: doubled and racing notifications, clicks to either, nothing twice", async () => {
  if (!DATABASE_URL) {
    throw new Error(
      "AUTOFIX_TEST_DATABASE_URL is not set: run `bash scripts/test-postgres.sh start` and pass the URL it prints",
    );
  }
  const w = await startWorld(issuesOf());
  world = w;
  const db = await freshDatabase(DATABASE_URL);
  databases.push(db);
  const env = { DATABASE_URL: db.url };
  const a = await w.bot("A", env);
  const b = await w.bot("B", env);
  await Promise.all([a.start(), b.start()]);
  const outcome = await playAll(w, [a, b], SEED);
  const all = report(`fault suite — two replicas, DATABASE_URL, REPLICA_SEED=${SEED}`, outcome);
  // Both replicas took part: each synced runs of its own.
  for (const bot of [a, b]) expect(bot.logged("notification").length).toBeGreaterThan(5);
  expect(outcome.stats.doubled).toBeGreaterThan(5);
  expect(outcome.stats.doubleClicks).toBeGreaterThan(0);
  expect(all.problems).toEqual([]);
  expect(all).toMatchObject({
    duplicates: 0,
    lost: 0,
    openButtons: 0,
    missing: 0,
    wrongRoot: 0,
    extraRuns: 0,
  });
});

it("control: two replicas without DATABASE_URL do post twice (what the lock prevents, and what the checks see)", async () => {
  const w = await startWorld(issuesOf());
  world = w;
  const a = await w.bot("A");
  const b = await w.bot("B");
  await Promise.all([a.start(), b.start()]);
  const outcome = await playAll(w, [a, b], SEED, SCENARIOS);
  const all = report(
    `fault suite — control: two replicas WITHOUT DATABASE_URL, REPLICA_SEED=${SEED}`,
    outcome,
    false,
  );
  expect(all.duplicates).toBeGreaterThan(0);
});

it("two replicas: one shows a batch's children their patches, the other their decisions and ends; the digest still shows every child's final state and PR", async () => {
  if (!DATABASE_URL) throw new Error("AUTOFIX_TEST_DATABASE_URL is not set (see above)");
  const w = await startWorld(issuesOf());
  world = w;
  const db = await freshDatabase(DATABASE_URL);
  databases.push(db);
  const a = await w.bot("A", { DATABASE_URL: db.url });
  const b = await w.bot("B", { DATABASE_URL: db.url });
  await Promise.all([a.start(), b.start()]);
  const stats = { notifications: 0, retries: 0 };
  // A remembers the children as they were at their patch; B moves them on; A renders the digest last.
  const player: Player = {
    deliver(body: NotificationInput) {
      stats.notifications++;
      const batch = w.kestra.execution(body.executionId).flowId === BATCH_FLOW_ID;
      const early = body.event === "started" || body.event === "patch_ready";
      return deliverTo((batch || early ? a : b).url, body, stats);
    },
    userUrl: async () => b.url,
  };
  const played = await play(w, player, "batch-pr", [401, 402]);
  await Promise.all([a.stop(), b.stop()]);
  const figures = inspect(w, played);
  console.log(
    `fault suite — routed batch: ${figuresLine(figures)}\n${figures.problems.map((p) => `  ! ${p}`).join("\n")}`,
  );
  expect(a.logged("notification").length).toBeGreaterThan(0);
  expect(b.logged("notification").length).toBeGreaterThan(0);
  expect(figures.problems).toEqual([]);
});

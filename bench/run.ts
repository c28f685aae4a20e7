// npm run bench: ack latency of /autofix against a bare Bolt app, API calls per completed run,
// the reconciler's cost with history, and the app under Slack's rate tiers. Everything runs on
// 127.0.0.1 against the test fakes, with the flow driver notifying in the flow's real order.
import { startHarness } from "../test/support/harness.ts";
import { ackLatency } from "./ack.ts";
import { callsPerRun } from "./calls.ts";
import { loadScenario } from "./load.ts";
import { defaultIntervalSeconds, followHour } from "./pr-follow.ts";
import { reconcileCost } from "./reconcile.ts";
import { ms } from "./stats.ts";

const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 6);
const HISTORY = Number(process.env["BENCH_HISTORY"] ?? 500);
const BATCHES = Number(process.env["BENCH_BATCHES"] ?? 3);
const BATCH_ISSUES = Number(process.env["BENCH_BATCH_ISSUES"] ?? 30);
const SINGLES = Number(process.env["BENCH_SINGLES"] ?? 20);

async function main(): Promise<void> {
  console.log(`autofix-slack bench — node ${process.version}\n`);
  const h = await startHarness({ env: { LOG_LEVEL: "warn" } });
  try {
    const ack = await ackLatency(h, ROUNDS);
    console.log(`/autofix ack latency, ${ROUNDS}×50 concurrent commands (HTTP round trip)`);
    console.log(
      `  bare Bolt app (ack only)   n=${ack.bolt.n}  median ${ms(ack.bolt.median)}  p99 ${ms(ack.bolt.p99)}`,
    );
    console.log(
      `  autofix-slack              n=${ack.autofix.n}  median ${ms(ack.autofix.median)}  p99 ${ms(ack.autofix.p99)}`,
    );
    console.log(
      `  p99 ratio ${(ack.autofix.p99 / ack.bolt.p99).toFixed(2)}× the bare app (the work after a start command's ack goes two at a time, the rest queue)`,
    );
  } finally {
    await h.close();
  }

  const fresh = await startHarness({ env: { LOG_LEVEL: "warn" } });
  try {
    const calls = await callsPerRun(fresh);
    console.log("\nAPI calls per completed run (command → patch → approve → PR opened → ended)");
    console.log(`  Slack  ${calls.slack}: ${calls.slackDetail}`);
    console.log(`  Kestra ${calls.kestra}: ${calls.kestraDetail}`);
    console.log(`  GitHub ${calls.github}: ${calls.githubDetail}`);
  } finally {
    await fresh.close();
  }

  const every = defaultIntervalSeconds();
  console.log(
    `\nGitHub calls per followed PR per hour (a look every ${every} s, conditional: a 304 does not count against the rate limit)`,
  );
  for (const busy of [false, true]) {
    const hh = await startHarness({ env: { LOG_LEVEL: "warn" } });
    try {
      const hour = await followHour(hh, busy);
      const what = busy
        ? "busy hour (checks run then pass, a review)"
        : "quiet hour (nothing changes)";
      console.log(
        `  ${what.padEnd(44)} ${hour.calls} calls, ${hour.notModified} answered 304, ${hour.counted} counted against the rate limit (${hour.looks} looks)`,
      );
      console.log(`    ${hour.detail}`);
    } finally {
      await hh.close();
    }
  }

  const rec = await reconcileCost(HISTORY);
  console.log(`\nReconciler with ${rec.history} ended runs of history`);
  console.log(
    `  start-up catch-up of a fresh process: Kestra ${rec.startup.kestra}, Slack ${rec.startup.slack} (${rec.startup.slackDetail})`,
  );
  console.log(
    `  idle pass after it: Kestra ${rec.idle.kestra} (${rec.idle.kestraDetail}), Slack ${rec.idle.slack}`,
  );

  const load = await loadScenario(BATCHES, BATCH_ISSUES, SINGLES);
  console.log(
    `\n${load.batches} concurrent ${load.issuesPerBatch}-issue batches + ${load.singles} single runs under Slack's tiers (fake, windows scaled 10×)`,
  );
  console.log(
    `  all final states shown in ${load.seconds.toFixed(1)} s; lost final states: ${load.lostFinalStates}`,
  );
  console.log(
    `  Slack calls: ${load.calls}, of which answered 429 and retried: ${load.limited} (${load.limitedBy || "none"})`,
  );
}

await main();

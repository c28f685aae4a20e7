// npm run bench: ack latency of /autofix against a bare Bolt app, patch_ready → snippet time, and
// API calls per completed run. Everything runs on 127.0.0.1 against the test fakes.
import { App } from "@slack/bolt";
import { DIGEST_WINDOW_MS } from "../src/runs/batch/digest.ts";
import { ACTIONS } from "../src/slack/ids.ts";
import { BatchDriver } from "../test/support/batch-driver.ts";
import { FlowDriver, SAMPLE_PATCH } from "../test/support/flow-driver.ts";
import {
  CHANNEL,
  type Harness,
  REQUESTER,
  SIGNING_SECRET,
  startHarness,
} from "../test/support/harness.ts";
import { sendBlockAction, sendCommand } from "../test/support/slack-requests.ts";
import { ms, summary } from "./stats.ts";

const CONCURRENCY = 50;
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 6);
const PATCH_RUNS = Number(process.env["BENCH_PATCH_RUNS"] ?? 40);

async function bareBolt(h: Harness): Promise<{ url: string; stop: () => Promise<void> }> {
  const app = new App({
    token: h.slack.botToken,
    signingSecret: SIGNING_SECRET,
    deferInitialization: true,
    clientOptions: { slackApiUrl: h.slack.apiUrl },
  });
  app.command("/autofix", async ({ ack }) => {
    await ack();
  });
  await app.init();
  const server = (await app.start(0)) as unknown as { address(): { port: number } };
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stop: async () => {
      await app.stop();
    },
  };
}

let issueNumber = 1000;
/** A fresh issue per run: the bot allows one live run per issue. */
function nextIssue(h: Harness): string {
  issueNumber += 1;
  h.github.addIssue("acme", "api", { number: issueNumber, title: `Bench issue ${issueNumber}` });
  return `https://github.com/acme/api/issues/${issueNumber}`;
}

async function ackRound(h: Harness, url: string): Promise<number[]> {
  return Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      const text = nextIssue(h);
      const started = performance.now();
      const res = await sendCommand(url, SIGNING_SECRET, {
        text,
        channel_id: CHANNEL,
        user_id: REQUESTER,
        response_url: h.slack.responseUrl(),
      });
      if (res.status !== 200) throw new Error(`ack answered ${res.status}`);
      return performance.now() - started;
    }),
  );
}

async function ackLatency(h: Harness) {
  const bare = await bareBolt(h);
  const bolt: number[] = [];
  const autofix: number[] = [];
  // Warm-up, then interleaved rounds so both apps see the same machine load.
  await ackRound(h, bare.url);
  await ackRound(h, h.url);
  for (let i = 0; i < ROUNDS; i++) {
    bolt.push(...(await ackRound(h, bare.url)));
    autofix.push(...(await ackRound(h, h.url)));
    await h.app.services.background.drain();
  }
  await bare.stop();
  return { bolt: summary(bolt), autofix: summary(autofix) };
}

async function newRun(h: Harness): Promise<{ run: FlowDriver; rootTs: string }> {
  const before = h.kestra.executions.length;
  await h.command(nextIssue(h));
  await h.slack.waitFor(() => h.kestra.executions.length > before, { timeoutMs: 20_000 });
  const run = FlowDriver.latest(h);
  const labels = h.kestra.execution(run.id).labels;
  const rootTs = labels.find((l) => l.key === "slack-ts")?.value ?? "";
  return { run, rootTs };
}

async function patchToSnippet(h: Harness) {
  const sample: number[] = [];
  for (let i = 0; i < PATCH_RUNS; i++) {
    const { run } = await newRun(h);
    await run.started();
    await h.app.services.background.drain();
    const files = h.slack.files.length;
    const started = Date.now();
    await run.patchReady();
    const file = await h.slack.waitFor(() => h.slack.files[files], {
      intervalMs: 1,
      timeoutMs: 20_000,
    });
    const done = h.slack.calls.find(
      (c) =>
        c.method === "files.completeUploadExternal" && JSON.stringify(c.params).includes(file.id),
    );
    sample.push((done?.at ?? Date.now()) - started);
    await h.app.services.background.drain();
  }
  return summary(sample);
}

async function callsPerRun(h: Harness) {
  const slackBefore = h.slack.calls.length;
  const kestraBefore = h.kestra.requests.length;
  const { run, rootTs } = await newRun(h);
  await run.started();
  await run.patchReady();
  const buttons = await h.slack.waitFor(() =>
    h.slack
      .thread(CHANNEL, rootTs)
      .find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)),
  );
  await sendBlockAction(h.url, SIGNING_SECRET, {
    user: REQUESTER,
    channel: CHANNEL,
    messageTs: buttons.ts,
    threadTs: rootTs,
    actionId: ACTIONS.approve,
    value: run.id,
  });
  await h.slack.waitFor(() => h.kestra.resumes.some((r) => r.executionId === run.id));
  await run.prCreated();
  await h.slack.waitFor(() =>
    h.slack
      .channelMessages(CHANNEL)
      .find((m) => m.ts === rootTs)
      ?.text.endsWith("PR opened"),
  );
  await h.app.services.background.drain();
  const count = (names: string[]) => {
    const tally = new Map<string, number>();
    for (const n of names) tally.set(n, (tally.get(n) ?? 0) + 1);
    return [...tally]
      .sort((a, b) => b[1] - a[1])
      .map(([n, c]) => `${n}×${c}`)
      .join(", ");
  };
  const slack = h.slack.calls.slice(slackBefore).filter((c) => c.method !== "response_url");
  const kestra = h.kestra.requests.slice(kestraBefore);
  const route = (path: string) =>
    (path.split("?")[0] ?? "")
      .replace(/\/[A-Za-z0-9]{16,}(?=\/|$)/g, "/{id}")
      .replace(/\/kv\/.*/, "/kv/{key}")
      .replace("/api/v1/main", "");
  return {
    slack: slack.length,
    slackDetail: count(slack.map((c) => c.method)),
    kestra: kestra.length,
    kestraDetail: count(kestra.map((r) => `${r.method} ${route(r.path)}`)),
  };
}

const BATCH_ISSUES = Number(process.env["BENCH_BATCH_ISSUES"] ?? 20);

/** A dry-run batch (a patch per issue) under Slack's real rate tiers, as the fake emulates them. */
async function batchScenario() {
  const h = await startHarness({
    env: { LOG_LEVEL: "warn" },
    slackTiers: true,
    digestWindowMs: DIGEST_WINDOW_MS,
  });
  try {
    await h.command(`batch acme/api max:${BATCH_ISSUES}`);
    await h.slack.waitFor(() => h.kestra.executions.length === 1, { timeoutMs: 20_000 });
    const batch = BatchDriver.latest(h);
    const issues = Array.from({ length: BATCH_ISSUES }, (_, i) => ({
      number: i + 1,
      title: `Issue ${i + 1}`,
    }));
    await batch.listed(issues);
    await h.app.services.background.drain();
    await h.app.services.digest.idle();
    const slackBefore = h.slack.calls.length;
    const started = performance.now();
    const children = await Promise.all(issues.map((i) => batch.child(i)));
    await Promise.all(
      children.map(async (c) => {
        await c.started();
        await c.patchReady(SAMPLE_PATCH, { pause: false });
        await c.finished();
      }),
    );
    await batch.finished();
    const pattern = new RegExp(`Fixed ${BATCH_ISSUES} `);
    await h.slack.waitFor(
      () =>
        pattern.test(h.slack.channelMessages(CHANNEL)[0]?.text ?? "") &&
        h.slack.channelMessages(CHANNEL)[0]?.text.includes("Finished"),
      { timeoutMs: 600_000, intervalMs: 50 },
    );
    const toFinal = performance.now() - started;
    await h.app.services.background.drain();
    const calls = h.slack.calls.slice(slackBefore);
    const limited = calls.filter((c) => c.status === 429).length;
    const rootTs = h.slack.channelMessages(CHANNEL)[0]?.ts;
    const digestUpdates = calls.filter(
      (c) => c.method === "chat.update" && c.params["ts"] === rootTs && c.status === 200,
    ).length;
    return { toFinal, perIssue: (calls.length - limited) / BATCH_ISSUES, limited, digestUpdates };
  } finally {
    await h.close();
  }
}

async function main(): Promise<void> {
  const h = await startHarness({ env: { LOG_LEVEL: "warn" } });
  try {
    console.log(
      `autofix-slack bench — node ${process.version}, ${ROUNDS}×${CONCURRENCY} concurrent commands, ${PATCH_RUNS} patch runs\n`,
    );
    const ack = await ackLatency(h);
    console.log("/autofix ack latency under 50 concurrent commands (HTTP round trip)");
    console.log(
      `  bare Bolt app (ack only)   n=${ack.bolt.n}  median ${ms(ack.bolt.median)}  p99 ${ms(ack.bolt.p99)}`,
    );
    console.log(
      `  autofix-slack              n=${ack.autofix.n}  median ${ms(ack.autofix.median)}  p99 ${ms(ack.autofix.p99)}`,
    );
    const patch = await patchToSnippet(h);
    console.log("\npatch_ready notification → snippet complete in fake Slack");
    console.log(`  n=${patch.n}  median ${ms(patch.median)}  p99 ${ms(patch.p99)}`);
    const calls = await callsPerRun(h);
    console.log("\nAPI calls per completed run (command → patch → approve → PR opened)");
    console.log(`  Slack  ${calls.slack}: ${calls.slackDetail}`);
    console.log(`  Kestra ${calls.kestra}: ${calls.kestraDetail}`);
  } finally {
    await h.close();
  }
  const batch = await batchScenario();
  console.log(
    `\n${BATCH_ISSUES}-issue dry-run batch under Slack's real rate tiers (fake, 60 s windows)`,
  );
  console.log(
    `  time from the first child event to the final digest: ${(batch.toFinal / 1000).toFixed(1)} s`,
  );
  console.log(
    `  Slack calls per issue: ${batch.perIssue.toFixed(1)} (plus ${batch.limited} answered 429 and retried)`,
  );
  console.log(`  digest updates (chat.update of the root): ${batch.digestUpdates}`);
}

await main();

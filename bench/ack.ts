// /autofix ack latency under 50 concurrent commands, against a bare Bolt app on the same machine.
// Each answers from a process of its own (the bot as `npm start` runs it), the fakes and the
// senders in this one: in one process, the fakes' work for the bot's starts was charged to it.
import { BotProcess, freePort } from "../test/faults/bot-process.ts";
import { CHANNEL, type Harness, REQUESTER, SIGNING_SECRET } from "../test/support/harness.ts";
import { sendCommand } from "../test/support/slack-requests.ts";
import { nextIssue } from "./issues.ts";
import { summary } from "./stats.ts";

const CONCURRENCY = 50;

async function round(h: Harness, url: string): Promise<number[]> {
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

/** Interleaved rounds, so both apps see the same machine load. */
export async function ackLatency(h: Harness, rounds: number) {
  const env = { ...h.env, LOG_LEVEL: "info" };
  const bare = new BotProcess("bare-bolt", await freePort(), env, {
    entry: new URL("./bare-bolt.ts", import.meta.url).pathname,
  });
  // Slack's pace 100 times faster, as the in-process harness has it: the work after the acks is
  // then as dense as it can be, the hardest case for them.
  const bot = new BotProcess(
    "autofix-slack",
    await freePort(),
    { ...env, FAULTS_SLACK_SCALE: "100" },
    { entry: new URL("../test/faults/scaled-main.ts", import.meta.url).pathname },
  );
  await Promise.all([bare.start(), bot.start()]);
  const bolt: number[] = [];
  const autofix: number[] = [];
  let sent = h.kestra.executions.length;
  // Each command to the bot starts one run: the round's work is done once Kestra has them all.
  const settled = async () => {
    sent += CONCURRENCY;
    await h.slack.waitFor(() => h.kestra.executions.length >= sent, {
      timeoutMs: 60_000,
      description: "the round's runs started",
    });
  };
  try {
    await round(h, bare.url);
    await round(h, bot.url);
    await settled();
    for (let i = 0; i < rounds; i++) {
      bolt.push(...(await round(h, bare.url)));
      autofix.push(...(await round(h, bot.url)));
      await settled();
    }
  } finally {
    await Promise.all([bare.stop(), bot.stop()]);
  }
  return { bolt: summary(bolt), autofix: summary(autofix) };
}

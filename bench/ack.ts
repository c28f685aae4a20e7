// /autofix ack latency under 50 concurrent commands, against a bare Bolt app on the same machine.
import { App } from "@slack/bolt";
import { CHANNEL, type Harness, REQUESTER, SIGNING_SECRET } from "../test/support/harness.ts";
import { sendCommand } from "../test/support/slack-requests.ts";
import { nextIssue } from "./issues.ts";
import { summary } from "./stats.ts";

const CONCURRENCY = 50;

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
  const bare = await bareBolt(h);
  const bolt: number[] = [];
  const autofix: number[] = [];
  await round(h, bare.url);
  await round(h, h.url);
  for (let i = 0; i < rounds; i++) {
    bolt.push(...(await round(h, bare.url)));
    autofix.push(...(await round(h, h.url)));
    await h.app.runtime.background.drain();
  }
  await bare.stop();
  return { bolt: summary(bolt), autofix: summary(autofix) };
}

// What the reconciler costs with 500 runs of history: the start-up catch-up of a fresh process
// (it reads each recent run's thread once), and then an idle pass (two searches, whatever the history).

import { seedRun } from "../test/e2e/commands-seed.ts";
import { startHarness } from "../test/support/harness.ts";
import { type CallCount, countSince } from "./calls.ts";

export async function reconcileCost(history: number): Promise<{
  startup: CallCount;
  idle: CallCount;
  history: number;
}> {
  // Slack pacing 2,000 times faster while the history is made (the fake has no tiers here).
  const seedHarness = await startHarness({
    env: { LOG_LEVEL: "warn" },
    // The bot's clock runs 10 minutes ahead: the history ended before the reconciler's 2-minute
    // re-read margin, as past runs do (the fake stamps state changes with the real time).
    now: () => Date.now() + 10 * 60_000,
    slackPaceScale: 2000,
  });
  const h = seedHarness;
  try {
    for (let i = 0; i < history; i++) {
      const run = await seedRun(h, { issue: 5000 + i, state: "RUNNING" });
      h.kestra.setState(run.id, "SUCCESS");
    }
    // A first process brings every thread up to date (as it would have while the runs went on).
    await h.stopApp();
    await h.startNewApp();
    await h.app.runtime.reconciler.runOnce();
    await h.app.runtime.background.drain();
    await h.app.runtime.edits.drain(10_000);

    // A fresh process: its start-up catch-up, then an idle pass.
    await h.stopApp();
    const slackFrom = h.slack.calls.length;
    const kestraFrom = h.kestra.requests.length;
    await h.startNewApp();
    await h.app.runtime.reconciler.runOnce();
    await h.app.runtime.background.drain();
    await h.app.runtime.edits.drain(10_000);
    const startup = countSince(h, slackFrom, kestraFrom);
    const slackIdle = h.slack.calls.length;
    const kestraIdle = h.kestra.requests.length;
    await h.app.runtime.reconciler.runOnce();
    const idle = countSince(h, slackIdle, kestraIdle);
    return { startup, idle, history };
  } finally {
    await h.close();
  }
}

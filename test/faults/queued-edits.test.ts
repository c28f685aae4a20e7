// A notification is answered once its new messages are posted and its root's edit is queued
// (src/slack/edit-queue.ts). These tests kill the bot with that edit still queued (Slack's 429
// sent it back to wait its turn) and check that the state is shown all the same: by the other
// replica, from PostgreSQL's queue (without any restart), or alone, by the next process's
// catch-up, which draws the root again from Kestra.
import { afterEach, expect, it } from "vitest";
import { LABELS, SINGLE_FLOW_ID } from "../../src/contracts/flow.ts";
import { ACTIONS } from "../../src/slack/ids.ts";
import type { FakeExecution } from "../fakes/kestra.ts";
import { CHANNEL } from "../support/harness.ts";
import type { BotProcess } from "./bot-process.ts";
import { type DeliveryStats, deliverTo, FlowRun, PATCH } from "./flow.ts";
import { command } from "./play.ts";
import { freshDatabase, startWorld, type World } from "./world.ts";

const DATABASE_URL = process.env["AUTOFIX_TEST_DATABASE_URL"];
const ISSUE = 42;
/** Long enough for the kill to come first: the edit waits this long in the queue. */
const RETRY_AFTER_SEC = 3;

let world: World | undefined;
const databases: { drop: () => Promise<void> }[] = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  await Promise.all(databases.splice(0).map((d) => d.drop()));
});

const label = (e: FakeExecution, key: string) => e.labels.find((l) => l.key === key)?.value;

/**
 * Plays a run to its patch on `bot`; the root's edit for the patch gets a 429 and is queued, the
 * notification is answered 200, and the bot is killed at once. Returns the root's ts and the run.
 */
async function patchThenKill(w: World, bot: BotProcess): Promise<{ rootTs: string; run: FlowRun }> {
  const stats: DeliveryStats = { notifications: 0, retries: 0 };
  const deliver = (body: Parameters<typeof deliverTo>[1]) => deliverTo(bot.url, body, stats);
  const exec = await command(
    w,
    { deliver, userUrl: async () => bot.url },
    `https://github.com/acme/api/issues/${ISSUE}`,
    (e) => e.flowId === SINGLE_FLOW_ID && label(e, LABELS.issue) === String(ISSUE),
  );
  const rootTs = label(exec, LABELS.ts) ?? "";
  const run = new FlowRun(w.kestra, exec.id, deliver);
  await run.started();
  await w.slack.waitFor(() => w.slack.message(CHANNEL, rootTs)?.text.endsWith("Running"));
  w.slack.rateLimit("chat.update", { times: 1, retryAfterSec: RETRY_AFTER_SEC });
  await run.patchReady(PATCH(ISSUE), { pause: true });
  // Answered 200 (deliverTo returned at its first attempt) with the patch and the ping posted, and
  // the root's edit sent back by Slack to wait.
  expect(stats.retries).toBe(0);
  expect(w.slack.thread(CHANNEL, rootTs).length).toBe(2);
  expect(w.slack.message(CHANNEL, rootTs)?.text).toMatch(/Running$/);
  await bot.kill();
  return { rootTs, run };
}

function awaitingApproval(w: World, rootTs: string): boolean {
  const root = w.slack.message(CHANNEL, rootTs);
  return (
    (root?.text.endsWith("awaiting approval") ?? false) &&
    JSON.stringify(root?.blocks ?? []).includes(ACTIONS.approve)
  );
}

it("two replicas: an edit queued by a replica killed before it was sent is sent by the other, without a restart", async () => {
  if (!DATABASE_URL) throw new Error("AUTOFIX_TEST_DATABASE_URL is not set");
  const w = await startWorld([ISSUE]);
  world = w;
  const db = await freshDatabase(DATABASE_URL);
  databases.push(db);
  const a = await w.bot("A", { DATABASE_URL: db.url });
  const b = await w.bot("B", { DATABASE_URL: db.url });
  await Promise.all([a.start(), b.start()]);
  await Promise.all([a.caughtUp(), b.caughtUp()]);

  const { rootTs } = await patchThenKill(w, a);
  // B never heard of the run: it finds A's edit in the queue once Retry-After has passed.
  await w.slack.waitFor(() => awaitingApproval(w, rootTs), {
    timeoutMs: 15_000,
    description: "the other replica shows the patch's state",
  });
  expect(a.alive).toBe(false);
  expect(b.logged("notification")).toHaveLength(0);
  // Nothing twice: the snippet and the ping, once each.
  expect(w.slack.thread(CHANNEL, rootTs)).toHaveLength(2);
  expect(w.slack.files).toHaveLength(1);
});

it("one bot without DATABASE_URL: an edit queued when the bot was killed is drawn again from Kestra by the next process's catch-up", async () => {
  const w = await startWorld([ISSUE]);
  world = w;
  const bot = await w.bot("A");
  await bot.start();
  await bot.caughtUp();

  const { rootTs } = await patchThenKill(w, bot);
  // The queue was this process's memory: it went with it.
  expect(bot.alive).toBe(false);
  await bot.start();
  await bot.caughtUp();
  await w.slack.waitFor(() => awaitingApproval(w, rootTs), {
    timeoutMs: 15_000,
    description: "the restarted bot shows the patch's state",
  });
  expect(w.slack.thread(CHANNEL, rootTs)).toHaveLength(2);
  expect(w.slack.files).toHaveLength(1);
});

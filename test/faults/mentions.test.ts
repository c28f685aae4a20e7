// Two replicas sharing a PostgreSQL (DATABASE_URL), both receiving what Slack and Kestra send: a
// mention delivered to each at once and retried (X-Slack-Retry-Num), the run's notifications to
// either, and the file_issue notification of an issue filed from a thread to both. Each message
// asks once: one run, one root, each reaction once.
import { afterEach, expect, it } from "vitest";
import {
  FILE_ISSUE,
  FILE_ISSUE_FLOW_ID,
  LABELS,
  SINGLE_FLOW_ID,
  TASKS,
} from "../../src/contracts/flow.ts";
import type { NotificationInput } from "../../src/contracts/notification.ts";
import { ACTIONS, FILE_ISSUE_FORM } from "../../src/slack/ids.ts";
import { NOTIFY_TASKS } from "../support/flow-driver.ts";
import { CHANNEL, REQUESTER, SIGNING_SECRET } from "../support/harness.ts";
import { deliverEvent, mentionEvent } from "../support/slack-events.ts";
import { sendBlockAction, sendViewSubmission } from "../support/slack-requests.ts";
import type { BotProcess } from "./bot-process.ts";
import { deliverTo } from "./flow.ts";
import { freshDatabase, startWorld, type World } from "./world.ts";

const DATABASE_URL = process.env["AUTOFIX_TEST_DATABASE_URL"];

let world: World | undefined;
const databases: { drop: () => Promise<void> }[] = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  await Promise.all(databases.splice(0).map((d) => d.drop()));
});

async function replicas(
  issues: number[],
  more: Record<string, string> = {},
): Promise<{ w: World; a: BotProcess; b: BotProcess }> {
  if (!DATABASE_URL) {
    throw new Error(
      "AUTOFIX_TEST_DATABASE_URL is not set: run `bash scripts/test-postgres.sh start` and pass the URL it prints",
    );
  }
  const w = await startWorld(issues);
  world = w;
  const db = await freshDatabase(DATABASE_URL);
  databases.push(db);
  const env = { DATABASE_URL: db.url, ...more };
  const a = await w.bot("A", env);
  const b = await w.bot("B", env);
  await Promise.all([a.start(), b.start()]);
  return { w, a, b };
}

const stats = { notifications: 0, retries: 0 };
/** Kestra's Request task delivering to both replicas at once (a doubled delivery). */
const both = (a: BotProcess, b: BotProcess, body: NotificationInput) =>
  Promise.all([deliverTo(a.url, body, stats), deliverTo(b.url, body, stats)]);

const target = (w: World, bot: BotProcess) => ({
  slack: w.slack,
  url: bot.url,
  secret: SIGNING_SECRET,
});
/** The runs' roots in a thread: the bot's posts with a root's identity (or none yet). */
const headsIn = (w: World, threadTs: string) =>
  w.slack
    .thread(CHANNEL, threadTs)
    .filter(
      (m) =>
        m.user === w.slack.botUserId &&
        m.files.length === 0 &&
        (m.metadata?.event_payload["key"] ?? "root") === "root",
    );
const reactionCalls = (w: World, name: string) =>
  w.slack.calls.filter((c) => c.method === "reactions.add" && c.params["name"] === name);

it("a mention both replicas receive, and Slack retries: one run, one root, each reaction added once", async () => {
  const { w, a, b } = await replicas([42]);
  const asked = w.slack.say(
    REQUESTER,
    CHANNEL,
    `<@${w.slack.botUserId}> https://github.com/acme/api/issues/42`,
  );
  const event = mentionEvent(asked, w.slack.teamId);
  await Promise.all([
    deliverEvent(target(w, a), event, { eventId: "Ev0DOUBLE01" }),
    deliverEvent(target(w, b), event, {
      eventId: "Ev0DOUBLE01",
      retryNum: 1,
      retryReason: "http_timeout",
    }),
  ]);
  await w.slack.waitFor(() => w.kestra.executions.length === 1, { timeoutMs: 15_000 });
  const head = await w.slack.waitFor(() => headsIn(w, asked.ts)[0], { timeoutMs: 15_000 });
  const claimedElsewhere = () =>
    [...a.logs, ...b.logs].filter((l) => l.includes("answered already")).length;
  await w.slack.waitFor(() => claimedElsewhere() >= 1, { timeoutMs: 15_000 });
  // Slack tries once more, at the other replica: the claim is in PostgreSQL.
  await deliverEvent(target(w, a), event, {
    eventId: "Ev0DOUBLE01",
    retryNum: 2,
    retryReason: "http_timeout",
  });
  await w.slack.waitFor(() => claimedElsewhere() >= 2, { timeoutMs: 15_000 });

  const id = w.kestra.executions[0]?.id ?? "";
  expect(w.kestra.execution(id).labels.find((l) => l.key === LABELS.ask)?.value).toBe(asked.ts);
  // The flow runs: each notification to both replicas at once.
  w.kestra.setState(id, "RUNNING");
  w.kestra.addTaskRun(id, { taskId: TASKS.validate, state: "SUCCESS" });
  w.kestra.addTaskRun(id, { taskId: NOTIFY_TASKS.started, state: "RUNNING" });
  await both(a, b, { executionId: id, event: "started" });
  await w.slack.waitFor(() => w.slack.reactionsOf(CHANNEL, asked.ts)["eyes"], {
    timeoutMs: 15_000,
  });
  w.kestra.addTaskRun(id, { taskId: TASKS.fix, state: "FAILED" });
  w.kestra.addLog(id, { level: "ERROR", taskId: TASKS.fix, message: "agent crashed" });
  w.kestra.setState(id, "FAILED");
  await both(a, b, { executionId: id, event: "failed", error: "task fix: agent crashed" });
  await w.slack.waitFor(() => w.slack.reactionsOf(CHANNEL, asked.ts)["x"], { timeoutMs: 15_000 });
  await Promise.all([a.stop(), b.stop()]);

  expect(w.kestra.executions).toHaveLength(1);
  expect(headsIn(w, asked.ts).map((m) => m.ts)).toEqual([head.ts]);
  expect(w.slack.reactionsOf(CHANNEL, asked.ts)).toEqual({
    eyes: [w.slack.botUserId],
    x: [w.slack.botUserId],
  });
  // Recorded in the journal: the second replica never asked Slack again.
  expect(reactionCalls(w, "eyes")).toHaveLength(1);
  expect(reactionCalls(w, "x")).toHaveLength(1);
});

it("an issue filed from a thread: the form on one replica, file_issue to both at once: one run in the thread", async () => {
  const { w, a, b } = await replicas([], { AUTOFIX_DEFAULT_REPO: "acme/api" });
  const parent = w.slack.say("U0REQ", CHANNEL, "Checkout hangs on the last step");
  const asked = w.slack.say(REQUESTER, CHANNEL, `<@${w.slack.botUserId}> fix this`, {
    threadTs: parent.ts,
  });
  await deliverEvent(target(w, a), mentionEvent(asked, w.slack.teamId));
  const offer = await w.slack.waitFor(() => w.slack.ephemerals.find((e) => e.user === REQUESTER), {
    timeoutMs: 15_000,
  });
  expect(JSON.stringify(offer.blocks)).toContain(ACTIONS.fileIssue);
  const value = (JSON.stringify(offer.blocks).match(/"value":"((?:[^"\\]|\\.)*)"/) ?? [])[1] ?? "";
  const triggerId = w.slack.issueTriggerId({ userId: REQUESTER });
  const clicked = await sendBlockAction(b.url, SIGNING_SECRET, {
    user: REQUESTER,
    channel: CHANNEL,
    messageTs: offer.ts,
    threadTs: parent.ts,
    actionId: ACTIONS.fileIssue,
    value: JSON.parse(`"${value}"`),
    triggerId,
  });
  expect(clicked.status).toBe(200);
  const modal = await w.slack.waitFor(
    () => w.slack.views.modals.find((m) => m.triggerId === triggerId && m.versions.length > 1),
    { timeoutMs: 15_000 },
  );
  const res = await sendViewSubmission(a.url, SIGNING_SECRET, {
    user: REQUESTER,
    callbackId: FILE_ISSUE_FORM.callbackId,
    viewId: modal.id,
    privateMetadata: String(modal.view["private_metadata"]),
    values: {
      [FILE_ISSUE_FORM.repoBlock]: {
        [FILE_ISSUE_FORM.input]: { type: "static_select", selected_option: { value: "acme/api" } },
      },
      [FILE_ISSUE_FORM.titleBlock]: {
        [FILE_ISSUE_FORM.input]: { type: "plain_text_input", value: "Checkout hangs" },
      },
    },
  });
  expect(res.status).toBe(200);
  const filing = await w.slack.waitFor(
    () => w.kestra.executions.find((e) => e.flowId === FILE_ISSUE_FLOW_ID),
    { timeoutMs: 15_000 },
  );
  // Kestra files issue #1 and tells both replicas at once.
  w.kestra.setState(filing.id, "RUNNING");
  w.github.addIssue("acme", "api", { number: 1, title: "Checkout hangs" });
  w.kestra.addTaskRun(filing.id, {
    taskId: FILE_ISSUE.tasks.file,
    state: "SUCCESS",
    outputs: { vars: { issue_url: "https://github.com/acme/api/issues/1", issue_number: 1 } },
  });
  w.kestra.setState(filing.id, "SUCCESS");
  await both(a, b, { executionId: filing.id, event: "file_issue" });

  const runs = () => w.kestra.executions.filter((e) => e.flowId === SINGLE_FLOW_ID);
  await w.slack.waitFor(() => runs().length === 1, { timeoutMs: 15_000 });
  await w.slack.waitFor(() => headsIn(w, parent.ts).length === 1, { timeoutMs: 15_000 });
  await Promise.all([a.stop(), b.stop()]);
  expect(runs()).toHaveLength(1);
  expect(headsIn(w, parent.ts)).toHaveLength(1);
  expect(runs()[0]?.labels.find((l) => l.key === LABELS.ask)?.value).toBe(asked.ts);
});

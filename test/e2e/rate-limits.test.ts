import { afterEach, expect, it } from "vitest";
import { FlowDriver } from "../support/flow-driver.ts";
import { ALERTS, CHANNEL, type Harness, ISSUE_URL, startHarness } from "../support/harness.ts";
import { rootOf, startedRun } from "../support/scenarios.ts";

let h: Harness;
/** Long next to what a notification takes: a call that waited for it shows. */
const RETRY_AFTER_SEC = 4;
afterEach(async () => h?.close());

it("Slack 429s delay messages but lose none", async () => {
  h = await startHarness();
  h.slack.rateLimit("chat.postMessage", { times: 2, retryAfterSec: 1 });
  h.slack.rateLimit("chat.update", { times: 2, retryAfterSec: 1 });
  h.slack.rateLimit("files.completeUploadExternal", { times: 1, retryAfterSec: 1 });
  await h.command(ISSUE_URL);
  await h.slack.waitFor(() => h.kestra.executions.length === 1, { timeoutMs: 10_000 });
  const run = FlowDriver.latest(h);
  await run.started();
  await run.patchReady();
  await h.slack.waitFor(() => h.slack.files[0], { timeoutMs: 15_000 });
  await h.slack.waitFor(
    () => h.slack.channelMessages(CHANNEL)[0]?.text.endsWith("awaiting approval"),
    {
      timeoutMs: 15_000,
    },
  );
  expect(h.slack.calls.filter((c) => c.status === 429).length).toBe(5);
  // Every message once: one root, one snippet, the root carrying the buttons.
  expect(h.slack.channelMessages(CHANNEL)).toHaveLength(1);
  expect(h.slack.files).toHaveLength(1);
  expect(JSON.stringify(h.slack.channelMessages(CHANNEL)[0]?.blocks)).toContain("autofix_approve");
}, 30_000);

it("a 429 holds back only its own call: the notification is answered while the root's edit waits out Retry-After, and another run's root is posted meanwhile", async () => {
  h = await startHarness();
  h.github.addIssue("acme", "api", { number: 43, title: "Another issue" });
  const { run, rootTs } = await startedRun(h);
  const from = h.slack.calls.length;
  h.slack.rateLimit("chat.update", { times: 1, retryAfterSec: RETRY_AFTER_SEC });
  await run.patchReady();
  // Answered (FlowDriver expects a 2xx) with the snippet and the ping in the thread, while the
  // root's edit waits in the queue.
  expect(h.slack.files).toHaveLength(1);
  expect(h.slack.thread(CHANNEL, rootTs).length).toBe(2);
  expect(rootOf(h, rootTs).text).toMatch(/Running$/);
  const limited = h.slack.calls.slice(from).find((c) => c.status === 429);
  if (!limited) throw new Error("no 429");

  // The WebClient paused every call of the process for Retry-After; the pacer holds only the lane.
  await h.command("https://github.com/acme/api/issues/43");
  const other = await h.slack.waitFor(() =>
    h.slack.calls
      .slice(from)
      .find(
        (c) =>
          c.method === "chat.postMessage" &&
          c.params["channel"] === CHANNEL &&
          c.params["thread_ts"] === undefined,
      ),
  );
  expect(other.at - limited.at).toBeLessThan(RETRY_AFTER_SEC * 1000);

  await h.slack.waitFor(() => rootOf(h, rootTs).text.endsWith("awaiting approval"), {
    timeoutMs: 10_000,
  });
  const retried = h.slack.calls
    .slice(from)
    .find((c) => c.method === "chat.update" && c.status === 200 && c.params["ts"] === rootTs);
  expect((retried?.at ?? 0) - limited.at).toBeGreaterThanOrEqual(RETRY_AFTER_SEC * 1000 - 10);
}, 20_000);

it("a queued edit Slack then refuses for good reaches the admins and the thread, and the run is looked at again", async () => {
  h = await startHarness();
  const { run, rootTs } = await startedRun(h);
  // The edit waits (429), then Slack refuses it when it goes (invalid_blocks).
  h.slack.rateLimit("chat.update", { times: 1, retryAfterSec: 1 });
  h.slack.failNext("chat.update", "invalid_blocks");
  await run.patchReady();
  const alert = await h.slack.waitFor(() => h.slack.channelMessages(ALERTS)[0], {
    timeoutMs: 10_000,
  });
  expect(alert.text).toContain("The thread of acme/api#42 cannot follow its run");
  expect(alert.text).toContain("invalid_blocks");
  await h.slack.waitFor(() =>
    h.slack.thread(CHANNEL, rootTs).find((m) => m.text.includes("cannot follow")),
  );
  expect(rootOf(h, rootTs).text).toMatch(/Running$/);
  // The run does not count as shown: the next look (here the reconciler's) draws the root again.
  await h.app.runtime.reconciler.runOnce();
  await h.app.runtime.edits.drain(5000);
  expect(rootOf(h, rootTs).text).toMatch(/awaiting approval$/);
  expect(h.slack.channelMessages(ALERTS)).toHaveLength(1);
}, 20_000);

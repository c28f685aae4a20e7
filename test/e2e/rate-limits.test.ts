import { afterEach, expect, it } from "vitest";
import { FlowDriver } from "../support/flow-driver.ts";
import { CHANNEL, type Harness, ISSUE_URL, startHarness } from "../support/harness.ts";

let h: Harness;
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

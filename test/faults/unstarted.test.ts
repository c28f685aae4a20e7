// A bot killed after it posted a run's root and before Kestra created the execution: the next
// process says on that root that the run never started, with Retry, instead of Queued for ever.
import { afterEach, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import { ALERTS, CHANNEL, REQUESTER, SIGNING_SECRET } from "../support/harness.ts";
import { sendCommand } from "../support/slack-requests.ts";
import { startWorld, type World } from "./world.ts";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

it("a root posted just before a kill, with no execution created, reads Failed with Retry after the restart", async () => {
  const w = await startWorld([42]);
  world = w;
  const bot = await w.bot("A");
  await bot.start();
  // Kestra never answers the create (nor creates anything); the bot dies meanwhile.
  w.kestra.failNext(
    { method: "POST", path: /\/executions\/dev\.autofix\/ai-issue-autofix/ },
    "timeout",
  );
  let killed: Promise<void> | undefined;
  w.kestra.beforeReply(async (request) => {
    if (request.method === "POST" && request.path.includes("/executions/dev.autofix/")) {
      killed ??= bot.kill();
    }
  });
  await sendCommand(bot.url, SIGNING_SECRET, {
    text: "https://github.com/acme/api/issues/42",
    channel_id: CHANNEL,
    user_id: REQUESTER,
    response_url: w.slack.responseUrl(),
  });
  const root = await w.slack.waitFor(() => w.slack.channelMessages(CHANNEL)[0]);
  await w.slack.waitFor(() => killed !== undefined);
  await killed;
  w.kestra.beforeReply(undefined);
  expect(w.kestra.executions).toHaveLength(0);
  expect(w.slack.message(CHANNEL, root.ts)?.text).toMatch(/Queued$/);

  await bot.start();
  await bot.caughtUp();
  await w.slack.waitFor(() => w.slack.message(CHANNEL, root.ts)?.text.endsWith("Failed"), {
    description: "the root says the run never started",
  });
  // Said once per audience: the root in one line with Retry, the admins in the alerts channel.
  const blocks = JSON.stringify(w.slack.message(CHANNEL, root.ts)?.blocks);
  expect(blocks).toContain(
    "Couldn't start: the bot stopped before Kestra created the run. The admins have been told.",
  );
  expect(blocks).toContain(ACTIONS.retryStart);
  const alert = await w.slack.waitFor(() => w.slack.channelMessages(ALERTS)[0]);
  expect(alert.text).toContain("acme/api#42 failed before it started");
  expect(w.slack.thread(CHANNEL, root.ts)).toEqual([]);
});

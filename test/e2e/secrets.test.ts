import { afterAll, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import { FlowDriver } from "../support/flow-driver.ts";
import {
  CHANNEL,
  GITHUB_TOKEN,
  type Harness,
  ISSUE_URL,
  KESTRA_PASSWORD,
  KESTRA_USER,
  REQUESTER,
  SIGNING_SECRET,
  startHarness,
  WEBHOOK_TOKEN,
} from "../support/harness.ts";

let h: Harness;
afterAll(async () => h?.close());

it("no token or password reaches any Slack message, any fake's payload, or any log line", async () => {
  h = await startHarness();
  // A run that approves and opens a PR, a run that fails, a start failure, and a bad webhook.
  await h.command(ISSUE_URL);
  await h.slack.waitFor(() => h.kestra.executions.length === 1);
  const ok = FlowDriver.latest(h);
  const root = await h.slack.waitFor(() => h.slack.channelMessages(CHANNEL)[0]);
  await ok.started();
  await ok.patchReady();
  await h.click({ user: REQUESTER, messageTs: root.ts, actionId: ACTIONS.approve, value: ok.id });
  await h.slack.waitFor(() => h.kestra.resumes.length === 1);
  await ok.prCreated();

  await h.command("https://github.com/acme/api/issues/42");
  await h.slack.waitFor(() => h.kestra.executions.length === 2);
  const bad = FlowDriver.latest(h);
  await bad.fail("fix", ["fatal: could not read Username for 'https://github.com'"]);
  h.kestra.failNext(
    { method: "POST", path: /\/executions\/dev\.autofix\// },
    { status: 401, body: { message: "Unauthorized" } },
  );
  await h.command(ISSUE_URL);
  await h.notify({ executionId: ok.id, event: "started" }, "wrong-token");
  await h.slack.waitFor(() => h.slack.channelMessages("C0ALERTS").length >= 2);
  await h.app.runtime.background.drain();

  const basic = Buffer.from(`${KESTRA_USER}:${KESTRA_PASSWORD}`).toString("base64");
  const secrets = [
    h.env["SLACK_BOT_TOKEN"] ?? "",
    SIGNING_SECRET,
    KESTRA_PASSWORD,
    basic,
    WEBHOOK_TOKEN,
    GITHUB_TOKEN,
  ];
  const haystacks: Record<string, string> = {
    "slack calls": JSON.stringify(h.slack.calls.map((c) => c.params)),
    "slack messages": JSON.stringify(h.slack.messages),
    "slack files": JSON.stringify(h.slack.files),
    "slack ephemerals": JSON.stringify(h.slack.ephemerals),
    "kestra bodies and queries": JSON.stringify(h.kestra.requests.map((r) => [r.path, r.body])),
    "github paths and bodies": JSON.stringify(h.github.requests.map((r) => [r.path, r.body])),
    logs: h.logs.join(""),
  };
  expect(h.logs.length).toBeGreaterThan(20);
  for (const [where, text] of Object.entries(haystacks)) {
    for (const secret of secrets) {
      expect(text.includes(secret), `${where} contains a secret`).toBe(false);
    }
  }
});

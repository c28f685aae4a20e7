// Reads that used to fall back to a default when they failed now say so: a person is told what
// could not be checked, and nothing goes ahead on a guess.
import { afterEach, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import { CHANNEL, type Harness, ISSUE_URL, startHarness } from "../support/harness.ts";
import { runAwaitingApproval } from "../support/scenarios.ts";

let h: Harness;
afterEach(async () => h?.close());

it("an approver group Slack will not list: the clicker is told it cannot be checked, not that they are no approver", async () => {
  h = await startHarness({ env: { AUTOFIX_APPROVERS: "S0REVIEWERS" } });
  const { run, rootTs, buttonsTs } = await runAwaitingApproval(h);
  h.slack.failNext("usergroups.users.list", "missing_scope");
  await h.click({
    user: "U0REVIEWER",
    messageTs: buttonsTs,
    threadTs: rootTs,
    actionId: ACTIONS.approve,
    value: run.id,
  });
  const told = await h.slack.waitFor(() => h.slack.ephemerals[0]);
  expect(told.text).toContain("Slack refused the bot (missing_scope)");
  expect(told.text).not.toContain("not an approver");
  expect(h.kestra.resumes).toHaveLength(0);
});

it("a channel's stored settings that do not parse stop /autofix with the reason, instead of falling back to the defaults", async () => {
  h = await startHarness();
  // Someone edited the KV value by hand in Kestra's UI.
  await h.app.runtime.kestra.kvPut(`slack-settings-${CHANNEL}`, { approvers: "everyone" });
  const responseUrl = h.slack.responseUrl();
  const res = await h.command(ISSUE_URL, { response_url: responseUrl });
  expect(res.status).toBe(200);
  const answer = await h.slack.waitFor(() => h.slack.responses(responseUrl)[0]);
  expect(JSON.stringify(answer)).toContain(`slack-settings-${CHANNEL}`);
  expect(JSON.stringify(answer)).toContain("are not valid");
  expect(h.kestra.executions).toHaveLength(0);
});

import { afterEach, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import { FlowDriver } from "../support/flow-driver.ts";
import { CHANNEL, type Harness, ISSUE_URL, REQUESTER, startHarness } from "../support/harness.ts";
import { hasButtons, rootOf } from "../support/scenarios.ts";

let h: Harness;
afterEach(async () => h?.close());

async function begin(): Promise<{ run: FlowDriver; rootTs: string }> {
  h = await startHarness();
  await h.command(ISSUE_URL);
  await h.slack.waitFor(() => h.kestra.executions.length === 1);
  const run = FlowDriver.latest(h);
  const root = await h.slack.waitFor(() => h.slack.channelMessages(CHANNEL)[0]);
  return { run, rootTs: root.ts };
}

it("a Slack retry of /autofix never starts a second run", async () => {
  h = await startHarness();
  const first = await h.command(ISSUE_URL);
  const retry = await h.command(ISSUE_URL, {}, { retryNum: 1 });
  expect(first.status).toBe(200);
  expect(retry.status).toBe(200);
  await h.slack.waitFor(() => h.kestra.executions.length === 1);
  // The retry was acked and dropped: its log line is written when it was handled.
  await h.slack.waitFor(() => h.logs.some((l) => l.includes("ignored Slack retry")));
  expect(h.kestra.executions).toHaveLength(1);
  expect(h.slack.channelMessages(CHANNEL)).toHaveLength(1);
});

it("duplicate and out-of-order notifications post one snippet and one PR link", async () => {
  const { run, rootTs } = await begin();
  await run.started();
  await run.patchReady();
  // The same wake-ups again, and an old one after a newer one; each answer means "synced".
  await run.notify("patch_ready", { patchUri: run.patchUri ?? "" });
  await run.notify("started");
  await run.notify("patch_ready", { patchUri: run.patchUri ?? "" });
  expect(h.slack.files).toHaveLength(1);
  expect(hasButtons(rootOf(h, rootTs))).toBe(true);

  await h.click({ user: REQUESTER, messageTs: rootTs, actionId: ACTIONS.approve, value: run.id });
  await h.slack.waitFor(() => h.kestra.resumes.length === 1);
  await run.prCreated();
  await run.notify("pr_created", { prUrl: "https://github.com/acme/api/pull/43" });
  await run.notify("patch_ready", { patchUri: run.patchUri ?? "" });
  await run.notify("finished");
  const prLinks = h.slack.thread(CHANNEL, rootTs).filter((m) => m.text.includes("pull/43"));
  expect(prLinks).toHaveLength(1);
  expect(h.slack.files).toHaveLength(1);
  expect(rootOf(h, rootTs).text).toMatch(/PR opened$/);
});

it("a double click resumes once; the second click is told who decided", async () => {
  const { run, rootTs } = await begin();
  await run.started();
  await run.patchReady();
  const click = () =>
    h.click({ user: REQUESTER, messageTs: rootTs, actionId: ACTIONS.approve, value: run.id });
  const [a, b] = await Promise.all([click(), click()]);
  expect([a.status, b.status]).toEqual([200, 200]);
  // The second click waits for the first one's decision and is then told: both are done.
  await h.slack.waitFor(() => h.slack.ephemerals.length === 1, {
    description: "second click told",
  });
  await h.slack.waitFor(() => h.kestra.resumes.length === 1);
  expect(h.kestra.resumes).toHaveLength(1);
  expect(h.slack.ephemerals[0]?.text).toMatch(/already approved by <@U0REQ>/);
});

it("a pr_created notification with a PR URL of another repository is not believed", async () => {
  const { run, rootTs } = await begin();
  await run.started();
  await run.patchReady();
  h.kestra.addTaskRun(run.id, { taskId: "approval", state: "SUCCESS" });
  h.kestra.addTaskRun(run.id, {
    taskId: "create_pr",
    state: "SUCCESS",
    outputs: { vars: { pr_url: "https://github.com/acme/api/pull/99" } },
  });
  h.kestra.setState(run.id, "SUCCESS");
  await h.notify({
    executionId: run.id,
    event: "pr_created",
    prUrl: "https://github.com/evil/phish/pull/1",
  });
  await h.slack.waitFor(() =>
    h.slack.thread(CHANNEL, rootTs).find((m) => m.text.includes("pull request opened")),
  );
  const all = JSON.stringify(h.slack.messages);
  expect(all).toContain("acme/api/pull/99");
  expect(all).not.toContain("evil/phish");
});

it("without a pull-request URL anywhere, the PR is announced without a link, never the Kestra one", async () => {
  const { run, rootTs } = await begin();
  await run.started();
  await run.patchReady();
  await h.click({ user: REQUESTER, messageTs: rootTs, actionId: ACTIONS.approve, value: run.id });
  await h.slack.waitFor(() => h.kestra.resumes.length === 1);
  // create_pr succeeded, but neither its output nor the notification holds a PR of acme/api.
  h.kestra.setState(run.id, "RUNNING");
  h.kestra.addTaskRun(run.id, {
    taskId: "create_pr",
    state: "SUCCESS",
    outputs: { vars: { pr_url: "https://kestra.example.com/ui/main/executions/x" } },
  });
  await run.notify("pr_created", { prUrl: "" });
  const reply = h.slack.thread(CHANNEL, rootTs).find((m) => m.text.includes("pull request opened"));
  expect(reply?.text).toContain("see <https://kestra.example.com");
  const root = rootOf(h, rootTs);
  expect(root.text).toMatch(/PR opened$/);
  expect(JSON.stringify(root.blocks)).not.toContain("|PR #");
});

it("a second /autofix for an issue with a run in progress is refused with a link, and starts nothing", async () => {
  const { run } = await begin();
  const url = h.slack.responseUrl();
  await h.command(ISSUE_URL, { response_url: url });
  await h.slack.waitFor(() =>
    JSON.stringify(h.slack.responses(url)).includes("already in progress"),
  );
  expect(JSON.stringify(h.slack.responses(url))).toContain(run.id);
  expect(h.kestra.executions).toHaveLength(1);
  expect(h.slack.channelMessages(CHANNEL)).toHaveLength(1);
});

it("two quick /autofix for one issue start one run, although Kestra's search does not show the first yet", async () => {
  h = await startHarness({ kestraIndexLagMs: 5_000 });
  const first = h.slack.responseUrl();
  const second = h.slack.responseUrl();
  await Promise.all([
    h.command(ISSUE_URL, { response_url: first }),
    h.command(ISSUE_URL, { response_url: second, user_id: "U0OTHER" }),
  ]);
  const told = await h.slack.waitFor(() =>
    [first, second].find((u) => /already in progress/.test(JSON.stringify(h.slack.responses(u)))),
  );
  expect(told).toBeDefined();
  expect(h.kestra.executions).toHaveLength(1);
  expect(h.slack.channelMessages(CHANNEL)).toHaveLength(1);
});

it("a burst of 30 /autofix commands for 30 issues: every one acked at once, every run started (queued, not refused)", async () => {
  h = await startHarness();
  for (let n = 100; n < 130; n++)
    h.github.addIssue("acme", "api", { number: n, title: `Issue ${n}` });
  const acks = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      h.command(`https://github.com/acme/api/issues/${100 + i}`),
    ),
  );
  expect(acks.every((a) => a.status === 200)).toBe(true);
  await h.slack.waitFor(() => h.kestra.executions.length === 30, { timeoutMs: 15_000 });
  expect(h.slack.channelMessages(CHANNEL)).toHaveLength(30);
});

import { afterEach, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import { BatchDriver } from "../support/batch-driver.ts";
import { ALERTS, CHANNEL, type Harness, REQUESTER, startHarness } from "../support/harness.ts";

let h: Harness;
afterEach(async () => h?.close());

const digest = (h: Harness) => h.slack.channelMessages(CHANNEL)[0];
const digestText = (h: Harness) => JSON.stringify(digest(h)?.blocks ?? []);
/** The digest's line for one issue. */
const rowOf = (h: Harness, slug: string) =>
  JSON.stringify(digest(h)?.blocks ?? [])
    .split("\\n")
    .find((line) => line.includes(slug)) ?? "";
const settle = async (h: Harness) => {
  await h.app.runtime.background.drain();
  await h.app.runtime.digest.idle();
};

async function startBatch(text = "batch acme/api label:bug max:3 pr"): Promise<BatchDriver> {
  const res = await h.command(text);
  expect(res.status).toBe(200);
  await h.slack.waitFor(() => h.kestra.executions.length === 1, { description: "batch created" });
  const batch = BatchDriver.latest(h);
  await h.slack.waitFor(() => digestText(h).includes("kestra.example.com"), {
    description: "digest linked",
  });
  return batch;
}

describe("/autofix batch", () => {
  it("starts the batch flow with the inputs and Slack labels", async () => {
    h = await startHarness();
    const batch = await startBatch();
    const exec = h.kestra.execution(batch.id);
    expect(exec.inputs).toMatchObject({
      repo_url: "https://github.com/acme/api",
      issue_labels: "bug",
      max_issues: 3,
      create_prs: true,
      wait_for_approval: true,
    });
    const labels = Object.fromEntries(exec.labels.map((l) => [l.key, l.value]));
    expect(labels).toMatchObject({
      "slack-channel": CHANNEL,
      "slack-ts": digest(h)?.ts,
      "autofix-repo": "acme/api",
    });
    expect(digestText(h)).toContain("Batch autofix for");
    expect(digestText(h)).toContain("pull requests");
  });

  it("keeps one digest row per child, in order, through out-of-order events, with totals and skips", async () => {
    h = await startHarness();
    const batch = await startBatch();
    await batch.listed(
      [
        { number: 1, title: "First" },
        { number: 2, title: "Second" },
        { number: 3, title: "Third" },
      ],
      [
        {
          number: 9,
          title: "Ninth",
          reason: "open_pr",
          prUrl: "https://github.com/acme/api/pull/90",
        },
      ],
    );
    const [c1, c2, c3] = [
      await batch.child({ number: 1, title: "First" }, true),
      await batch.child({ number: 2, title: "Second" }, true),
      await batch.child({ number: 3, title: "Third" }, true),
    ];
    if (!c1 || !c2 || !c3) throw new Error("children");
    // Out of order: the third fails before the first even starts.
    await c3.started();
    await c3.fail("fix", ["agent crashed"]);
    await c2.started();
    await c2.patchReady();
    await c1.started();
    await settle(h);
    const text = digestText(h);
    expect(text.indexOf("acme/api#1")).toBeLessThan(text.indexOf("acme/api#2"));
    expect(text.indexOf("acme/api#2")).toBeLessThan(text.indexOf("acme/api#3"));
    expect(text).toMatch(/acme\/api#2.*Patch ready, awaiting approval/);
    expect(text).toMatch(/acme\/api#3.*Failed/);
    // A skipped row names its issue and links the open PR that caused the skip.
    expect(text).toContain(
      "#9> Ninth — skipped: an autofix PR is already open (<https://github.com/acme/api/pull/90|PR #90>)",
    );

    // Approval works per child, from the batch thread.
    const root = digest(h);
    const buttons = h.slack
      .thread(CHANNEL, root?.ts ?? "")
      .find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve));
    expect(buttons).toBeDefined();
    const file = h.slack.files.find((f) => f.threadTs === root?.ts);
    expect(file?.initialComment).toContain("Patch ready for acme/api#2");
    await h.click({
      user: REQUESTER,
      messageTs: buttons?.ts ?? "",
      threadTs: root?.ts ?? "",
      actionId: ACTIONS.approve,
      value: c2.id,
    });
    await h.slack.waitFor(() => h.kestra.resumes.some((r) => r.executionId === c2.id));
    await c2.prCreated("https://github.com/acme/api/pull/20");
    await c1.patchReady();
    // Each child's buttons sit under its own patch and name its issue.
    const thread = h.slack.thread(CHANNEL, root?.ts ?? "");
    const c1Buttons = thread
      .filter((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve))
      .at(-1);
    expect(c1Buttons?.text).toContain("acme/api#1");
    const c1File = h.slack.files.find((f) =>
      f.initialComment?.includes("Patch ready for acme/api#1"),
    );
    // Right under its patch: the message just before the buttons shares the file.
    const at = thread.findIndex((m) => m.ts === c1Buttons?.ts);
    expect(at).toBeGreaterThan(0);
    expect(thread[at - 1]?.ts).toBe(c1File?.messageTs);
    await h.click({
      user: REQUESTER,
      messageTs: c1Buttons?.ts ?? "",
      threadTs: root?.ts ?? "",
      actionId: ACTIONS.reject,
      value: c1.id,
    });
    await h.slack.waitFor(() => h.kestra.resumes.some((r) => r.executionId === c1.id));
    await c1.finished();
    await batch.finished();
    await settle(h);

    const final = digestText(h);
    expect(final).toMatch(/Fixed 1 · awaiting approval 0 · failed 1 · rejected 1 · skipped 1/);
    expect(final).toContain("https://github.com/acme/api/pull/20");
    // The batch's own line sums up its children (not a single run's "patch only").
    expect(digest(h)?.text).toContain("Finished: 1 PR opened, 1 rejected, 1 failed");
    expect(digestText(h)).not.toContain("Finished: patch only");
    // The failed child is reported in the batch thread, naming its issue.
    expect(
      h.slack.thread(CHANNEL, root?.ts ?? "").some((m) => m.text.includes("acme/api#3 failed")),
    ).toBe(true);
    // The root stayed the digest: no child rewrote it as its own root message.
    expect(digest(h)?.text.startsWith("Batch autofix for acme/api")).toBe(true);
  });

  it.each([
    ["batch", /Which repository\?/],
    ["batch acme/api max:99", /max must be a whole number from 1 to 50/],
    ["batch acme/api label:a,b", /one label per word/],
    ["batch acme/api other/repo", /Give one repository only/],
    ["batch acme/api frobnicate:1", /I do not understand .{1,2}frobnicate:1/],
  ])("%s gets a specific error and starts nothing", async (text, reason) => {
    h = await startHarness();
    const url = h.slack.responseUrl();
    const res = await h.command(text, { response_url: url });
    const all = () => JSON.stringify(res.body ?? "") + JSON.stringify(h.slack.responses(url));
    await h.slack.waitFor(() => reason.test(all()), { description: `answer matching ${reason}` });
    expect(h.kestra.executions).toHaveLength(0);
  });

  it("uses the channel's default repository and labels when none are given", async () => {
    h = await startHarness({
      env: { AUTOFIX_DEFAULT_REPO: "acme/api", AUTOFIX_DEFAULT_LABELS: "bug,easy" },
    });
    const batch = await startBatch("batch");
    expect(h.kestra.execution(batch.id).inputs).toMatchObject({
      repo_url: "https://github.com/acme/api",
      issue_labels: "bug,easy",
      max_issues: 5,
      create_prs: false,
    });
  });
});

describe("a 50-issue batch under Slack's rate tiers", () => {
  it("coalesces digest updates inside chat.update's Tier 3 and ends on the final state", async () => {
    // Tier windows scaled to 6 s: chat.update allows 50 per 6 s; the digest window is 150 ms.
    h = await startHarness({ slackTiers: { windowMs: 6000 }, digestWindowMs: 150 });
    const batch = await startBatch("batch acme/api max:50");
    const issues = Array.from({ length: 50 }, (_, i) => ({
      number: i + 1,
      title: `Issue ${i + 1}`,
    }));
    await batch.listed(issues);
    const started = Date.now();
    const children = await Promise.all(issues.map((i) => batch.child(i)));
    await Promise.all(children.map((c) => c.started()));
    await Promise.all(children.map((c) => c.finished()));
    await batch.finished();
    await settle(h);
    const elapsed = Date.now() - started;

    const rootTs = digest(h)?.ts;
    const updates = h.slack.calls.filter(
      (c) => c.method === "chat.update" && c.params["ts"] === rootTs,
    );
    expect(updates.filter((c) => c.status === 429)).toHaveLength(0);
    // One update per coalescing window at most (plus the first render), not one per event (150+).
    expect(updates.length).toBeLessThanOrEqual(Math.ceil(elapsed / 150) + 2);
    expect(updates.length).toBeLessThan(40);
    const final = digestText(h);
    expect(final).toMatch(/Fixed 50 · awaiting approval 0 · failed 0/);
    expect((final.match(/Finished: patch only/g) ?? []).length).toBeGreaterThanOrEqual(50);
  }, 60_000);
});

describe("a batch's own notifications", () => {
  it("are answered once the digest shows them: 200 with the final state drawn, 503 while it cannot be drawn", async () => {
    h = await startHarness();
    const batch = await startBatch("batch acme/api label:bug max:1");
    await batch.listed([{ number: 1, title: "First" }]);
    const child = await batch.child({ number: 1, title: "First" });
    await child.started();
    await child.patchReady(undefined, { pause: false });
    await child.finished();
    await settle(h);
    // Slack refuses the digest's update for good this time (the blocks are refused).
    h.slack.failNext("chat.update", "invalid_blocks");
    h.kestra.setState(batch.id, "SUCCESS");
    const refused = await h.notify({ executionId: batch.id, event: "finished" });
    expect(refused.status).toBe(503);
    expect(JSON.stringify(refused.body)).toContain("invalid_blocks");
    // Delivered again: 200 means the digest now reads Finished (no waiting on a background refresh).
    const again = await h.notify({ executionId: batch.id, event: "finished" });
    expect(again.status).toBe(200);
    expect(digest(h)?.text).toMatch(/Finished/);
  });
});

describe("a batch's rows", () => {
  it("after a restart still show each child's time, read from its result.json in Kestra", async () => {
    h = await startHarness();
    const batch = await startBatch("batch acme/api label:bug max:2");
    await batch.listed([
      { number: 1, title: "First" },
      { number: 2, title: "Second" },
    ]);
    const c1 = await batch.child({ number: 1, title: "First" });
    await c1.started();
    await c1.patchReady(undefined, { pause: false });
    await c1.finished();
    await settle(h);
    expect(rowOf(h, "acme/api#1")).toContain("1m 1s");
    // A new process, which never saw the child's patch (a dry run posts no approval message).
    await h.stopApp();
    await h.startNewApp();
    const c2 = await batch.child({ number: 2, title: "Second" });
    await c2.started();
    await c2.patchReady(undefined, { pause: false });
    await c2.finished();
    await batch.finished();
    await settle(h);
    expect(rowOf(h, "acme/api#1")).toContain("1m 1s");
    expect(rowOf(h, "acme/api#2")).toContain("1m 1s");
  });

  it("a cancelled child started again takes its issue's row (one row per issue)", async () => {
    h = await startHarness();
    const batch = await startBatch("batch acme/api label:bug max:2");
    await batch.listed([{ number: 1, title: "First" }]);
    const c1 = await batch.child({ number: 1, title: "First" });
    await c1.started();
    h.kestra.setState(c1.id, "KILLING");
    await c1.killed();
    await settle(h);
    expect(rowOf(h, "acme/api#1")).toContain("Cancelled");
    const responseUrl = h.slack.responseUrl();
    await h.command(`retry ${c1.id}`, { response_url: responseUrl });
    await h.slack.waitFor(
      () => h.kestra.executions.filter((e) => e.flowId === "ai-issue-autofix").length === 2,
    );
    const again = new (await import("../support/flow-driver.ts")).FlowDriver(
      h,
      h.kestra.executions.at(-1)?.id ?? "",
    );
    await again.started();
    await settle(h);
    const lines = JSON.stringify(digest(h)?.blocks ?? []).split("\\n");
    expect(lines.filter((line) => line.includes("acme/api#1"))).toHaveLength(1);
    expect(rowOf(h, "acme/api#1")).toContain("Running");
  });
});

describe("a batch thread says each thing once", () => {
  it("a rejection once (on the child's buttons message), and an approval there until its PR is open", async () => {
    h = await startHarness();
    const batch = await startBatch("batch acme/api label:bug max:2 pr");
    await batch.listed([
      { number: 1, title: "First" },
      { number: 2, title: "Second" },
    ]);
    const c1 = await batch.child({ number: 1, title: "First" }, true);
    const c2 = await batch.child({ number: 2, title: "Second" }, true);
    for (const c of [c1, c2]) {
      await c.started();
      await c.patchReady();
    }
    const rootTs = digest(h)?.ts ?? "";
    const buttonsOf = (id: string) =>
      h.slack
        .thread(CHANNEL, rootTs)
        .find(
          (m) =>
            JSON.stringify(m.blocks ?? []).includes(`"${id}"`) &&
            m.text.includes("approve or reject"),
        );
    const b1 = await h.slack.waitFor(() => buttonsOf(c1.id));
    const b2 = await h.slack.waitFor(() => buttonsOf(c2.id));
    await h.click({
      user: REQUESTER,
      messageTs: b1.ts,
      threadTs: rootTs,
      actionId: ACTIONS.approve,
      value: c1.id,
    });
    await h.click({
      user: REQUESTER,
      messageTs: b2.ts,
      threadTs: rootTs,
      actionId: ACTIONS.reject,
      value: c2.id,
    });
    await h.slack.waitFor(() => h.kestra.resumes.length === 2);
    await c1.prCreated("https://github.com/acme/api/pull/20");
    await c2.finished();
    await batch.finished();
    await settle(h);
    const texts = h.slack.thread(CHANNEL, rootTs).map((m) => m.text);
    expect(texts.filter((t) => /[Rr]ejected by/.test(t))).toHaveLength(1);
    expect(h.slack.message(CHANNEL, b2.ts)?.text).toContain("Rejected by");
    const approved = h.slack.message(CHANNEL, b1.ts);
    expect(approved?.text).toContain("is open for *acme/api#1*");
    expect(JSON.stringify(approved?.blocks)).toContain("|PR #20>");
    expect(texts.some((t) => t.includes("opening the PR"))).toBe(false);
  });
});

describe("a batch Kestra will not start", () => {
  it("is said once per audience: the digest in one line, the requester in short, the admins in full", async () => {
    h = await startHarness();
    h.kestra.failNext(
      { method: "POST", path: "/api/v1/main/executions/dev.autofix/batch-issue-autofix" },
      { status: 404, error: "Requested Flow is not found." },
    );
    const url = h.slack.responseUrl();
    await h.command("batch acme/api label:bug max:3 pr", { response_url: url });
    const answer = await h.slack.waitFor(() =>
      h.slack
        .responses(url)
        .map((r) => String((r as { text?: unknown }).text))
        .find((t) => t.startsWith("Couldn't start")),
    );
    expect(answer).toBe(
      "Couldn't start the batch for acme/api: Kestra does not have the autofix flow. The admins have been told; try again once they have fixed it.",
    );
    await h.slack.waitFor(() => /\*Failed\*/.test(digestText(h)), { description: "digest Failed" });
    expect(digestText(h)).toContain(
      "Couldn't start: Kestra does not have the autofix flow. The admins have been told.",
    );
    const alert = await h.slack.waitFor(() => h.slack.channelMessages(ALERTS)[0]);
    expect(alert.text).toContain("batch for acme/api failed before it started (step start)");
    expect(JSON.stringify(alert.blocks)).toContain("does not know the autofix flow (404)");
    await h.app.runtime.background.drain();
    expect(h.slack.thread(CHANNEL, digest(h)?.ts ?? "")).toEqual([]);
  });
});

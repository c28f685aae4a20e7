import { afterEach, describe, expect, it } from "vitest";
import { LABELS, RESUME_INPUTS, SINGLE_INPUTS } from "../../src/contracts/flow.ts";
import { ACTIONS, REVISE } from "../../src/slack/ids.ts";
import type { FakeMessage } from "../fakes/slack.ts";
import { FlowDriver } from "../support/flow-driver.ts";
import {
  CHANNEL,
  type Harness,
  REQUESTER,
  SIGNING_SECRET,
  startHarness,
} from "../support/harness.ts";
import { ephemeralTo } from "../support/mention-scenarios.ts";
import {
  buttonValue,
  followPass,
  type OpenPr,
  repliesWith,
  runToOpenPr,
} from "../support/pr-scenarios.ts";
import { rootOf } from "../support/scenarios.ts";
import { mention } from "../support/slack-events.ts";
import { sendViewSubmission } from "../support/slack-requests.ts";

// Fix what failed on a followed PR: Fix the failing checks and Address the review start a run of
// the issue in the PR's thread, whose commit goes onto the PR's branch (pr_number), not into a
// new PR; it waits for Approve like any patch unless the channel pushes without approval.

let h: Harness;
afterEach(async () => h?.close());

async function openPr(env: Record<string, string> = {}): Promise<OpenPr> {
  h = await startHarness({ env });
  return runToOpenPr(h, env["AUTOFIX_REQUIRE_APPROVAL"] === "false" ? "direct" : REQUESTER);
}

const click = (pr: OpenPr, message: FakeMessage, actionId: string, user = REQUESTER) =>
  h.click({
    user,
    messageTs: message.ts,
    threadTs: pr.rootTs,
    actionId,
    value: buttonValue(message, actionId),
    messageBlocks: message.blocks ?? [],
  });

const label = (e: { labels: { key: string; value: string }[] }, key: string) =>
  e.labels.find((l) => l.key === key)?.value;

async function redChecks(pr: OpenPr) {
  const sha = h.github.headShaOf("acme", "api", pr.number);
  h.github.addCheckRun("acme", "api", {
    sha,
    name: "build",
    conclusion: "failure",
    log: [
      "2024-01-01T00:00:01.0000000Z npm test",
      ...Array.from({ length: 60 }, (_, i) => `2024-01-01T00:00:02.0000000Z ok ${i}`),
      "2024-01-01T00:00:03.0000000Z FAIL src/login.test.ts: expected 'ok' to be 'fixed'",
    ].join("\n"),
  });
  h.github.addCheckRun("acme", "api", {
    sha,
    name: "lint",
    conclusion: "failure",
    log: "forbidden",
    output: { title: "2 problems", text: "src/login.ts:2 no-unused-vars" },
  });
  await followPass(h);
  const [red] = repliesWith(h, pr.rootTs, "Checks failed on PR");
  if (!red) throw new Error("no red checks reply");
  return { sha, red };
}

describe("Fix the failing checks", () => {
  it("red checks → Fix → a second commit on the same branch, after Approve → green → merged", async () => {
    const pr = await openPr();
    const { sha, red } = await redChecks(pr);

    expect((await click(pr, red, ACTIONS.fixChecks)).status).toBe(200);
    await h.slack.waitFor(() => h.kestra.executions.length === 2, {
      description: "the follow-up run",
    });
    const next = h.kestra.executions[1];
    if (!next) throw new Error("no follow-up run");
    // The same issue, on the PR's branch, with the failed checks and the end of their logs.
    expect(next.inputs).toMatchObject({
      [SINGLE_INPUTS.issueUrl]: "https://github.com/acme/api/issues/42",
      [SINGLE_INPUTS.prNumber]: pr.number,
      [SINGLE_INPUTS.applyFix]: true,
      [SINGLE_INPUTS.waitForApproval]: true,
      [SINGLE_INPUTS.createPr]: false,
    });
    // Multipart form values travel with CRLF line ends (the HTML form encoding).
    const feedback = String(next.inputs[SINGLE_INPUTS.feedback]).replace(/\r\n/g, "\n");
    expect(feedback).toContain(
      `The checks of pull request #${pr.number} failed on its head commit ${sha.slice(0, 7)}`,
    );
    expect(feedback).toContain("### build (failure)");
    expect(feedback).toContain("End of its log:");
    expect(feedback).toContain("FAIL src/login.test.ts: expected 'ok' to be 'fixed'");
    expect(feedback).not.toContain("2024-01-01T00:00:03"); // timestamps dropped
    expect(feedback).not.toContain("ok 5\n"); // only the end of the log
    expect(feedback).toContain("### lint (failure)");
    expect(feedback).toContain(
      "(its log cannot be read with the bot's token) What it reported:\n2 problems\nsrc/login.ts:2 no-unused-vars",
    );
    expect(label(next, LABELS.ts)).toBe(pr.rootTs);
    expect(label(next, LABELS.user)).toBe(REQUESTER);
    expect(label(next, LABELS.followUp)).toBe(`checks-${sha.slice(0, 12)}`);
    const note = await h.slack.waitFor(() => repliesWith(h, pr.rootTs, "asked for a fix")[0]);
    expect(JSON.stringify(note.blocks)).toContain(
      `🔧 <@${REQUESTER}> asked for a fix of the failing checks (build, lint) of <${pr.prUrl}|PR #${pr.number}>`,
    );
    // A second click: already asked, nothing more starts.
    await click(pr, red, ACTIONS.fixChecks);
    const told = await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === REQUESTER));
    expect(told.text).toBe("A fix for this was already asked for: its run is in this thread.");
    expect(h.kestra.executions).toHaveLength(2);

    // The follow-up takes the root over, and waits for Approve like any patch.
    const fix = new FlowDriver(h, next.id);
    await fix.started();
    await fix.patchReady();
    const waiting = await h.slack.waitFor(() => {
      const root = rootOf(h, pr.rootTs);
      return JSON.stringify(root.blocks).includes(`Approve & push to PR #${pr.number}`)
        ? root
        : undefined;
    });
    expect(JSON.stringify(waiting.blocks)).toContain(`pushes the commit to PR #${pr.number}`);
    await h.click({
      user: REQUESTER,
      messageTs: pr.rootTs,
      actionId: ACTIONS.approve,
      value: next.id,
    });
    await h.slack.waitFor(() => h.kestra.resumes.some((r) => r.executionId === next.id));
    expect(h.kestra.resumes.at(-1)?.inputs[RESUME_INPUTS.approved]).toBe(true);

    // create_pr pushes a second commit onto the PR's branch: no new PR.
    const second = "f".repeat(40);
    h.github.setHead("acme", "api", pr.number, second);
    await fix.prCreated(pr.prUrl);
    const pushed = await h.slack.waitFor(
      () => repliesWith(h, pr.rootTs, "a new commit was pushed")[0],
    );
    expect(JSON.stringify(pushed.blocks)).toContain(
      `⬆️ <@${REQUESTER}> a new commit was pushed to <${pr.prUrl}|PR #${pr.number}>.`,
    );
    expect(h.github.pulls("acme", "api")).toHaveLength(1);
    expect(repliesWith(h, pr.rootTs, "pull request opened")).toHaveLength(1);

    h.github.addCheckRun("acme", "api", { sha: second, name: "build", conclusion: "success" });
    h.github.addCheckRun("acme", "api", { sha: second, name: "lint", conclusion: "success" });
    await followPass(h);
    const green = repliesWith(h, pr.rootTs, "checks passed");
    expect(green).toHaveLength(1);
    expect(JSON.stringify(green[0]?.blocks)).toContain(`on \`${second.slice(0, 7)}\``);
    expect(repliesWith(h, pr.rootTs, "Checks failed on PR")).toHaveLength(1);

    h.github.mergePull("acme", "api", pr.number, "octocat");
    await followPass(h);
    await h.slack.waitFor(() => rootOf(h, pr.rootTs).text.endsWith("PR merged"), {
      description: "root says PR merged",
    });
    expect(repliesWith(h, pr.rootTs, "was merged")).toHaveLength(1);
  });

  it("in a channel that pushes without approval, the follow-up pushes without waiting", async () => {
    const pr = await openPr({ AUTOFIX_REQUIRE_APPROVAL: "false" });
    const { red } = await redChecks(pr);
    await click(pr, red, ACTIONS.fixChecks);
    const next = await h.slack.waitFor(() => h.kestra.executions[1]);
    expect(next.inputs).toMatchObject({
      [SINGLE_INPUTS.waitForApproval]: false,
      [SINGLE_INPUTS.createPr]: true,
      [SINGLE_INPUTS.prNumber]: pr.number,
    });
  });

  it("is refused to someone who is neither the requester nor an approver; nothing starts", async () => {
    const pr = await openPr();
    const { red } = await redChecks(pr);
    await click(pr, red, ACTIONS.fixChecks, "U0STRANGER");
    const told = await h.slack.waitFor(() =>
      h.slack.ephemerals.find((e) => e.user === "U0STRANGER"),
    );
    expect(told.text).toBe(
      "Only the requester or an approver can ask for a fix of this pull request.",
    );
    expect(h.kestra.executions).toHaveLength(1);
  });

  it("says there is nothing to fix once a re-run passed, and says plainly a fork's branch the token cannot push to", async () => {
    const pr = await openPr();
    const { sha, red } = await redChecks(pr);
    h.github.addCheckRun("acme", "api", { sha, name: "build", conclusion: "success" });
    h.github.addCheckRun("acme", "api", { sha, name: "lint", conclusion: "success" });
    await click(pr, red, ACTIONS.fixChecks);
    const nothing = await h.slack.waitFor(() =>
      h.slack.ephemerals.find((e) => e.user === REQUESTER),
    );
    expect(nothing.text).toBe(
      `No check has failed on the newest commit \`${sha.slice(0, 7)}\` of PR #${pr.number}: there is nothing to fix.`,
    );
    expect(h.kestra.executions).toHaveLength(1);

    // The PR's branch moves to a fork that does not allow edits by maintainers.
    const pull = h.github.pull("acme", "api", pr.number);
    pull.headOwner = "someone";
    pull.headRepo = "api-fork";
    h.github.addCheckRun("acme", "api", { sha, name: "lint", conclusion: "failure" });
    await click(pr, red, ACTIONS.fixChecks);
    const fork = await h.slack.waitFor(
      () => h.slack.ephemerals.filter((e) => e.user === REQUESTER)[1],
    );
    expect(fork.text).toContain(
      `PR #${pr.number}'s branch is on the fork someone/api-fork, which does not allow edits from maintainers: the PR token cannot push a fix there.`,
    );
    expect(h.kestra.executions).toHaveLength(1);
  });
});

describe("Fix after the PR ended", () => {
  it("a Fix click long after the merge is told the PR was merged, and nothing starts", async () => {
    let offset = 0;
    h = await startHarness({ now: () => Date.now() + offset });
    const pr = await runToOpenPr(h, REQUESTER);
    const { red } = await redChecks(pr);
    h.github.mergePull("acme", "api", pr.number, "octocat");
    await followPass(h);
    await h.slack.waitFor(() => repliesWith(h, pr.rootTs, "was merged")[0]);
    // Past the grace after its end, the PR is no longer in the follow list.
    offset = 11 * 60_000;
    expect(await followPass(h)).toMatchObject({ followed: 0 });
    await click(pr, red, ACTIONS.fixChecks);
    await ephemeralTo(
      h,
      REQUESTER,
      "The pull request of this run was merged: there is nothing to push to.",
    );
    expect(h.kestra.executions).toHaveLength(1);
  });
});

describe("Address the review", () => {
  it("changes requested → a reply quoting the review and naming who acts → a run with the review as feedback", async () => {
    const pr = await openPr();
    const review = h.github.addReview("acme", "api", pr.number, {
      user: "bob",
      state: "CHANGES_REQUESTED",
      body: "Please keep the old signature.\nAnd add a test.\n\n<!channel> third\nfourth line",
      comments: [{ path: "src/login.ts", line: 2, body: "This throws for an empty user." }],
    });
    await followPass(h);
    const asked = repliesWith(h, pr.rootTs, "requested changes");
    expect(asked).toHaveLength(1);
    const blocks = JSON.stringify(asked[0]?.blocks);
    expect(blocks).toContain("✋ *bob* <");
    expect(blocks).toContain(
      "> Please keep the old signature.\\n> And add a test.\\n> &lt;!channel&gt; third\\n> …",
    );
    expect(blocks).toContain(`<@${REQUESTER}>: *Address the review*`);
    const message = asked[0] as FakeMessage;
    expect(buttonValue(message, ACTIONS.addressReview)).toBe(`${pr.run.id}:${review.id}`);

    await click(pr, message, ACTIONS.addressReview);
    const next = await h.slack.waitFor(() => h.kestra.executions[1]);
    // Multipart form values travel with CRLF line ends (the HTML form encoding).
    const feedback = String(next.inputs[SINGLE_INPUTS.feedback]).replace(/\r\n/g, "\n");
    expect(feedback).toContain(`bob requested changes on pull request #${pr.number}. Make them.`);
    expect(feedback).toContain("Please keep the old signature.\nAnd add a test.");
    expect(feedback).toContain("- src/login.ts:2: This throws for an empty user.");
    expect(next.inputs[SINGLE_INPUTS.prNumber]).toBe(pr.number);
    expect(label(next, LABELS.followUp)).toBe(`review-${review.id}`);
    const note = await h.slack.waitFor(
      () => repliesWith(h, pr.rootTs, "asked to address the review")[0],
    );
    expect(JSON.stringify(note.blocks)).toContain("by *bob*");
    // Said once, however often the follower looks.
    await followPass(h);
    expect(repliesWith(h, pr.rootTs, "requested changes")).toHaveLength(1);
  });
});

describe("a follow-up run", () => {
  it("revised, still goes onto the PR's branch (pr_number kept)", async () => {
    const pr = await openPr();
    const { red } = await redChecks(pr);
    await click(pr, red, ACTIONS.fixChecks);
    const next = await h.slack.waitFor(() => h.kestra.executions[1]);
    const fix = new FlowDriver(h, next.id);
    await fix.started();
    await fix.patchReady();
    await h.slack.waitFor(() =>
      JSON.stringify(rootOf(h, pr.rootTs).blocks).includes("Approve & push to PR"),
    );
    const triggerId = h.slack.issueTriggerId({ userId: REQUESTER });
    await h.click({
      user: REQUESTER,
      messageTs: pr.rootTs,
      actionId: ACTIONS.revise,
      value: next.id,
      triggerId,
    });
    const modal = await h.slack.waitFor(() => {
      const m = h.slack.views.modals.find((v) => v.triggerId === triggerId);
      return m && m.versions.length > 1 ? m : undefined;
    });
    await sendViewSubmission(h.url, SIGNING_SECRET, {
      user: REQUESTER,
      callbackId: REVISE.callbackId,
      values: {
        [REVISE.feedbackBlock]: {
          [REVISE.feedbackAction]: { type: "plain_text_input", value: "Keep the test name." },
        },
      },
      privateMetadata: String(modal.view["private_metadata"]),
    });
    const revised = await h.slack.waitFor(() => h.kestra.executions[2]);
    expect(revised.inputs[SINGLE_INPUTS.prNumber]).toBe(pr.number);
    expect(revised.inputs[SINGLE_INPUTS.feedback]).toBe("Keep the test name.");
  });
});

describe("asked in the PR's thread", () => {
  it("`@autofix fix CI` by the requester starts the same follow-up as the button, once; a stranger is refused", async () => {
    const pr = await openPr();
    const { sha } = await redChecks(pr);
    const resumed = h.kestra.resumes.length;

    const stranger = await mention(h.asker, {
      user: "U0STRANGER",
      channel: CHANNEL,
      text: "fix CI",
      threadTs: pr.rootTs,
    });
    expect(stranger.response?.status).toBe(200);
    await ephemeralTo(h, "U0STRANGER", "Only the requester or an approver can ask for a fix");

    await mention(h.asker, {
      user: REQUESTER,
      channel: CHANNEL,
      text: "fix CI",
      threadTs: pr.rootTs,
    });
    const next = await h.slack.waitFor(() => h.kestra.executions[1], {
      description: "the follow-up run",
    });
    expect(label(next, LABELS.followUp)).toBe(`checks-${sha.slice(0, 12)}`);
    expect(next.inputs[SINGLE_INPUTS.prNumber]).toBe(pr.number);
    expect(String(next.inputs[SINGLE_INPUTS.feedback])).toContain("### build (failure)");
    const note = await h.slack.waitFor(() => repliesWith(h, pr.rootTs, "asked for a fix")[0]);
    expect(JSON.stringify(note.blocks)).toContain(`🔧 <@${REQUESTER}> asked for a fix`);

    // Asked again, in other words: already asked, nothing more starts.
    await mention(h.asker, {
      user: REQUESTER,
      channel: CHANNEL,
      text: "fix the failing checks",
      threadTs: pr.rootTs,
    });
    await ephemeralTo(h, REQUESTER, "A fix for this was already asked for");
    expect(h.kestra.executions).toHaveLength(2);
    // Neither the stranger's nor the repeated ask was taken as a revision's feedback.
    expect(h.kestra.resumes).toHaveLength(resumed);
  });

  it("`@autofix address the review` addresses the review that requested changes", async () => {
    const pr = await openPr();
    const review = h.github.addReview("acme", "api", pr.number, {
      user: "bob",
      state: "CHANGES_REQUESTED",
      body: "Please keep the old signature.",
    });
    await followPass(h);
    await mention(h.asker, {
      user: REQUESTER,
      channel: CHANNEL,
      text: "address the review",
      threadTs: pr.rootTs,
    });
    const next = await h.slack.waitFor(() => h.kestra.executions[1]);
    expect(label(next, LABELS.followUp)).toBe(`review-${review.id}`);
    expect(String(next.inputs[SINGLE_INPUTS.feedback])).toContain("Please keep the old signature.");
  });

  it("`@autofix fix CI` with nothing failed says so, and starts nothing", async () => {
    const pr = await openPr();
    h.github.addCheckRun("acme", "api", {
      sha: h.github.headShaOf("acme", "api", pr.number),
      name: "build",
      conclusion: "success",
    });
    await mention(h.asker, {
      user: REQUESTER,
      channel: CHANNEL,
      text: "fix CI",
      threadTs: pr.rootTs,
    });
    await ephemeralTo(h, REQUESTER, "No check has failed on the newest commit");
    expect(h.kestra.executions).toHaveLength(1);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import { type Harness, REQUESTER, startHarness } from "../support/harness.ts";
import { mentionedRunAwaitingApproval, textOf } from "../support/mention-scenarios.ts";
import {
  buttonValue,
  followPass,
  type OpenPr,
  PR_BRANCH,
  replies,
  repliesWith,
  runToOpenPr,
} from "../support/pr-scenarios.ts";
import { rootOf } from "../support/scenarios.ts";
import { ask } from "./commands-seed.ts";
import { openHome } from "./home-helpers.ts";

// Once a run's PR is open, the bot follows it on GitHub (the fake) and tells the run's thread:
// the checks' outcome on the head commit, reviews, the merge or the close, each once. A follower
// pass is what the bot's timer runs; the tests run it and wait for it to finish.

let h: Harness;
afterEach(async () => h?.close());

async function openPr(env: Record<string, string> = {}): Promise<OpenPr> {
  h = await startHarness({ env });
  return runToOpenPr(h);
}

const prRequests = (pr: OpenPr) =>
  h.github.requests.filter((r) => r.path.startsWith(`/repos/acme/api/pulls/${pr.number}`));

describe("following a run's PR", () => {
  it("green checks: nothing while they run, then one reply once all passed; later looks cost 304s", async () => {
    const pr = await openPr();
    const sha = h.github.headShaOf("acme", "api", pr.number);
    const build = h.github.addCheckRun("acme", "api", {
      sha,
      name: "build",
      status: "in_progress",
    });
    h.github.addCheckRun("acme", "api", { sha, name: "lint", conclusion: "success" });
    const first = await followPass(h);
    expect(first).toMatchObject({ followed: 1, looked: 1, said: 0, failed: 0 });
    expect(repliesWith(h, pr.rootTs, "checks")).toHaveLength(0);

    h.github.updateCheckRun("acme", "api", build.id, { conclusion: "success" });
    expect((await followPass(h)).said).toBe(1);
    const green = repliesWith(h, pr.rootTs, "checks passed");
    expect(green).toHaveLength(1);
    expect(green[0]?.text).toBe(`All checks passed on PR ${pr.prUrl}`);
    expect(JSON.stringify(green[0]?.blocks)).toContain(
      `✅ All 2 checks passed on \`${sha.slice(0, 7)}\` of <${pr.prUrl}|PR #${pr.number}>.`,
    );

    const before = h.github.requests.length;
    await followPass(h);
    await followPass(h);
    // Passed checks are not asked again; the PR and its reviews are, conditionally.
    const later = h.github.requests.slice(before);
    expect(later.some((r) => r.path.includes("/check-runs"))).toBe(false);
    expect(later.length).toBe(4);
    expect(later.every((r) => r.status === 304 && r.headers["if-none-match"])).toBe(true);
    expect(repliesWith(h, pr.rootTs, "checks passed")).toHaveLength(1);
    expect(rootOf(h, pr.rootTs).text.endsWith("PR opened")).toBe(true);
  });

  it("red checks: a new reply naming the requester and approvers, the failed checks with links, and the Fix button", async () => {
    h = await startHarness({ env: { AUTOFIX_APPROVERS: "U0LEAD,S0TEAM" } });
    h.slack.setUsergroup("S0TEAM", ["U0REVIEWER"]);
    const pr = await runToOpenPr(h, "U0LEAD");
    const sha = h.github.headShaOf("acme", "api", pr.number);
    h.github.addCheckRun("acme", "api", { sha, name: "build", conclusion: "failure" });
    h.github.addCheckRun("acme", "api", { sha, name: "e2e", conclusion: "timed_out" });
    h.github.addCheckRun("acme", "api", { sha, name: "lint", conclusion: "success" });
    await followPass(h);
    await followPass(h);
    const red = repliesWith(h, pr.rootTs, "checks failed");
    expect(red).toHaveLength(1);
    const text = JSON.stringify(red[0]?.blocks);
    expect(text).toContain(`❌ *2 of 3 checks failed* on \`${sha.slice(0, 7)}\``);
    expect(text).toMatch(
      /<https:\/\/[^|]+\/job\/\d+\|build> \(failed\), <https:[^|]+\|e2e> \(timed out\)/,
    );
    expect(text).toContain(`<@${REQUESTER}> <@U0LEAD> <!subteam^S0TEAM>`);
    expect(buttonValue(red[0] as never, ACTIONS.fixChecks)).toBe(pr.run.id);
  });

  it("says an approving review, and a closed PR: the root reads PR closed, and the PR is no longer asked about", async () => {
    const pr = await openPr();
    h.github.addReview("acme", "api", pr.number, { user: "alice", state: "APPROVED" });
    h.github.addReview("acme", "api", pr.number, { user: "bob", state: "COMMENTED", body: "nit" });
    await followPass(h);
    expect(repliesWith(h, pr.rootTs, "approved")).toHaveLength(1);
    expect(JSON.stringify(repliesWith(h, pr.rootTs, "approved")[0]?.blocks)).toContain(
      "👍 *alice*",
    );
    expect(repliesWith(h, pr.rootTs, "bob")).toHaveLength(0);

    h.github.closePull("acme", "api", pr.number);
    await followPass(h);
    const closed = repliesWith(h, pr.rootTs, "closed without merging");
    expect(closed).toHaveLength(1);
    expect(JSON.stringify(closed[0]?.blocks)).toContain(`🚪 <@${REQUESTER}>`);
    await h.slack.waitFor(() => rootOf(h, pr.rootTs).text.endsWith("PR closed"), {
      description: "root says PR closed",
    });
    const asked = prRequests(pr).length;
    expect(await followPass(h)).toMatchObject({ followed: 0 });
    expect(prRequests(pr)).toHaveLength(asked);
    expect(repliesWith(h, pr.rootTs, "closed without merging")).toHaveLength(1);
  });

  it("merged: one reply naming who merged, the root reads PR merged, and so do the App Home and /autofix status", async () => {
    const pr = await openPr();
    h.github.mergePull("acme", "api", pr.number, "octocat");
    await followPass(h);
    const merged = repliesWith(h, pr.rootTs, "was merged");
    expect(merged).toHaveLength(1);
    expect(JSON.stringify(merged[0]?.blocks)).toContain(
      `🟣 <@${REQUESTER}> <${pr.prUrl}|PR #${pr.number}> was merged by *octocat*`,
    );
    await h.slack.waitFor(() => rootOf(h, pr.rootTs).text.endsWith("PR merged"), {
      description: "root says PR merged",
    });
    expect(JSON.stringify(rootOf(h, pr.rootTs).blocks)).toContain("🟣 *PR merged*");
    const home = await openHome(h, REQUESTER);
    expect(JSON.stringify(home.view)).toContain("PR merged");
    expect((await ask(h, `status ${pr.run.id}`)).json).toContain("PR merged");
    await followPass(h);
    expect(repliesWith(h, pr.rootTs, "was merged")).toHaveLength(1);
  });

  it("an ended PR leaves Kestra's KV a few looks after its end; the root, App Home and /autofix status still read PR merged, after a restart too", async () => {
    let offset = 0;
    h = await startHarness({ now: () => Date.now() + offset });
    const pr = await runToOpenPr(h);
    /** The followed PRs as the bot last wrote them to Kestra's KV. */
    const kept = () => {
      const puts = h.kestra.requests.filter(
        (r) => r.method === "PUT" && r.path.endsWith("/kv/autofix-pr-follow"),
      );
      return Object.keys(JSON.parse(puts.at(-1)?.body ?? "{}") as object);
    };
    const writes = () =>
      h.kestra.requests.filter(
        (r) => r.method === "PUT" && r.path.endsWith("/kv/autofix-pr-follow"),
      ).length;
    await followPass(h);
    expect(kept()).toEqual([pr.prUrl]);
    // Looks that change nothing write nothing.
    const quiet = writes();
    await followPass(h);
    expect(writes()).toBe(quiet);

    h.github.mergePull("acme", "api", pr.number, "octocat");
    await followPass(h);
    await h.slack.waitFor(() => rootOf(h, pr.rootTs).text.endsWith("PR merged"), {
      description: "root says PR merged",
    });
    // Within the grace (five follower intervals, 10 minutes by default) it is kept.
    offset = 5 * 60_000;
    await followPass(h);
    expect(kept()).toEqual([pr.prUrl]);
    offset = 11 * 60_000;
    expect(await followPass(h)).toMatchObject({ followed: 0 });
    expect(kept()).toEqual([]);

    // A fresh process, the same notification again: the root is drawn again from Kestra and the
    // thread, and still reads PR merged (the thread said so); the Home and /autofix status too.
    await h.stopApp();
    await h.startNewApp();
    await pr.run.notify("finished", { prUrl: pr.prUrl });
    await h.app.runtime.background.drain();
    await h.app.runtime.edits.drain(10_000);
    expect(rootOf(h, pr.rootTs).text).toMatch(/PR merged$/);
    expect(JSON.stringify(rootOf(h, pr.rootTs).blocks)).toContain("🟣 *PR merged*");
    expect(JSON.stringify((await openHome(h, REQUESTER)).view)).toContain("PR merged");
    expect((await ask(h, `status ${pr.run.id}`)).json).toContain("PR merged");
    expect(repliesWith(h, pr.rootTs, "was merged")).toHaveLength(1);
  });

  it("with following off, the App Home still shows a merged PR (asked of GitHub), the thread is left alone", async () => {
    const pr = await openPr({ AUTOFIX_PR_FOLLOW_DAYS: "0" });
    h.github.mergePull("acme", "api", pr.number);
    expect(await followPass(h)).toMatchObject({ followed: 0, looked: 0 });
    const home = await openHome(h, REQUESTER);
    expect(JSON.stringify(home.view)).toContain("PR merged");
    expect(rootOf(h, pr.rootTs).text.endsWith("PR opened")).toBe(true);
    expect(repliesWith(h, pr.rootTs, "was merged")).toHaveLength(0);
  });

  it("says checks that never finish once, after the timeout, naming who should look", async () => {
    let offset = 0;
    h = await startHarness({ now: () => Date.now() + offset });
    const pr = await runToOpenPr(h);
    const sha = h.github.headShaOf("acme", "api", pr.number);
    h.github.addCheckRun("acme", "api", { sha, name: "deploy-preview", status: "queued" });
    await followPass(h);
    expect(repliesWith(h, pr.rootTs, "not finished")).toHaveLength(0);
    offset = 121 * 60_000;
    await followPass(h);
    await followPass(h);
    const hung = repliesWith(h, pr.rootTs, "not finished");
    expect(hung).toHaveLength(1);
    expect(JSON.stringify(hung[0]?.blocks)).toContain(
      `⏳ <@${REQUESTER}> 1 check on \`${sha.slice(0, 7)}\``,
    );
    expect(JSON.stringify(hung[0]?.blocks)).toContain("after 120 minutes: *deploy-preview*");
  });

  it("a 404 on the PR is said in its thread and to the admins, once, and the PR is no longer followed", async () => {
    const pr = await openPr();
    h.github.failNext(`GET /repos/acme/api/pulls/${pr.number}`, 404);
    const report = await followPass(h);
    expect(report).toMatchObject({ failed: 1 });
    const said = repliesWith(h, pr.rootTs, "cannot be read from GitHub");
    expect(said).toHaveLength(1);
    expect(JSON.stringify(said[0]?.blocks)).toContain("GitHub answers 404");
    expect(JSON.stringify(said[0]?.blocks)).toContain("The bot stopped following it.");
    const alert = await h.slack.waitFor(() =>
      h.slack.channelMessages("C0ALERTS").find((m) => m.text.includes(pr.prUrl)),
    );
    expect(alert.text).toContain("the bot cannot follow");
    expect(await followPass(h)).toMatchObject({ followed: 0 });
  });

  it("survives a restart: what was said is read back from the thread, the list of PRs from Kestra's KV", async () => {
    const pr = await openPr();
    const sha = h.github.headShaOf("acme", "api", pr.number);
    const build = h.github.addCheckRun("acme", "api", {
      sha,
      name: "build",
      conclusion: "failure",
    });
    await followPass(h);
    expect(repliesWith(h, pr.rootTs, "Checks failed on PR")).toHaveLength(1);
    await h.stopApp();
    await h.startNewApp();
    await followPass(h);
    expect(repliesWith(h, pr.rootTs, "Checks failed on PR")).toHaveLength(1);
    // A re-run goes green on the same commit: that change is said, once.
    h.github.addCheckRun("acme", "api", { sha, name: build.name, conclusion: "success" });
    await followPass(h);
    await h.stopApp();
    await h.startNewApp();
    await followPass(h);
    expect(repliesWith(h, pr.rootTs, "checks passed")).toHaveLength(1);
    expect(repliesWith(h, pr.rootTs, "Checks failed on PR")).toHaveLength(1);
    const thread = replies(h, pr.rootTs).map((m) => m.text);
    expect(thread.indexOf(`All checks passed on PR ${pr.prUrl}`)).toBeGreaterThan(
      thread.findIndex((t) => t.startsWith("Checks failed")),
    );
  });

  it("stops following after AUTOFIX_PR_FOLLOW_DAYS and says so", async () => {
    let offset = 0;
    h = await startHarness({
      now: () => Date.now() + offset,
      env: { AUTOFIX_PR_FOLLOW_DAYS: "2" },
    });
    const pr = await runToOpenPr(h);
    await followPass(h);
    offset = 2 * 86_400_000 + 60_000;
    await followPass(h);
    expect(repliesWith(h, pr.rootTs, "no longer reports")).toHaveLength(1);
    expect(await followPass(h)).toMatchObject({ followed: 0 });
  });
});

describe("a PR of a run a mention asked for", () => {
  it("is followed in the person's thread, where the root is a reply", async () => {
    h = await startHarness();
    const { run, asked, head } = await mentionedRunAwaitingApproval(h);
    await h.click({
      user: REQUESTER,
      messageTs: head.ts,
      threadTs: asked.ts,
      actionId: ACTIONS.approve,
      value: run.id,
    });
    await h.slack.waitFor(() => h.kestra.resumes.some((r) => r.executionId === run.id));
    const pr = h.github.addPull("acme", "api", { head: PR_BRANCH, title: "Fix #42" });
    await run.prCreated(pr.htmlUrl);
    await h.slack.waitFor(() => textOf(h, head.ts).endsWith("PR opened"));
    await h.app.runtime.background.drain();

    h.github.mergePull("acme", "api", pr.number, "octocat");
    await followPass(h);
    // Slack has a reply's own ts for no thread: the note goes into the person's thread.
    const merged = await h.slack.waitFor(() => repliesWith(h, asked.ts, "was merged")[0]);
    expect(merged.threadTs).toBe(asked.ts);
    await h.slack.waitFor(() => textOf(h, head.ts).endsWith("PR merged"));
  });
});

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  agentCommand,
  branchSha,
  createBareRepo,
  createSandbox,
  gitIn,
  issueUrlOf,
  kestraOutputs,
  pushCommit,
  runCli,
  type Sandbox,
} from "./helpers.ts";

// A follow-up of an open PR (Fix the failing checks, Address the review): `autofix fix --pr`
// works on the PR's branch, `autofix push` commits on top of it and pushes there (no new PR).

const BRANCH = "autofix/issue-7";
const PATCH = `diff --git a/src/app.txt b/src/app.txt
--- a/src/app.txt
+++ b/src/app.txt
@@ -1,2 +1,2 @@
 line 1
-line 2
+line two
`;

let sb: Sandbox;
let bare: string;
let env: Record<string, string>;
let patchFile: string;
let prNumber: number;
let firstFix: string;

beforeEach(async () => {
  sb = await createSandbox();
  sb.github.addRepo("acme", "api");
  sb.github.addIssue("acme", "api", { number: 7, title: "Greeting says world" });
  bare = await createBareRepo(sb, "acme", "api");
  // The PR autofix opened: one commit on its branch.
  gitIn(bare, ["branch", BRANCH, "main"]);
  await pushCommit(
    bare,
    BRANCH,
    { "README.md": "hello\nfirst fix\n" },
    "Fix #7: Greeting says world",
  );
  firstFix = branchSha(bare, BRANCH) ?? "";
  prNumber = sb.github.addPull("acme", "api", { head: BRANCH }).number;
  patchFile = join(sb.dir, "patch.diff");
  await writeFile(patchFile, PATCH);
  env = {
    GITHUB_API_URL: sb.github.url,
    GITHUB_TOKEN: sb.github.token,
    AUTOFIX_CLONE_URL: sb.cloneUrl,
  };
});

afterEach(async () => {
  await sb.close();
});

const push = (extra: string[] = [], pr = prNumber) =>
  runCli(
    [
      "push",
      "--issue",
      issueUrlOf(sb, "acme", "api", 7),
      "--pr",
      String(pr),
      "--patch",
      patchFile,
      ...extra,
    ],
    env,
  );

describe("autofix fix --pr", () => {
  it("works on the PR's branch with what failed there, and names the head its patch is made on", async () => {
    const dump = join(sb.dir, "dump");
    const out = join(sb.dir, "out");
    const feedback = join(sb.dir, "feedback.txt");
    await writeFile(feedback, "### build (failure)\nexpected 'fixed world'\n");
    const run = await runCli(
      [
        "fix",
        "--issue",
        issueUrlOf(sb, "acme", "api", 7),
        "--pr",
        String(prNumber),
        "--feedback-file",
        feedback,
        "--out",
        out,
      ],
      {
        GITHUB_API_URL: sb.github.url,
        GITHUB_READ_TOKEN: sb.github.token,
        AUTOFIX_CLONE_URL: sb.cloneUrl,
        AUTOFIX_AGENT_COMMAND: agentCommand("edit", dump),
      },
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const prompt = await readFile(join(dump, "prompt-file.txt"), "utf8");
    expect(prompt).toContain(`## Follow-up on pull request #${prNumber}`);
    expect(prompt).toContain(`The working tree is the branch \`${BRANCH}\``);
    expect(prompt).toContain("### What to fix\n### build (failure)\nexpected 'fixed world'");
    expect(prompt).not.toContain("## Revision requested");
    // The patch is against the PR's head (which holds the first fix), not the default branch.
    const patch = await readFile(join(out, "patch.diff"), "utf8");
    expect(patch).toContain("-first fix\n+fixed world");
    expect(kestraOutputs(run.stdout)).toMatchObject({ base_sha: firstFix, pr_branch: BRANCH });
  });

  it("refuses a PR that is no longer open before running the agent", async () => {
    sb.github.closePull("acme", "api", prNumber);
    const dump = join(sb.dir, "dump");
    const run = await runCli(
      ["fix", "--issue", issueUrlOf(sb, "acme", "api", 7), "--pr", String(prNumber)],
      { ...env, AUTOFIX_AGENT_COMMAND: agentCommand("edit", dump) },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `PR #${prNumber} is closed: there is nothing to fix on its branch`,
    );
  });
});

describe("autofix push", () => {
  it("commits the patch on top of the PR's branch and pushes it there, without a new PR", async () => {
    const run = await push(["--base", firstFix]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const head = branchSha(bare, BRANCH) ?? "";
    expect(head).not.toBe(firstFix);
    // On top: the first fix is the new commit's parent, both files changed are there.
    expect(gitIn(bare, ["rev-parse", `${head}^`]).trim()).toBe(firstFix);
    expect(gitIn(bare, ["show", `${head}:src/app.txt`])).toBe("line 1\nline two\n");
    expect(gitIn(bare, ["show", `${head}:README.md`])).toBe("hello\nfirst fix\n");
    expect(gitIn(bare, ["log", "-1", "--format=%s", head]).trim()).toBe(
      `Follow-up fix for #7 on PR #${prNumber}`,
    );
    expect(sb.github.pulls("acme", "api")).toHaveLength(1);
    expect(sb.github.requests.some((r) => r.method === "POST")).toBe(false);
    const pr = sb.github.pull("acme", "api", prNumber);
    expect(kestraOutputs(run.stdout)).toEqual({
      pr_url: pr.htmlUrl,
      pr_number: prNumber,
      pr_created: false,
      pushed_sha: head,
      rebased: false,
    });
  });

  it("rebases onto a branch that moved since the patch was made, when the patch still applies", async () => {
    await pushCommit(bare, BRANCH, { "docs/notes.md": "by hand\n" }, "A reviewer's own commit");
    const moved = branchSha(bare, BRANCH) ?? "";
    const run = await push(["--base", firstFix]);
    expect(run.code, run.stderr).toBe(0);
    const head = branchSha(bare, BRANCH) ?? "";
    expect(gitIn(bare, ["rev-parse", `${head}^`]).trim()).toBe(moved);
    expect(kestraOutputs(run.stdout)).toMatchObject({ rebased: true, pushed_sha: head });
  });

  it("says it cannot when the branch moved and the patch no longer applies; nothing is pushed", async () => {
    await pushCommit(bare, BRANCH, { "src/app.txt": "line 1\nline 2 by hand\n" }, "Hand edit");
    const moved = branchSha(bare, BRANCH) ?? "";
    const run = await push(["--base", firstFix]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `the branch ${BRANCH} moved since the patch was made (from ${firstFix.slice(0, 7)} to ${moved.slice(0, 7)}) and the patch does not apply on top of it: nothing was pushed; run the fix again`,
    );
    expect(branchSha(bare, BRANCH)).toBe(moved);
  });

  it("refuses a merged PR: nothing is pushed", async () => {
    sb.github.mergePull("acme", "api", prNumber);
    const run = await push(["--base", firstFix]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`PR #${prNumber} is merged: nothing was pushed`);
    expect(branchSha(bare, BRANCH)).toBe(firstFix);
  });

  it("says plainly that a fork's branch cannot be pushed to without maintainer edits, and pushes when they are allowed", async () => {
    sb.github.addRepo("someone", "api-fork", { pushable: false });
    const fork = await createBareRepo(sb, "someone", "api-fork", { branch: "patch-1" });
    const refused = sb.github.addPull("acme", "api", {
      head: "patch-1",
      headOwner: "someone",
      headRepo: "api-fork",
    }).number;
    const before = branchSha(fork, "patch-1");
    const run = await push([], refused);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `PR #${refused}'s branch is on the fork someone/api-fork, which the PR token cannot push to and which does not allow edits from maintainers: nothing was pushed`,
    );
    expect(branchSha(fork, "patch-1")).toBe(before);

    const allowed = sb.github.addPull("acme", "api", {
      head: "patch-1",
      headOwner: "someone",
      headRepo: "api-fork",
      maintainerCanModify: true,
    }).number;
    const ok = await push([], allowed);
    expect(ok.code, ok.stderr).toBe(0);
    expect(gitIn(fork, ["show", "patch-1:src/app.txt"])).toBe("line 1\nline two\n");
  });
});

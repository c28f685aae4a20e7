import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
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

const PATCH = `diff --git a/src/app.txt b/src/app.txt
--- a/src/app.txt
+++ b/src/app.txt
@@ -1,2 +1,2 @@
 line 1
-line 2
+line two
diff --git a/docs/fix.md b/docs/fix.md
new file mode 100644
--- /dev/null
+++ b/docs/fix.md
@@ -0,0 +1 @@
+explained
`;

let sb: Sandbox;
let env: Record<string, string>;
let patchFile: string;
let summaryFile: string;
let bare: string;

beforeEach(async () => {
  sb = await createSandbox();
  sb.github.addRepo("acme", "api", { defaultBranch: "trunk" });
  sb.github.addIssue("acme", "api", { number: 12, title: "Line 2 is wrong" });
  bare = await createBareRepo(sb, "acme", "api", { branch: "trunk" });
  patchFile = join(sb.dir, "patch.diff");
  summaryFile = join(sb.dir, "summary.md");
  await writeFile(patchFile, PATCH);
  await writeFile(summaryFile, "# Fix\n\nSpelled out line two.\n");
  env = {
    GITHUB_API_URL: sb.github.url,
    GITHUB_TOKEN: sb.github.token,
    AUTOFIX_CLONE_URL: sb.cloneUrl,
  };
});

afterEach(async () => {
  await sb.close();
});

const pr = (extra: string[] = [], e = env) =>
  runCli(["pr", "--issue", issueUrlOf(sb, "acme", "api", 12), "--patch", patchFile, ...extra], e);

describe("autofix pr", () => {
  it("pushes autofix/issue-<n> with one commit and opens the PR against the default branch", async () => {
    const run = await pr(["--summary", summaryFile]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);

    const posts = sb.github.requests.filter((r) => r.method === "POST");
    expect(posts).toHaveLength(1);
    expect(posts[0]?.path).toBe("/repos/acme/api/pulls");
    expect(posts[0]?.body).toEqual({
      title: "Fix #12: Line 2 is wrong",
      body: "Fixes #12\n\n# Fix\n\nSpelled out line two.\n",
      head: "autofix/issue-12",
      base: "trunk",
      draft: false,
    });
    expect(posts[0]?.headers["authorization"]).toBe(`token ${sb.github.token}`);

    const [created] = sb.github.pulls("acme", "api");
    expect(run.stdout.split("\n")[0]).toBe(created?.htmlUrl);
    expect(kestraOutputs(run.stdout)).toEqual({
      pr_url: created?.htmlUrl,
      pr_number: created?.number,
      pr_created: true,
    });

    const branch = "autofix/issue-12";
    expect(gitIn(bare, ["log", "-1", "--format=%s|%an|%ae|%cn", branch]).trim()).toBe(
      "Fix #12: Line 2 is wrong|autofix-bot|autofix-bot@users.noreply.github.com|autofix-bot",
    );
    expect(gitIn(bare, ["rev-parse", `${branch}~1`]).trim()).toBe(branchSha(bare, "trunk"));
    expect(gitIn(bare, ["show", `${branch}:src/app.txt`])).toBe("line 1\nline two\n");
    expect(gitIn(bare, ["show", `${branch}:docs/fix.md`])).toBe("explained\n");
  });

  it("uses the configured author and opens drafts", async () => {
    const run = await pr(["--draft"], {
      ...env,
      AUTOFIX_GIT_AUTHOR_NAME: "Fixer",
      AUTOFIX_GIT_AUTHOR_EMAIL: "fixer@example.com",
    });
    expect(run.code).toBe(0);
    expect(sb.github.pulls("acme", "api")[0]?.draft).toBe(true);
    expect(sb.github.pulls("acme", "api")[0]?.body).toBe("Fixes #12\n");
    expect(gitIn(bare, ["log", "-1", "--format=%an <%ae>", "autofix/issue-12"]).trim()).toBe(
      "Fixer <fixer@example.com>",
    );
  });

  it("is idempotent: a second run returns the open PR without pushing or posting", async () => {
    const first = await pr();
    expect(first.code).toBe(0);
    const sha = branchSha(bare, "autofix/issue-12");
    await pushCommit(bare, "trunk", { "other.txt": "moved on\n" }, "Unrelated change");

    const second = await pr();
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    expect(second.stdout.split("\n")[0]).toBe(first.stdout.split("\n")[0]);
    expect(kestraOutputs(second.stdout)).toMatchObject({ pr_created: false });
    expect(sb.github.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    expect(sb.github.pulls("acme", "api")).toHaveLength(1);
    expect(branchSha(bare, "autofix/issue-12")).toBe(sha);
    // The lookup names the owner: GitHub ignores a bare branch name in `head`.
    const lookups = sb.github.requests.filter(
      (r) => r.method === "GET" && r.path.includes("/pulls?"),
    );
    expect(lookups.every((r) => r.path.includes("head=acme%3Aautofix%2Fissue-12"))).toBe(true);
  });

  it("fails clearly when the patch no longer applies to the default branch", async () => {
    await pushCommit(bare, "trunk", { "src/app.txt": "rewritten\n" }, "Rewrite app.txt");
    const run = await pr();
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("autofix: the patch no longer applies to trunk\n");
    expect(branchSha(bare, "autofix/issue-12")).toBeUndefined();
    expect(sb.github.pulls("acme", "api")).toHaveLength(0);
  });

  it("takes --patch and --summary relative to its working directory", async () => {
    const run = await runCli(
      [
        "pr",
        "--issue",
        issueUrlOf(sb, "acme", "api", 12),
        "--patch",
        "patch.diff",
        "--summary",
        "summary.md",
      ],
      env,
      sb.dir,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(sb.github.pulls("acme", "api")[0]?.body).toBe(
      "Fixes #12\n\n# Fix\n\nSpelled out line two.\n",
    );
    expect(gitIn(bare, ["show", "autofix/issue-12:src/app.txt"])).toBe("line 1\nline two\n");
  });

  it("needs GITHUB_TOKEN", async () => {
    const { GITHUB_TOKEN: _unused, ...noToken } = env;
    const run = await pr([], noToken);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "autofix: Invalid configuration:\n  - GITHUB_TOKEN is required to open a pull request: set it to a token with contents:write and pull_requests:write\n",
    );
  });

  it("reports GitHub's refusal of a bad token in one line", async () => {
    const run = await pr([], { ...env, GITHUB_TOKEN: "ghp_wrong" });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("autofix: cannot list pull requests of acme/api: Bad credentials\n");
    expect(run.stderr).not.toContain("ghp_wrong");
  });

  it("reports a missing patch file as a usage error", async () => {
    const run = await runCli(
      ["pr", "--issue", issueUrlOf(sb, "acme", "api", 12), "--patch", join(sb.dir, "nope.diff")],
      env,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `autofix: --patch ${join(sb.dir, "nope.diff")}: cannot read the file (no such file)\n`,
    );
  });
});

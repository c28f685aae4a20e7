// Runs the flows' Process-runner shell steps the way Kestra does (`/bin/sh -c` with `set -e` first)
// and checks what they print for Kestra (`::{"outputs":…}::`) and when they fail.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadFlow, stringList, stringMap, taskById } from "./flow-walk.ts";

function runStep(file: string, taskId: string, env: Record<string, string>) {
  const task = taskById(loadFlow(file), taskId);
  const script = ["set -e", ...stringList(task["commands"])].join("\n");
  const r = spawnSync("/bin/sh", ["-c", script], {
    encoding: "utf8",
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env },
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith("::{"));
  const outputs = line
    ? (JSON.parse(line.slice(2, -2)) as { outputs: Record<string, string> }).outputs
    : undefined;
  return { status: r.status, stderr: r.stderr, outputs };
}

describe("ai-issue-autofix validate", () => {
  const validate = (env: Record<string, string>) =>
    runStep("main_dev.autofix_ai-issue-autofix.yml", "validate", {
      REPO_URL: "",
      APPLY_FIX: "false",
      CREATE_PR: "false",
      WAIT_FOR_APPROVAL: "false",
      ...env,
    });

  it("passes only the env the flow declares", () => {
    const env = stringMap(
      taskById(loadFlow("main_dev.autofix_ai-issue-autofix.yml"), "validate")["env"],
    );
    expect(Object.keys(env).sort()).toEqual(
      ["APPLY_FIX", "CREATE_PR", "ISSUE_URL", "REPO_URL", "WAIT_FOR_APPROVAL"].sort(),
    );
  });

  it("derives the repository from the issue URL when repo_url is empty", () => {
    const r = validate({ ISSUE_URL: "https://github.com/acme/api/issues/42" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.outputs).toEqual({ repo_url: "https://github.com/acme/api", mode: "dry-run" });
  });

  it("accepts a repo_url of the same repository, ignoring case, .git and a trailing slash", () => {
    const r = validate({
      ISSUE_URL: "https://github.com/Acme/API/issues/42/",
      REPO_URL: "https://github.com/acme/api.git",
      APPLY_FIX: "true",
      WAIT_FOR_APPROVAL: "true",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.outputs).toEqual({ repo_url: "https://github.com/Acme/API", mode: "approval" });
  });

  it("fails clearly when repo_url names another repository", () => {
    const r = validate({
      ISSUE_URL: "https://github.com/acme/api/issues/42",
      REPO_URL: "https://github.com/evil/fork",
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("is not the repository of issue_url");
    expect(r.outputs).toBeUndefined();
  });

  it("names the mode from the switches", () => {
    const mode = (env: Record<string, string>) =>
      validate({ ISSUE_URL: "https://github.com/acme/api/issues/1", ...env }).outputs?.["mode"];
    expect(mode({ APPLY_FIX: "false", CREATE_PR: "true", WAIT_FOR_APPROVAL: "true" })).toBe(
      "dry-run",
    );
    expect(mode({ APPLY_FIX: "true", CREATE_PR: "true" })).toBe("direct-pr");
    expect(mode({ APPLY_FIX: "true" })).toBe("patch-only");
  });
});

describe("ai-issue-autofix fix", () => {
  // The worker step with stand-ins for id, chown, setpriv and autofix, which print what they get.
  // `asRootWithNode` plays the worker image (root, with a `node` user); otherwise a host without
  // that user (the Process runner).
  const runFix = (
    env: Record<string, string>,
    files: Record<string, string>,
    asRootWithNode = false,
    taskId = "fix",
  ) => {
    const dir = mkdtempSync(join(tmpdir(), "fix-step-"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const tool = (name: string, body: string) =>
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    tool(
      "id",
      asRootWithNode
        ? 'case "$1" in -u) echo 0;; *) exit 0;; esac'
        : 'case "$1" in -u) echo 1000;; *) exit 1;; esac',
    );
    tool("chown", 'echo "chown $*" >> calls.txt');
    // setpriv <3 options> <command…>: records the drop, then runs the command.
    tool("setpriv", 'echo "setpriv $1 $2 $3" >> calls.txt; shift 3; exec "$@"');
    tool("autofix", 'printf "%s\\n" autofix "$@"');
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const task = taskById(loadFlow("main_dev.autofix_ai-issue-autofix.yml"), taskId);
    const script = ["set -e", ...stringList(task["commands"])].join("\n");
    const r = spawnSync("/bin/sh", ["-c", script], {
      cwd: dir,
      encoding: "utf8",
      env: { PATH: `${bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}`, ...env },
    });
    const read = (name: string) =>
      existsSync(join(dir, name)) ? readFileSync(join(dir, name), "utf8") : undefined;
    const feedback = read("feedback.txt");
    const calls = read("calls.txt");
    rmSync(dir, { recursive: true, force: true });
    return {
      status: r.status,
      stderr: r.stderr,
      argv: r.stdout.split("\n").filter(Boolean),
      feedback,
      calls: (calls ?? "").split("\n").filter(Boolean),
    };
  };
  const base = {
    ISSUE_URL: "https://github.com/acme/api/issues/42",
    REPO_URL: "https://github.com/acme/api",
    AUTOFIX_FEEDBACK: "",
  };

  it("runs the worker without revision flags when the inputs are absent (empty env, empty file)", () => {
    const r = runFix(base, { "previous.diff": "" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.argv).toEqual([
      "autofix",
      "fix",
      "--issue",
      base.ISSUE_URL,
      "--repo",
      base.REPO_URL,
      "--out",
      ".",
    ]);
    expect(r.feedback).toBeUndefined();
  });

  it("passes a revision's feedback as a file, untouched by the shell, and the previous patch", () => {
    const feedback = 'Use "$HOME" literally; `rm -rf /` and $(id) are just text';
    const r = runFix(
      { ...base, AUTOFIX_FEEDBACK: feedback },
      { "previous.diff": "diff --git a/x b/x\n" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.argv.slice(-4)).toEqual([
      "--feedback-file",
      "feedback.txt",
      "--previous-patch",
      "previous.diff",
    ]);
    expect(r.feedback).toBe(`${feedback}\n`);
  });

  it("in the worker image (root with a node user), takes the directory and drops to node", () => {
    const r = runFix(base, { "previous.diff": "" }, true);
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls).toEqual([
      "chown -R node:node .",
      "setpriv --reuid=node --regid=node --init-groups",
    ]);
    expect(r.argv.slice(0, 2)).toEqual(["autofix", "fix"]);
  });

  it("works on an open PR's branch for a follow-up (pr_number), with its feedback", () => {
    const r = runFix(
      { ...base, AUTOFIX_FEEDBACK: "build failed", AUTOFIX_PR_NUMBER: "43" },
      { "previous.diff": "" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.argv.slice(-4)).toEqual(["--feedback-file", "feedback.txt", "--pr", "43"]);
  });

  it("create_pr opens a PR, or for a follow-up pushes onto the PR's branch from the fix's base", () => {
    const prEnv = { ISSUE_URL: base.ISSUE_URL, AUTOFIX_PR_NUMBER: "", AUTOFIX_BASE_SHA: "" };
    const open = runFix(prEnv, {}, false, "create_pr");
    expect(open.status, open.stderr).toBe(0);
    expect(open.argv).toEqual([
      "autofix",
      "pr",
      "--issue",
      base.ISSUE_URL,
      "--patch",
      "patch.diff",
      "--summary",
      "summary.md",
    ]);
    const push = runFix(
      { ...prEnv, AUTOFIX_PR_NUMBER: "43", AUTOFIX_BASE_SHA: "1f2e3d4c" },
      {},
      false,
      "create_pr",
    );
    expect(push.status, push.stderr).toBe(0);
    expect(push.argv).toEqual([
      "autofix",
      "push",
      "--issue",
      base.ISSUE_URL,
      "--pr",
      "43",
      "--base",
      "1f2e3d4c",
      "--patch",
      "patch.diff",
      "--summary",
      "summary.md",
    ]);
  });

  it("without a node user (the Process runner), runs the worker as it is, changing no owner", () => {
    const r = runFix(base, { "previous.diff": "" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls).toEqual([]);
    expect(r.argv.slice(0, 2)).toEqual(["autofix", "fix"]);
  });
});

describe("batch-issue-autofix extract_repo", () => {
  it("normalises the repository URL", () => {
    const r = runStep("main_dev.autofix_batch-issue-autofix.yml", "extract_repo", {
      REPO_URL: "https://github.com/acme/api.git/",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.outputs).toEqual({ repo_url: "https://github.com/acme/api", slug: "acme/api" });
  });

  it("rejects anything that is not a repository URL", () => {
    const r = runStep("main_dev.autofix_batch-issue-autofix.yml", "extract_repo", {
      REPO_URL: "https://github.com/acme/api/issues/1",
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("repo_url must look like");
  });
});

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resultSchema } from "../../src/contracts/result.ts";
import { HANDOVER_ENV } from "../../src/worker/handover.ts";
import { MAX_FEEDBACK_CHARS, MAX_PREVIOUS_PATCH_CHARS } from "../../src/worker/prompt.ts";
import {
  agentCommand,
  branchSha,
  createBareRepo,
  createSandbox,
  gitIn,
  issueUrlOf,
  kestraOutputs,
  runCli,
  type Sandbox,
  spawnCli,
} from "./helpers.ts";

const EXPECTED_PATCH = `diff --git a/README.md b/README.md
index 94954ab..8a423c8 100644
--- a/README.md
+++ b/README.md
@@ -1,2 +1,2 @@
 hello
-world
+fixed world
diff --git a/src/new.txt b/src/new.txt
new file mode 100644
index 0000000..fa49b07
--- /dev/null
+++ b/src/new.txt
@@ -0,0 +1 @@
+new file
`;

let sb: Sandbox;
let env: Record<string, string>;
let dump: string;
let out: string;

beforeEach(async () => {
  sb = await createSandbox();
  sb.github.addRepo("acme", "api");
  sb.github.addIssue("acme", "api", {
    number: 7,
    title: "Greeting says world",
    body: "The README should say fixed world.",
    labels: ["bug"],
    comments: [{ author: "alice", body: "Also seen on main." }],
  });
  sb.github.addIssue("acme", "api", { number: 8, title: "A PR", isPullRequest: true });
  await createBareRepo(sb, "acme", "api");
  dump = join(sb.dir, "dump");
  out = join(sb.dir, "out");
  env = {
    GITHUB_API_URL: sb.github.url,
    GITHUB_TOKEN: sb.github.token,
    AUTOFIX_CLONE_URL: sb.cloneUrl,
    AUTOFIX_AGENT_COMMAND: agentCommand("edit", dump),
    OPENAI_API_KEY: "sk-llm-key",
    AUTOFIX_MODEL: "configured-model",
  };
});

afterEach(async () => {
  await sb.close();
});

const fixArgs = (extra: string[]) => [
  "fix",
  "--issue",
  issueUrlOf(sb, "acme", "api", 7),
  "--out",
  out,
  ...extra,
];
/** `autofix fix` in-process. */
const fix = (extra: string[] = [], e: Record<string, string> = env) => runCli(fixArgs(extra), e);
/** `autofix fix` as a real process: token hand-over (execve), the killed agent, the push. */
const fixProcess = (extra: string[] = [], e: Record<string, string> = env) =>
  spawnCli(fixArgs(extra), e);

/** Processes of the group that are still running (a zombie waiting to be reaped is not). */
async function liveMembers(group: number): Promise<number[]> {
  const live: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // After the command name in parentheses: state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
    if (Number(pgrp) === group && state !== "Z" && state !== "X") live.push(Number(name));
  }
  return live;
}

interface Ancestor {
  pid: string;
  cmdline: string;
  environ: string;
}

/** What the stand-in agent could read of itself and its ancestors, up to pid 1. */
async function readAncestors(dumpDir: string): Promise<Ancestor[]> {
  const listed = (await readFile(join(dumpDir, "ancestors.txt"), "utf8"))
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => {
      const space = l.indexOf(" ");
      return { pid: l.slice(0, space), cmdline: l.slice(space + 1) };
    });
  const readable = new Set(await readdir(join(dumpDir, "ancestors")));
  const out: Ancestor[] = [];
  for (const a of listed) {
    if (!readable.has(`${a.pid}.environ`)) continue;
    const environ = await readFile(join(dumpDir, "ancestors", `${a.pid}.environ`), "utf8");
    out.push({ ...a, environ });
  }
  return out;
}

/** Bytes of the stand-in agent's big.txt (see fixtures/fake-agent.sh). */
function bigFile(): Buffer {
  const lines: string[] = [];
  for (let n = 1; n <= 1_000_000; n++) lines.push(`line ${n}\n`);
  return Buffer.concat([Buffer.from("caf\xe9\n", "latin1"), Buffer.from(lines.join(""))]);
}

describe("autofix fix", () => {
  it("writes the patch (new files included), result.json, summary.md and the Kestra outputs", async () => {
    const run = await fix();
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);

    expect(await readFile(join(out, "patch.diff"), "utf8")).toBe(EXPECTED_PATCH);

    const result = resultSchema.parse(JSON.parse(await readFile(join(out, "result.json"), "utf8")));
    expect(result).toEqual({
      issue: {
        owner: "acme",
        repo: "api",
        number: 7,
        url: issueUrlOf(sb, "acme", "api", 7),
        title: "Greeting says world",
      },
      files: [
        { path: "README.md", additions: 1, deletions: 1 },
        { path: "src/new.txt", additions: 1, deletions: 0 },
      ],
      additions: 2,
      deletions: 1,
      durationMs: result.durationMs,
      agent: { name: "custom", model: "fake-model-1" },
      usage: { inputTokens: 120, outputTokens: 30, costUsd: 0.0012 },
      explanation: "Fixed the greeting.",
    });

    const summary = await readFile(join(out, "summary.md"), "utf8");
    expect(summary).toContain("# Fix for acme/api#7: Greeting says world");
    expect(summary).toContain(`- Issue: ${issueUrlOf(sb, "acme", "api", 7)}`);
    expect(summary).toContain("- Agent: custom (fake-model-1)");
    expect(summary).toContain("- Changes: 2 files, +2 -1");
    expect(summary).toContain("| `README.md` | 1 | 1 |");
    expect(summary).toContain("| `src/new.txt` | 1 | 0 |");
    expect(summary).toContain("## Explanation\n\nFixed the greeting.");

    expect(kestraOutputs(run.stdout)).toEqual({
      additions: 2,
      deletions: 1,
      files: 2,
      summary: "2 files changed (+2 -1): Fixed the greeting.",
    });
  });

  it("gives the agent the issue but no GitHub token, in its environment or the clone's git config", async () => {
    const run = await fix();
    expect(run.code).toBe(0);
    const agentEnv = await readFile(join(dump, "env.txt"), "utf8");
    const names = agentEnv.split("\n").map((l) => l.split("=")[0] ?? "");
    expect(agentEnv).not.toContain(sb.github.token);
    expect(names.filter((n) => /TOKEN|GITHUB|^GH_/.test(n))).toEqual([]);
    // What it does get: the provider key, the model and the prompt.
    expect(agentEnv).toContain("OPENAI_API_KEY=sk-llm-key");
    expect(agentEnv).toContain("AUTOFIX_MODEL=configured-model");

    const gitConfig = await readFile(join(dump, "gitconfig.txt"), "utf8");
    expect(gitConfig).not.toContain(sb.github.token);
    expect(gitConfig.toLowerCase()).not.toContain("extraheader");
    expect(gitConfig.toLowerCase()).not.toContain("authorization");
    expect(await readFile(join(dump, "dot-git-config.txt"), "utf8")).not.toContain(sb.github.token);

    const prompt = await readFile(join(dump, "prompt-file.txt"), "utf8");
    expect(await readFile(join(dump, "prompt-env.txt"), "utf8")).toBe(prompt);
    expect(prompt).toContain("## Issue #7: Greeting says world");
    expect(prompt).toContain("The README should say fixed world.");
    expect(prompt).toContain("### alice\nAlso seen on main.");
    // The prompt file lives outside the clone, so it is not part of the patch.
    const cwd = (await readFile(join(dump, "cwd.txt"), "utf8")).trim();
    expect(cwd.endsWith("/api")).toBe(true);
    expect(await readFile(join(out, "patch.diff"), "utf8")).not.toContain("prompt");
  });

  it("gives the agent the reviewer's feedback and the previous patch on a revision", async () => {
    const feedbackFile = join(sb.dir, "feedback.txt");
    const previousFile = join(sb.dir, "previous.diff");
    await writeFile(feedbackFile, "Do not touch src/new.txt; keep the greeting lower-case.\n");
    await writeFile(previousFile, "diff --git a/x b/x\n+```\n+old attempt line\n");
    const run = await fix(["--feedback-file", feedbackFile, "--previous-patch", previousFile]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const prompt = await readFile(join(dump, "prompt-file.txt"), "utf8");
    expect(prompt).toContain("## Revision requested");
    expect(prompt).toContain(
      "### Reviewer feedback\nDo not touch src/new.txt; keep the greeting lower-case.",
    );
    // The previous patch sits in a fence longer than the backticks inside it.
    expect(prompt).toContain(
      "### Previous patch\n````diff\ndiff --git a/x b/x\n+```\n+old attempt line\n````",
    );
    // The issue is still there, after the revision.
    expect(prompt.indexOf("## Revision requested")).toBeLessThan(prompt.indexOf("## Issue #7"));
  });

  it("caps the feedback and the previous patch, and ignores empty revision files", async () => {
    const feedbackFile = join(sb.dir, "feedback.txt");
    const previousFile = join(sb.dir, "previous.diff");
    await writeFile(feedbackFile, "F".repeat(MAX_FEEDBACK_CHARS + 500));
    await writeFile(previousFile, "P".repeat(MAX_PREVIOUS_PATCH_CHARS + 500));
    const run = await fix(["--feedback-file", feedbackFile, "--previous-patch", previousFile]);
    expect(run.code).toBe(0);
    const prompt = await readFile(join(dump, "prompt-file.txt"), "utf8");
    expect(prompt).toContain(`${"F".repeat(MAX_FEEDBACK_CHARS)}\n…(truncated)`);
    expect(prompt).not.toContain("F".repeat(MAX_FEEDBACK_CHARS + 1));
    expect(prompt).toContain(`${"P".repeat(MAX_PREVIOUS_PATCH_CHARS)}\n…(truncated)`);
    expect(prompt).not.toContain("P".repeat(MAX_PREVIOUS_PATCH_CHARS + 1));

    // Kestra hands the fix task empty files when the run is not a revision.
    await writeFile(feedbackFile, "");
    await writeFile(previousFile, "\n");
    const plain = await fix(["--feedback-file", feedbackFile, "--previous-patch", previousFile]);
    expect(plain.code).toBe(0);
    expect(await readFile(join(dump, "prompt-file.txt"), "utf8")).not.toContain("Revision");
  });

  it("takes relative paths from its working directory", async () => {
    await writeFile(join(sb.dir, "feedback.txt"), "Keep it short.\n");
    const run = await runCli(
      [
        "fix",
        "--issue",
        issueUrlOf(sb, "acme", "api", 7),
        "--out",
        "rel-out",
        "--feedback-file",
        "feedback.txt",
      ],
      env,
      sb.dir,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(await readFile(join(sb.dir, "rel-out", "patch.diff"), "utf8")).toBe(EXPECTED_PATCH);
    expect(run.stdout.split("\n")[0]).toBe(
      `Wrote ${join(sb.dir, "rel-out", "patch.diff")}: 2 files, +2 -1`,
    );
    expect(await readFile(join(dump, "prompt-file.txt"), "utf8")).toContain("Keep it short.");
  });

  it("refuses an unreadable --feedback-file before running the agent", async () => {
    const missing = join(sb.dir, "nope.txt");
    const run = await fix(["--feedback-file", missing]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `autofix: --feedback-file ${JSON.stringify(missing)}: cannot read it (ENOENT)\n`,
    );
    expect(existsSync(join(dump, "env.txt"))).toBe(false);
  });

  it("folds commits the agent made itself into the patch", async () => {
    const run = await fix([], { ...env, AUTOFIX_AGENT_COMMAND: agentCommand("commit", dump) });
    expect(run.stderr).toBe("");
    expect(await readFile(join(out, "patch.diff"), "utf8")).toBe(EXPECTED_PATCH);
  });

  it("fails with one line when the issue does not exist", async () => {
    const run = await runCli(
      ["fix", "--issue", issueUrlOf(sb, "acme", "api", 99), "--out", out],
      env,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("autofix: issue acme/api#99 not found\n");
    expect(existsSync(join(dump, "env.txt"))).toBe(false);
  });

  it("refuses a pull request given as the issue", async () => {
    const run = await runCli(
      ["fix", "--issue", issueUrlOf(sb, "acme", "api", 8), "--out", out],
      env,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("autofix: acme/api#8 is a pull request, not an issue\n");
  });

  it("refuses a URL that is not an issue of the configured GitHub", async () => {
    const run = await runCli(
      ["fix", "--issue", "https://gitlab.com/acme/api/issues/7", "--out", out],
      env,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `autofix: --issue "https://gitlab.com/acme/api/issues/7": the host must be ${sb.github.webHost}, not gitlab.com\n`,
    );
  });

  it("fails with one line when the clone fails", async () => {
    sb.github.addRepo("acme", "gone");
    sb.github.addIssue("acme", "gone", { number: 1, title: "x" });
    const run = await runCli(
      ["fix", "--issue", issueUrlOf(sb, "acme", "gone", 1), "--out", out],
      env,
    );
    expect(run.code).toBe(1);
    expect(run.stderr.split("\n")).toHaveLength(2);
    expect(run.stderr).toMatch(
      new RegExp(`^autofix: clone failed for file://${sb.remotes}/acme/gone\\.git: .+\\n$`),
    );
  });

  it("reports the agent's exit code and last error line", async () => {
    const run = await fix([], { ...env, AUTOFIX_AGENT_COMMAND: agentCommand("fail", dump) });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("autofix: the agent failed (exit code 3): boom: the model refused\n");
    expect(existsSync(join(out, "patch.diff"))).toBe(false);
  });

  it("kills the agent and its children when it times out", async () => {
    const run = await fixProcess([], {
      ...env,
      AUTOFIX_AGENT_COMMAND: agentCommand("hang", dump),
      AUTOFIX_AGENT_TIMEOUT: "1",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("autofix: the agent timed out after 1 s\n");
    // The agent had started a child that sleeps 60 s, in the agent's own process group…
    expect(existsSync(join(dump, "env.txt"))).toBe(true);
    const group = Number(await readFile(join(dump, "pgid.txt"), "utf8"));
    const child = Number(await readFile(join(dump, "child.pid"), "utf8"));
    expect(group).toBeGreaterThan(1);
    expect(child).toBeGreaterThan(1);
    // …and nothing of that group outlives the worker: every member was killed.
    await vi.waitFor(async () => expect(await liveMembers(group)).toEqual([]), {
      timeout: 5000,
      interval: 50,
    });
    expect(existsSync(join(dump, "late.txt"))).toBe(false);
  });

  it("fails when the agent made no changes", async () => {
    const run = await fix([], { ...env, AUTOFIX_AGENT_COMMAND: agentCommand("noop", dump) });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("autofix: the agent made no changes\n");
  });

  it("with --push, opens the PR from a fresh clone", async () => {
    // A process: the push uses the token the re-executed worker took back from the hand-over.
    const run = await fixProcess(["--push", "--draft"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const [pr] = sb.github.pulls("acme", "api");
    expect(pr).toMatchObject({ head: "autofix/issue-7", base: "main", draft: true });
    expect(pr?.title).toBe("Fix #7: Greeting says world");
    expect(pr?.body.startsWith("Fixes #7\n\n# Fix for acme/api#7")).toBe(true);
    expect(kestraOutputs(run.stdout)).toMatchObject({
      files: 2,
      pr_url: pr?.htmlUrl,
      pr_number: pr?.number,
      pr_created: true,
    });
    const bare = sb.bare("acme", "api");
    expect(branchSha(bare, "autofix/issue-7")).toBeDefined();
    expect(gitIn(bare, ["show", "autofix/issue-7:src/new.txt"])).toBe("new file\n");
  });

  it("with --push but no GITHUB_TOKEN, fails before running the agent", async () => {
    const { GITHUB_TOKEN: _unused, ...noToken } = env;
    const run = await fix(["--push"], noToken);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("GITHUB_TOKEN is required to push the fix (--push)");
    expect(existsSync(join(dump, "env.txt"))).toBe(false);
  });

  it("reads a public repository without any token", async () => {
    const { GITHUB_TOKEN: _unused, ...noToken } = env;
    const run = await fix([], noToken);
    expect(run.code).toBe(0);
    const reads = sb.github.requests.filter((r) => r.method === "GET");
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.headers["authorization"] === undefined)).toBe(true);
  });

  it("reads a private repository with the read-only GITHUB_READ_TOKEN the Kestra fix task gets", async () => {
    sb.github.addRepo("acme", "secret", { private: true });
    sb.github.addIssue("acme", "secret", { number: 3, title: "Private bug" });
    await createBareRepo(sb, "acme", "secret");
    const { GITHUB_TOKEN: _unused, ...noToken } = env;
    const run = await runCli(
      ["fix", "--issue", issueUrlOf(sb, "acme", "secret", 3), "--out", out],
      { ...noToken, GITHUB_READ_TOKEN: sb.github.token },
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const agentEnv = await readFile(join(dump, "env.txt"), "utf8");
    expect(agentEnv).not.toContain(sb.github.token);
    // It is not enough to push.
    const push = await runCli(
      ["fix", "--issue", issueUrlOf(sb, "acme", "secret", 3), "--out", out, "--push"],
      { ...noToken, GITHUB_READ_TOKEN: sb.github.token },
    );
    expect(push.code).toBe(2);
    expect(push.stderr).toContain("GITHUB_TOKEN is required to push the fix (--push)");
  });

  it.each(["GITHUB_TOKEN", "GITHUB_READ_TOKEN", "GH_TOKEN"])(
    "leaves %s in no process environment the agent can read, and deletes the hand-over file first",
    async (name) => {
      const { GITHUB_TOKEN: _unused, ...rest } = env;
      const run = await fixProcess([], { ...rest, [name]: sb.github.token });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);

      const ancestors = await readAncestors(dump);
      // At least the agent's shells, the worker and the test runner were readable.
      expect(ancestors.length).toBeGreaterThanOrEqual(3);
      for (const a of ancestors) {
        expect(a.environ, `environ of ${a.pid} (${a.cmdline})`).not.toContain(sb.github.token);
      }
      // The worker itself is among them: re-executed, with only the path of the hand-over file.
      const worker = ancestors.find((a) => a.cmdline.includes("src/worker/cli.ts fix"));
      expect(worker, JSON.stringify(ancestors.map((a) => a.cmdline))).toBeDefined();
      const lines = worker?.environ.split("\n") ?? [];
      expect(lines.filter((l) => l.startsWith(`${name}=`))).toEqual([]);
      const handover = lines.find((l) => l.startsWith(`${HANDOVER_ENV}=`));
      expect(handover).toBeDefined();
      // …which was gone, with its directory, by the time the agent ran.
      const seen = (await readFile(join(dump, "handover.txt"), "utf8")).trim().split("\n");
      expect(seen.length).toBeGreaterThan(0);
      for (const line of seen) expect(line).toMatch(/ file=gone dir=gone$/);
      expect(seen[0]?.startsWith(`${handover?.slice(HANDOVER_ENV.length + 1)} `)).toBe(true);
    },
  );

  it("writes an explanation quoting a secret redacted, in result.json, summary.md and the outputs", async () => {
    const said = `The token is ${sb.github.token} and the key sk-llm-key.`;
    const run = await fix([], {
      ...env,
      AUTOFIX_AGENT_COMMAND: agentCommand("explain", dump, said),
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const expected = "Fixed it. The token is [redacted] and the key [redacted].";
    const resultText = await readFile(join(out, "result.json"), "utf8");
    expect(resultSchema.parse(JSON.parse(resultText)).explanation).toBe(expected);
    const summary = await readFile(join(out, "summary.md"), "utf8");
    expect(summary).toContain(`## Explanation\n\n${expected}`);
    expect(kestraOutputs(run.stdout)["summary"]).toBe(`1 file changed (+1 -1): ${expected}`);
    for (const text of [resultText, summary, run.stdout]) {
      expect(text).not.toContain(sb.github.token);
      expect(text).not.toContain("sk-llm-key");
    }
  });

  it("redacts a secret in the agent's last error line and its log", async () => {
    const run = await fix([], {
      ...env,
      AUTOFIX_AGENT_COMMAND: agentCommand("fail", dump, `401 for token ${sb.github.token}`),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("autofix: the agent failed (exit code 3): 401 for token [redacted]\n");
    const log = await readFile(join(out, "agent.log"), "utf8");
    expect(log).toContain("401 for token [redacted]");
    expect(log).not.toContain(sb.github.token);
  });

  it("refuses a patch that contains a secret", async () => {
    const run = await fix([], {
      ...env,
      AUTOFIX_AGENT_COMMAND: agentCommand("leak", dump, "key: sk-llm-key"),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "autofix: the patch contains a secret (a GitHub token or the provider API key); refusing to write it\n",
    );
    expect(existsSync(join(out, "patch.diff"))).toBe(false);
  });

  it("writes a patch larger than the captured output limit whole, byte for byte", async () => {
    const run = await fix([], { ...env, AUTOFIX_AGENT_COMMAND: agentCommand("big", dump) });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const content = bigFile();
    const blob = createHash("sha1")
      .update(`blob ${content.length}\0`)
      .update(content)
      .digest("hex");
    const header = [
      "diff --git a/big.txt b/big.txt",
      "new file mode 100644",
      `index 0000000..${blob.slice(0, 7)}`,
      "--- /dev/null",
      "+++ b/big.txt",
      "@@ -0,0 +1,1000001 @@",
      "",
    ].join("\n");
    const body = Buffer.from(
      content
        .toString("latin1")
        .split("\n")
        .slice(0, -1)
        .map((l) => `+${l}\n`)
        .join(""),
      "latin1",
    );
    const expected = Buffer.concat([Buffer.from(header), body]);
    // Bigger than the 8 MB tail process.ts keeps of a child's output.
    expect(expected.length).toBeGreaterThan(8 * 1024 * 1024);
    const patch = await readFile(join(out, "patch.diff"));
    expect(patch.length).toBe(expected.length);
    expect(patch.equals(expected)).toBe(true);
    expect(kestraOutputs(run.stdout)).toMatchObject({ files: 1, additions: 1_000_001 });
  });
});

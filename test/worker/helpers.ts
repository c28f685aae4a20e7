import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli as runCliInProcess } from "../../src/worker/run-cli.ts";
import { type FakeGitHub, startFakeGitHub } from "../fakes/github.ts";

// Shared set-up of the worker tests: a temp dir, local bare repositories as the git remote,
// the GitHub fake wired to them, and the CLI run in-process (runCli) or as a process (spawnCli).

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = join(ROOT, "src/worker/cli.ts");
export const FAKE_AGENT = join(ROOT, "test/worker/fixtures/fake-agent.sh");

export const INITIAL_FILES: Record<string, string> = {
  "README.md": "hello\nworld\n",
  "src/app.txt": "line 1\nline 2\n",
};

export interface Sandbox {
  dir: string;
  github: FakeGitHub;
  remotes: string;
  /** AUTOFIX_CLONE_URL for the bare repositories under `remotes`. */
  cloneUrl: string;
  bare(owner: string, repo: string): string;
  close(): Promise<void>;
}

export async function createSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), "autofix-test-"));
  const remotes = join(dir, "remotes");
  const bare = (owner: string, repo: string) => join(remotes, owner, `${repo}.git`);
  const github = await startFakeGitHub({
    branchExists: (owner, repo, branch) => branchSha(bare(owner, repo), branch) !== undefined,
    // A PR's head commit is its branch's in the bare repository (what was pushed).
    headSha: (owner, repo, branch) => branchSha(bare(owner, repo), branch),
  });
  return {
    dir,
    github,
    remotes,
    cloneUrl: `file://${remotes}/{owner}/{repo}.git`,
    bare,
    close: async () => {
      await github.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function git(args: string[], cwd?: string, input?: string): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: tmpdir(), LC_ALL: "C" },
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    ...(input === undefined ? {} : { input }),
  });
}

/** A bare repository with one commit of `files` on `branch`. */
export async function createBareRepo(
  sandbox: Sandbox,
  owner: string,
  repo: string,
  opts: { branch?: string; files?: Record<string, string> } = {},
): Promise<string> {
  const branch = opts.branch ?? "main";
  const barePath = sandbox.bare(owner, repo);
  await mkdir(barePath, { recursive: true });
  git(["init", "--quiet", "--bare", `--initial-branch=${branch}`, barePath]);
  commit(barePath, branch, opts.files ?? INITIAL_FILES, "Initial commit", false);
  return barePath;
}

/** Adds a commit on `branch` of the bare repository, changing or adding `files`. */
export async function pushCommit(
  barePath: string,
  branch: string,
  files: Record<string, string>,
  message: string,
): Promise<void> {
  commit(barePath, branch, files, message, true);
}

/**
 * Commits straight into the bare repository with one `git fast-import` (no scratch clone and
 * push: a handful of git processes less per test). `onTop`: on the branch's tip, else a root.
 */
function commit(
  barePath: string,
  branch: string,
  files: Record<string, string>,
  message: string,
  onTop: boolean,
): void {
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const who = "Test <test@example.com> 1700000000 +0000";
  const stream = [
    `commit refs/heads/${branch}\n`,
    `author ${who}\n`,
    `committer ${who}\n`,
    data(message),
    onTop ? `from refs/heads/${branch}^0\n` : "",
    ...Object.entries(files).map(([path, content]) => `M 100644 inline ${path}\n${data(content)}`),
    "\n",
  ].join("");
  git(["--git-dir", barePath, "fast-import", "--quiet"], undefined, stream);
}

export function branchSha(barePath: string, branch: string): string | undefined {
  try {
    return git([
      "--git-dir",
      barePath,
      "rev-parse",
      "--verify",
      "--quiet",
      `refs/heads/${branch}`,
    ]).trim();
  } catch {
    return undefined;
  }
}

export function gitIn(barePath: string, args: string[]): string {
  return git(["--git-dir", barePath, ...args]);
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment every CLI run gets under the test's own: PATH and HOME only. */
function baseEnv(): Record<string, string> {
  return { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: tmpdir() };
}

/**
 * Runs the CLI in this process with exactly `env` (plus PATH and HOME), as `autofix …` would
 * with that environment once its tokens are handed over (see spawnCli for the real process).
 */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  cwd = ROOT,
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCliInProcess(args, {
    env: { ...baseEnv(), ...env },
    stdout: { write: (text) => (stdout += text) },
    stderr: { write: (text) => (stderr += text) },
    cwd,
    // Separate processes in production: nothing of plugin-throttling's pacing is shared.
    octokit: { throttleId: randomUUID() },
  });
  return { code, stdout, stderr };
}

/**
 * Runs `node src/worker/cli.ts …` as a real process with exactly `env` (plus PATH and HOME): for
 * what only a process shows (the token hand-over through execve, the exit of a killed agent's
 * process group, the push with handed-over credentials).
 */
export function spawnCli(args: string[], env: Record<string, string>, cwd = ROOT): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...baseEnv(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** The JSON of the `::{"outputs":…}::` line on stdout. */
export function kestraOutputs(stdout: string): Record<string, unknown> {
  const line = stdout.split("\n").find((l) => l.startsWith("::{") && l.endsWith("}::"));
  if (!line) throw new Error(`no Kestra outputs line in:\n${stdout}`);
  const parsed = JSON.parse(line.slice(2, -2)) as { outputs: Record<string, unknown> };
  return parsed.outputs;
}

export function issueUrlOf(sandbox: Sandbox, owner: string, repo: string, n: number): string {
  return `https://${sandbox.github.webHost}/${owner}/${repo}/issues/${n}`;
}

/** The stand-in agent's command line; `text` must not hold a single quote. */
export function agentCommand(mode: string, dumpDir: string, text?: string): string {
  return `sh '${FAKE_AGENT}' ${mode} '${dumpDir}'${text === undefined ? "" : ` '${text}'`}`;
}

import { readFile } from "node:fs/promises";
import { UpstreamError } from "../errors.ts";
import { lastLine, type RunResult, run } from "./process.ts";

// git, run as a child process. A token is only ever handed to one git invocation, through
// GIT_CONFIG_* variables in that process's environment: never in argv (visible in `ps`, logs),
// never written to .git/config (which the agent can read).

export interface GitContext {
  /** Base environment (PATH, HOME, proxies); no credentials. */
  env: Record<string, string>;
}

export interface Credentials {
  token: string;
  /** The remote URL the header is scoped to. */
  url: string;
}

const GIT_TIMEOUT_MS = 10 * 60 * 1000;

function gitEnv(ctx: GitContext, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...ctx.env,
    // Never prompt: a missing credential must fail, not hang the worker.
    GIT_TERMINAL_PROMPT: "0",
    GCM_INTERACTIVE: "never",
    LC_ALL: "C",
    ...extra,
  };
}

/** Env that gives git an Authorization header for `url` only, for this one process. */
export function credentialEnv(creds: Credentials): Record<string, string> {
  const basic = Buffer.from(`x-access-token:${creds.token}`).toString("base64");
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: `http.${httpScope(creds.url)}.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

/** http.<url>.* matches by prefix: scope to scheme://host/ so the header goes nowhere else. */
function httpScope(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}/`;
}

export async function git(
  ctx: GitContext,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; stdin?: string | Buffer } = {},
): Promise<RunResult> {
  return run("git", args, {
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }),
    env: gitEnv(ctx, opts.env),
    timeoutMs: GIT_TIMEOUT_MS,
  });
}

/** Runs git and throws UpstreamError("git") with `what` and git's last stderr line on failure. */
export async function gitOk(
  ctx: GitContext,
  what: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; stdin?: string | Buffer } = {},
): Promise<string> {
  const res = await git(ctx, args, opts);
  if (res.code !== 0) {
    const detail = res.timedOut ? "timed out" : lastLine(res.stderr) || `exit code ${res.code}`;
    throw new UpstreamError("git", "unavailable", `${what}: ${scrub(detail)}`);
  }
  return res.stdout;
}

/** Shallow clone of one branch (or the remote HEAD). */
export async function shallowClone(
  ctx: GitContext,
  opts: { url: string; dir: string; branch?: string; token?: string },
): Promise<void> {
  const args = ["clone", "--depth", "1", "--no-tags", "--quiet"];
  if (opts.branch) args.push("--branch", opts.branch);
  args.push("--", opts.url, opts.dir);
  const env = opts.token ? credentialEnv({ token: opts.token, url: opts.url }) : {};
  await gitOk(ctx, `clone failed for ${redactUrl(opts.url)}`, args, { env });
}

export async function headCommit(ctx: GitContext, dir: string): Promise<string> {
  return (await gitOk(ctx, "git rev-parse failed", ["rev-parse", "HEAD"], { cwd: dir })).trim();
}

/**
 * Stages everything (new files included; commits the agent may have made are folded back into
 * the index) and returns the diff of the index against `base`, byte for byte as git wrote it.
 * git writes it to `outFile` (outside the clone): stdout capture keeps only a tail, and a patch
 * cut at the front would be wrong without any sign of it.
 */
export async function stagedPatch(
  ctx: GitContext,
  dir: string,
  base: string,
  outFile: string,
): Promise<Buffer> {
  await gitOk(ctx, "git add failed", ["add", "-A"], { cwd: dir });
  await gitOk(ctx, "git reset failed", ["reset", "-q", "--soft", base], { cwd: dir });
  await gitOk(
    ctx,
    "git diff failed",
    [
      "diff",
      "--cached",
      "--binary",
      "--no-color",
      "--no-ext-diff",
      // The agent controls .gitattributes and .git/config: no textconv filter runs or rewrites.
      "--no-textconv",
      "--src-prefix=a/",
      "--dst-prefix=b/",
      `--output=${outFile}`,
      base,
    ],
    { cwd: dir },
  );
  return readFile(outFile);
}

/** Applies a patch to the index and work tree; false when it does not apply. */
export async function applyPatch(
  ctx: GitContext,
  dir: string,
  patch: string | Buffer,
): Promise<boolean> {
  const res = await git(ctx, ["apply", "--index", "--whitespace=nowarn", "-"], {
    cwd: dir,
    stdin: patch,
  });
  return res.code === 0;
}

export async function commitAll(
  ctx: GitContext,
  dir: string,
  opts: { branch: string; message: string; author: { name: string; email: string } },
): Promise<void> {
  await gitOk(ctx, "git checkout failed", ["checkout", "-q", "-B", opts.branch], { cwd: dir });
  const who = {
    GIT_AUTHOR_NAME: opts.author.name,
    GIT_AUTHOR_EMAIL: opts.author.email,
    GIT_COMMITTER_NAME: opts.author.name,
    GIT_COMMITTER_EMAIL: opts.author.email,
  };
  await gitOk(
    ctx,
    "git commit failed",
    ["-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-F", "-"],
    { cwd: dir, env: who, stdin: opts.message },
  );
}

interface PushTarget {
  url: string;
  branch: string;
  token: string;
}

/** `git push` of HEAD to refs/heads/<branch>, with the token given to this git process only. */
function pushHead(ctx: GitContext, dir: string, opts: PushTarget, force: boolean) {
  return git(
    ctx,
    [
      "-c",
      "core.hooksPath=/dev/null",
      "push",
      "--quiet",
      ...(force ? ["--force"] : []),
      "--no-verify",
      "--",
      opts.url,
      `HEAD:refs/heads/${opts.branch}`,
    ],
    { cwd: dir, env: credentialEnv({ token: opts.token, url: opts.url }) },
  );
}

/** Pushes HEAD to the bot's own branch, replacing a stale one (it has no open PR: checked before). */
export async function pushBranch(ctx: GitContext, dir: string, opts: PushTarget): Promise<void> {
  const res = await pushHead(ctx, dir, opts, true);
  if (res.code !== 0) throw pushFailed(opts.url, res);
}

/**
 * Pushes HEAD onto refs/heads/<branch> without force (a PR's branch that others may push to);
 * false when the remote refuses because the branch moved (not a fast-forward).
 */
export async function pushFastForward(
  ctx: GitContext,
  dir: string,
  opts: PushTarget,
): Promise<boolean> {
  const res = await pushHead(ctx, dir, opts, false);
  if (res.code === 0) return true;
  if (/\[rejected\]|non-fast-forward|fetch first/.test(res.stderr)) return false;
  throw pushFailed(opts.url, res);
}

function pushFailed(url: string, res: RunResult): UpstreamError {
  const detail = res.timedOut ? "timed out" : lastLine(res.stderr) || `exit code ${res.code}`;
  return new UpstreamError(
    "git",
    "unavailable",
    `push to ${redactUrl(url)} failed: ${scrub(detail)}`,
  );
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url;
  }
}

/** git may echo a URL with credentials in an error; keep them out of our messages. */
function scrub(text: string): string {
  return text.replace(/\/\/[^/@\s]+@/g, "//");
}

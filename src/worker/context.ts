import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { InputError } from "../errors.ts";
import { type IssueRef, parseIssueUrl, parseRepoUrl } from "../shared/issue-url.ts";
import type { WorkerConfig } from "./config.ts";
import type { GitContext } from "./git.ts";
import type { GitHub, RepoRef } from "./github.ts";

/** What every command gets from the CLI entry. */
export interface WorkerContext {
  config: WorkerConfig;
  github: GitHub;
  logger: Logger;
  /** The directory relative paths given on the command line are taken from. */
  cwd: string;
  /** Writes one line to stdout. */
  print: (line: string) => void;
}

export function gitContext(config: WorkerConfig): GitContext {
  return { env: config.baseEnv };
}

export function branchForIssue(number: number): string {
  return `autofix/issue-${number}`;
}

export function parseIssueArg(config: WorkerConfig, input: string): IssueRef {
  const parsed = parseIssueUrl(input, config.webHost);
  if (!parsed.ok) throw new InputError(`--issue ${JSON.stringify(input)}: ${parsed.reason}`);
  return parsed.issue;
}

export function parseRepoArg(config: WorkerConfig, input: string): RepoRef {
  const parsed = parseRepoUrl(input, config.webHost, true);
  if (!parsed.ok) throw new InputError(`--repo ${JSON.stringify(input)}: ${parsed.reason}`);
  return { owner: parsed.repo.owner, repo: parsed.repo.repo };
}

/** A private temp directory, removed (with everything in it) when `use` settles. */
export async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "autofix-"));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

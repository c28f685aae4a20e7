import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ConfigError, InputError } from "../errors.ts";
import { parseRepoArg, type WorkerContext } from "./context.ts";
import type { IssueRef } from "./github.ts";
import { kestraOutputsLine } from "./report.ts";

// `autofix file-issue`: files an issue written in Slack (the bot's file-issue flow). The only
// worker command that writes issues, with a token that may (Issues: write), which the flow takes
// from Kestra's secrets.

/** GitHub's limits: a title of 256 characters, a body of 65,536. */
export const MAX_TITLE = 256;
export const MAX_BODY = 65_536;

export interface FileIssueOptions {
  repoUrl: string;
  title: string;
  bodyFile: string;
}

export async function fileIssue(ctx: WorkerContext, opts: FileIssueOptions): Promise<IssueRef> {
  if (!ctx.config.githubWriteToken) {
    throw new ConfigError([
      "GITHUB_TOKEN is required to file an issue: give the file-issue task a token with Issues: write (Kestra secret GITHUB_PR_TOKEN)",
    ]);
  }
  const repo = parseRepoArg(ctx.config, opts.repoUrl);
  const title = opts.title.replace(/\s+/g, " ").trim();
  if (title === "") throw new InputError("--title is empty: an issue needs a title");
  if (title.length > MAX_TITLE) {
    throw new InputError(`--title is ${title.length} characters long; GitHub takes ${MAX_TITLE}`);
  }
  const body = await readFile(resolve(ctx.cwd, opts.bodyFile), "utf8").catch((err: unknown) => {
    throw new InputError(
      `--body-file ${JSON.stringify(opts.bodyFile)} cannot be read: ${(err as Error).message}`,
    );
  });
  if (body.length > MAX_BODY) {
    throw new InputError(`--body-file holds ${body.length} characters; GitHub takes ${MAX_BODY}`);
  }
  const issue = await ctx.github.createIssue(repo, { title, body });
  ctx.logger.info({ repo: `${repo.owner}/${repo.repo}`, number: issue.number }, "issue filed");
  return issue;
}

export function printIssue(ctx: WorkerContext, issue: IssueRef): void {
  ctx.print(issue.url);
  ctx.print(kestraOutputsLine({ issue_url: issue.url, issue_number: issue.number }));
}

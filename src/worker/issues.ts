import { branchForIssue, parseRepoArg, type WorkerContext } from "./context.ts";
import type { IssueSummary } from "./github.ts";

// `autofix issues`: the open issues a batch run should fix.

export const MAX_ISSUES = 100;

export interface IssuesOptions {
  repoUrl: string;
  labels: string[];
  max: number;
  skipExisting: boolean;
}

export async function listFixableIssues(
  ctx: WorkerContext,
  opts: IssuesOptions,
): Promise<IssueSummary[]> {
  const repo = parseRepoArg(ctx.config, opts.repoUrl);
  const keep = opts.skipExisting
    ? async (issue: IssueSummary) =>
        (await ctx.github.openPullFromBranch(repo, branchForIssue(issue.number))) === undefined
    : undefined;
  return ctx.github.openIssues(repo, opts.labels, opts.max, keep);
}

import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { branchForIssue, parseRepoArg, type WorkerContext } from "./context.ts";
import type { IssueSummary } from "./github.ts";

// `autofix issues`: the open issues a batch run should fix, and (optionally) the ones it leaves out.

export const MAX_ISSUES = 100;
/** How many issues beyond --max are listed as skipped before reading stops. */
export const MAX_OVER_MAX_LISTED = 100;

export type SkipReason = "open_pr" | "over_max";

export interface SkippedIssue extends IssueSummary {
  reason: SkipReason;
  /** open_pr: the pull request that caused the skip. */
  prUrl?: string;
}

export interface IssuesOptions {
  repoUrl: string;
  labels: string[];
  max: number;
  skipExisting: boolean;
  /** Collect the skipped issues (reading past --max to list them), for --skipped-out. */
  collectSkipped?: boolean;
}

export interface IssuesOutcome {
  issues: IssueSummary[];
  skipped: SkippedIssue[];
}

export async function listFixableIssues(
  ctx: WorkerContext,
  opts: IssuesOptions,
): Promise<IssuesOutcome> {
  const repo = parseRepoArg(ctx.config, opts.repoUrl);
  const issues: IssueSummary[] = [];
  const skipped: SkippedIssue[] = [];
  let overMax = 0;
  for await (const issue of ctx.github.openIssueStream(repo, opts.labels, opts.max)) {
    if (issues.length >= opts.max) {
      // Without --skipped-out nobody needs the rest: stop before reading another page.
      if (!opts.collectSkipped || overMax >= MAX_OVER_MAX_LISTED) break;
      skipped.push({ ...issue, reason: "over_max" });
      overMax++;
      continue;
    }
    const open = opts.skipExisting
      ? await ctx.github.openPullFromBranch(repo, branchForIssue(issue.number))
      : undefined;
    if (open) {
      if (opts.collectSkipped) skipped.push({ ...issue, reason: "open_pr", prUrl: open.url });
      continue;
    }
    issues.push(issue);
    if (issues.length >= opts.max && !opts.collectSkipped) break;
  }
  return { issues, skipped };
}

/** Writes the skipped issues as a JSON array of {number, title, url, reason, prUrl?}. */
export async function writeSkipped(
  ctx: WorkerContext,
  file: string,
  skipped: SkippedIssue[],
): Promise<void> {
  await writeFile(resolve(ctx.cwd, file), `${JSON.stringify(skipped)}\n`);
}

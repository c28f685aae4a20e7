import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { InputError, UpstreamError } from "../errors.ts";
import type { IssueRef } from "../shared/issue-url.ts";
import { cloneUrl, requireToken } from "./config.ts";
import {
  branchForIssue,
  gitContext,
  parseIssueArg,
  parseRepoArg,
  type WorkerContext,
  withTempDir,
} from "./context.ts";
import { applyPatch, commitAll, pushBranch, shallowClone } from "./git.ts";
import type { PullRequestRef, RepoRef } from "./github.ts";
import { kestraOutputsLine } from "./report.ts";

// Opening the fix PR: branch autofix/issue-<n>, one commit, push, PR. Idempotent: an open PR
// from that branch is returned as it is, without pushing.

export const MAX_TITLE = 250;
/** GitHub refuses PR bodies over 65536 characters. */
export const MAX_BODY = 60_000;

export interface PublishedPr extends PullRequestRef {
  /** False when an open PR from the branch already existed. */
  created: boolean;
}

export function prTitle(issue: { number: number; title: string }): string {
  const title = `Fix #${issue.number}: ${issue.title.replace(/\s+/g, " ").trim()}`;
  return title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 1)}…` : title;
}

export function prBody(issue: IssueRef, target: RepoRef, summary: string | undefined): string {
  const sameRepo = issue.owner === target.owner && issue.repo === target.repo;
  const ref = sameRepo ? `#${issue.number}` : `${issue.owner}/${issue.repo}#${issue.number}`;
  const body = summary?.trim() ? `Fixes ${ref}\n\n${summary.trim()}\n` : `Fixes ${ref}\n`;
  return body.length > MAX_BODY ? `${body.slice(0, MAX_BODY - 1)}…` : body;
}

export function printPr(ctx: WorkerContext, pr: PublishedPr): void {
  ctx.print(pr.url);
  ctx.print(kestraOutputsLine({ pr_url: pr.url, pr_number: pr.number, pr_created: pr.created }));
}

export interface PublishRequest {
  issue: IssueRef;
  target: RepoRef;
  /** Applied as it is: bytes, not text, so a file in any encoding survives. */
  patch: Buffer;
  summary: string | undefined;
  draft: boolean;
}

/**
 * Applies the patch to a fresh clone (never the agent's workspace: the agent could have planted
 * hooks or git config there), commits it on autofix/issue-<n>, pushes and opens the PR, unless an
 * open PR from that branch exists. The token reaches git only for the push.
 */
export async function publishPatch(ctx: WorkerContext, req: PublishRequest): Promise<PublishedPr> {
  const token = requireToken(ctx.config, "open a pull request");
  const branch = branchForIssue(req.issue.number);
  const existing = await ctx.github.openPullFromBranch(req.target, branch);
  if (existing) return { ...existing, created: false };

  const details = await ctx.github.issue(req.issue);
  const repo = await ctx.github.repo(req.target);
  const git = gitContext(ctx.config);
  const url = cloneUrl(ctx.config, req.target.owner, req.target.repo);
  return withTempDir(async (tmp) => {
    const dir = join(tmp, req.target.repo);
    await shallowClone(git, {
      url,
      dir,
      branch: repo.defaultBranch,
      ...(repo.private ? { token } : {}),
    });
    if (!(await applyPatch(git, dir, req.patch))) {
      throw new UpstreamError(
        "git",
        "conflict",
        `the patch no longer applies to ${repo.defaultBranch}`,
      );
    }
    const title = prTitle({ number: req.issue.number, title: details.title });
    await commitAll(git, dir, { branch, message: `${title}\n`, author: ctx.config.author });
    await pushBranch(git, dir, { url, branch, token });
    const pr = await ctx.github.createPull(req.target, {
      title,
      body: prBody(req.issue, req.target, req.summary),
      head: branch,
      base: repo.defaultBranch,
      draft: req.draft,
    });
    return { ...pr, created: true };
  });
}

export interface PrOptions {
  issueUrl: string;
  repoUrl: string | undefined;
  patchFile: string;
  summaryFile: string | undefined;
  draft: boolean;
}

/** `autofix pr`: opens the PR for a patch made by `autofix fix`. */
export async function openPrFromFiles(ctx: WorkerContext, opts: PrOptions): Promise<PublishedPr> {
  const { issue, target } = issueArgs(ctx, opts);
  requireToken(ctx.config, "open a pull request");
  const { patch, summary } = await patchArgs(ctx, opts);
  return publishPatch(ctx, { issue, target, patch, summary, draft: opts.draft });
}

/** --issue, and --repo when the issue lives in another repository than the code. */
export function issueArgs(
  ctx: WorkerContext,
  opts: { issueUrl: string; repoUrl: string | undefined },
): { issue: IssueRef; target: RepoRef } {
  const issue = parseIssueArg(ctx.config, opts.issueUrl);
  return { issue, target: opts.repoUrl ? parseRepoArg(ctx.config, opts.repoUrl) : issue };
}

/** --patch (refused when empty) and --summary, as `autofix fix` wrote them. */
export async function patchArgs(
  ctx: WorkerContext,
  opts: { patchFile: string; summaryFile: string | undefined },
): Promise<{ patch: Buffer; summary: string | undefined }> {
  const patch = await readInput(ctx.cwd, opts.patchFile, "--patch");
  if (patch.toString("utf8").trim() === "")
    throw new InputError(`--patch ${opts.patchFile}: the patch is empty`);
  const summary =
    opts.summaryFile === undefined
      ? undefined
      : (await readInput(ctx.cwd, opts.summaryFile, "--summary")).toString("utf8");
  return { patch, summary };
}

export async function readInput(cwd: string, path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(resolve(cwd, path));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === "ENOENT" ? "no such file" : String(code ?? err);
    throw new InputError(`${flag} ${path}: cannot read the file (${why})`);
  }
}

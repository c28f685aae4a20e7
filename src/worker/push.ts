import { join } from "node:path";
import { UpstreamError } from "../errors.ts";
import { cloneUrl, requireToken } from "./config.ts";
import { gitContext, type WorkerContext, withTempDir } from "./context.ts";
import { applyPatch, commitAll, headCommit, pushFastForward, shallowClone } from "./git.ts";
import { openPrHead } from "./pr-head.ts";
import { issueArgs, patchArgs } from "./publish.ts";
import { kestraOutputsLine } from "./report.ts";

// `autofix push`: a follow-up's patch (Fix the failing checks, Address the review) committed on top
// of the open PR's branch and pushed there, without force and without a new PR. The only command
// besides `pr` that uses the write token, and create_pr is the only task that runs it.

export interface PushOptions {
  issueUrl: string;
  repoUrl: string | undefined;
  pr: number;
  patchFile: string;
  summaryFile: string | undefined;
  /** The branch head the patch was made on; a branch that moved since is rebased onto. */
  baseSha: string | undefined;
}

export interface PushedCommit {
  prUrl: string;
  prNumber: number;
  sha: string;
  /** The branch had moved since the patch was made: the patch went onto its new head. */
  rebased: boolean;
}

export async function pushToPr(ctx: WorkerContext, opts: PushOptions): Promise<PushedCommit> {
  const token = requireToken(ctx.config, "push to the pull request's branch");
  const { issue, target } = issueArgs(ctx, opts);
  const read = await patchArgs(ctx, opts);
  const { patch } = read;
  const summary = read.summary?.trim() ?? "";
  const name = `PR #${opts.pr}`;
  const { pull, head, fork } = await openPrHead(ctx, target, opts.pr, {
    closed: ": nothing was pushed",
    forkGone: ": nothing was pushed",
  });
  const repo = await ctx.github.repo(head);
  if (fork && !repo.canPush && !pull.maintainerCanModify) {
    throw new UpstreamError(
      "github",
      "unauthorized",
      `${name}'s branch is on the fork ${head.owner}/${head.repo}, which the PR token cannot push to and which does not allow edits from maintainers: nothing was pushed`,
    );
  }
  const git = gitContext(ctx.config);
  const url = cloneUrl(ctx.config, head.owner, head.repo);
  const branch = pull.headRef;
  return withTempDir(async (tmp) => {
    const dir = join(tmp, head.repo);
    await shallowClone(git, { url, dir, branch, ...(repo.private ? { token } : {}) });
    const now = await headCommit(git, dir);
    const rebased = opts.baseSha !== undefined && opts.baseSha !== now;
    if (!(await applyPatch(git, dir, patch))) {
      throw new UpstreamError(
        "git",
        "conflict",
        rebased
          ? `the branch ${branch} moved since the patch was made (from ${short(opts.baseSha)} to ${short(now)}) and the patch does not apply on top of it: nothing was pushed; run the fix again`
          : `the patch does not apply to ${branch} at ${short(now)}: nothing was pushed`,
      );
    }
    const title = `Follow-up fix for #${issue.number} on ${name}`;
    await commitAll(git, dir, {
      branch,
      message: summary ? `${title}\n\n${summary}\n` : `${title}\n`,
      author: ctx.config.author,
    });
    if (!(await pushFastForward(git, dir, { url, branch, token }))) {
      throw new UpstreamError(
        "git",
        "conflict",
        `the branch ${branch} moved while the commit was being pushed: nothing was pushed; run the fix again`,
      );
    }
    const sha = await headCommit(git, dir);
    ctx.logger.info({ pr: opts.pr, branch, sha, rebased }, "pushed to the PR's branch");
    return { prUrl: pull.url, prNumber: pull.number, sha, rebased };
  });
}

export function printPushed(ctx: WorkerContext, pushed: PushedCommit): void {
  ctx.print(pushed.prUrl);
  ctx.print(
    kestraOutputsLine({
      pr_url: pushed.prUrl,
      pr_number: pushed.prNumber,
      pr_created: false,
      pushed_sha: pushed.sha,
      rebased: pushed.rebased,
    }),
  );
}

function short(sha: string | undefined): string {
  return (sha ?? "?").slice(0, 7);
}

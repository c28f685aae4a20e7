import { UpstreamError } from "../errors.ts";
import type { WorkerContext } from "./context.ts";
import type { PullDetails, RepoRef } from "./github.ts";

/**
 * An open PR and the repository of its branch (a fork's, if any), for `fix --pr` and `push`.
 * Refused when the PR is not open or its fork is gone; `consequence` ends those messages.
 */
export async function openPrHead(
  ctx: WorkerContext,
  target: RepoRef,
  pr: number,
  consequence: { closed: string; forkGone: string },
): Promise<{ pull: PullDetails; head: RepoRef; fork: boolean }> {
  const pull = await ctx.github.pull(target, pr);
  if (pull.state !== "open") {
    throw new UpstreamError(
      "github",
      "conflict",
      `PR #${pr} is ${pull.state}${consequence.closed}`,
    );
  }
  const head = pull.headRepo;
  if (!head) {
    throw new UpstreamError(
      "github",
      "conflict",
      `PR #${pr}'s branch was on a fork that no longer exists${consequence.forkGone}`,
    );
  }
  const fork =
    head.owner.toLowerCase() !== target.owner.toLowerCase() ||
    head.repo.toLowerCase() !== target.repo.toLowerCase();
  return { pull, head, fork };
}

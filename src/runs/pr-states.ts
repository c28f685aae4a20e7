import type { EtagStore } from "../github/conditional.ts";
import type { GitHubOctokit } from "../github/octokit.ts";
import { readPull } from "../github/pulls.ts";
import type { Logger } from "../logger.ts";
import { pullRefOf } from "../shared/pr-url.ts";
import type { PrState } from "../shared/run-status.ts";
import { PR_KEYS } from "./pr-events.ts";
import type { FollowStore } from "./pr-follow-store.ts";
import type { RunRecord } from "./record.ts";

/**
 * What became of a run's PR, for its status: the PR follower's last look while the PR is followed
 * (every replica sees the same); once it ended and was dropped from the list, what the run's
 * thread says (the end was said there, and the root or digest showed it); for a PR no longer
 * followed, GitHub itself when the caller knows the link (the App Home, /autofix status), asked
 * conditionally.
 */
export class PrStates {
  private readonly d: {
    store: FollowStore;
    github: GitHubOctokit;
    etags: EtagStore;
    logger: Logger;
  };

  constructor(deps: PrStates["d"]) {
    this.d = deps;
  }

  async of(run: string, prUrl?: string, record?: RunRecord): Promise<PrState | undefined> {
    const followed = await this.d.store.byRun(run);
    if (followed && followed.state !== "unfollowed") return followed.state;
    const said = record && saidEnd(record);
    if (said) return said;
    const ref = prUrl ? pullRefOf(prUrl) : undefined;
    if (!ref) return undefined;
    try {
      return (await readPull(this.d.github, this.d.etags, ref)).state;
    } catch (err) {
      this.d.logger.warn({ err, prUrl }, "cannot read a PR's state; shown as opened");
      return undefined;
    }
  }
}

/**
 * The end of the run's PR as its thread has it: the follower's note (said by the run that opened
 * the PR), or the root that showed it (a follow-up run's, once the root follows it).
 */
export function saidEnd(record: RunRecord): PrState | undefined {
  for (const state of ["merged", "closed"] as const) {
    if (record.has(PR_KEYS.end(state))) return state;
  }
  if (record.status === "pr_merged") return "merged";
  if (record.status === "pr_closed") return "closed";
  return undefined;
}

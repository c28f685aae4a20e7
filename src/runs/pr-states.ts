import type { EtagStore } from "../github/conditional.ts";
import type { GitHubOctokit } from "../github/octokit.ts";
import { readPull } from "../github/pulls.ts";
import type { Logger } from "../logger.ts";
import { pullRefOf } from "../shared/pr-url.ts";
import type { PrState } from "../shared/run-status.ts";
import type { FollowStore } from "./pr-follow-store.ts";

/**
 * What became of a run's PR, for its status: the PR follower's last look while the PR is followed
 * (every replica sees the same); for a PR no longer followed, GitHub itself when the caller knows
 * the link (the App Home), asked conditionally.
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

  async of(run: string, prUrl?: string): Promise<PrState | undefined> {
    const followed = await this.d.store.byRun(run);
    if (followed && followed.state !== "unfollowed") return followed.state;
    const ref = prUrl ? pullRefOf(prUrl) : undefined;
    if (!ref) return undefined;
    try {
      return (await readPull(this.d.github, this.d.etags, ref)).value.state;
    } catch (err) {
      this.d.logger.warn({ err, prUrl }, "cannot read a PR's state; shown as opened");
      return undefined;
    }
  }
}

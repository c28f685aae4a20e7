import { pullRefOf } from "../shared/pr-url.ts";
import { hasPr } from "../shared/run-status.ts";
import { PR_KEYS } from "./pr-events.ts";
import type { FollowStore } from "./pr-follow-store.ts";
import { pushesTo } from "./pr-run.ts";
import type { RunState } from "./thread-sync.ts";

/** Once a run's PR is open (or a follow-up pushed to it), the PR is followed (PrFollower). */
export class PrTracking {
  private readonly store: FollowStore;
  private readonly enabled: boolean;
  private readonly now: () => number;

  constructor(deps: { store: FollowStore; enabled: boolean; now?: (() => number) | undefined }) {
    this.store = deps.store;
    this.enabled = deps.enabled;
    this.now = deps.now ?? Date.now;
  }

  /** After a sync; cheap when the PR is already followed with this run. */
  async track(state: RunState): Promise<void> {
    const prUrl = state.record.prUrl;
    if (!this.enabled || !prUrl || !hasPr(state.view.status)) return;
    const known = await this.store.get(prUrl);
    if (known?.runs.includes(state.execution.id)) return;
    // Not followed (any more): the PR ended and its entry was dropped, or following stopped. A
    // run synced again later (a restart's catch-up) does not start it over.
    if (!known && (pushesTo(state.execution) !== undefined || followingEnded(state))) return;
    const ref = pullRefOf(prUrl);
    if (!ref) return;
    await this.store.track({
      prUrl,
      repo: `${ref.owner}/${ref.repo}`,
      number: ref.number,
      run: state.execution.id,
      runs: [state.execution.id],
      channel: state.ctx.channel,
      rootTs: state.ctx.rootTs,
      ...(state.ctx.threadTs ? { threadTs: state.ctx.threadTs } : {}),
      requester: state.ctx.user,
      slug: state.ctx.slug,
      ...(state.ctx.batch ? { batch: state.ctx.batch } : {}),
      since: this.now(),
      state: "open",
    });
  }
}

/** The run's thread says its PR ended, or that following it stopped. */
function followingEnded(state: RunState): boolean {
  const { record, view } = state;
  if (view.status !== "pr_opened") return true;
  return (
    record.has(PR_KEYS.unfollowed) ||
    record.has(PR_KEYS.unreadable("not_found")) ||
    record.has(PR_KEYS.end("merged")) ||
    record.has(PR_KEYS.end("closed"))
  );
}

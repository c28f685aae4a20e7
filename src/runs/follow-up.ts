import { LABELS, SINGLE_INPUTS } from "../contracts/flow.ts";
import { InputError, NotAuthorizedError } from "../errors.ts";
import type { EtagStore } from "../github/conditional.ts";
import type { GitHubOctokit } from "../github/octokit.ts";
import {
  type PullInfo,
  type PullRef,
  readCheckRuns,
  readPull,
  readReviews,
} from "../github/pulls.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { pullRefOf } from "../shared/pr-url.ts";
import type { Approvers } from "../slack/approvers.ts";
import { followUpNote } from "../slack/blocks/pr-notes.ts";
import type { SlackThreads, ThreadRef } from "../slack/thread.ts";
import { type ButtonPlace, type ClickedRun, clickedRun } from "./clicked-run.ts";
import { contextOf } from "./context.ts";
import type { ClickOutcome } from "./decisions.ts";
import type { RunLock } from "./lock.ts";
import { followUpRef, isFailing, PR_KEYS } from "./pr-events.ts";
import { checksFeedback, reviewFeedback } from "./pr-feedback.ts";
import type { FollowedPr, FollowStore } from "./pr-follow-store.ts";
import { saidEnd } from "./pr-states.ts";
import type { RunRecords } from "./record.ts";
import type { RunStarter } from "./starter.ts";
import { thread } from "./thread-sync.ts";

// Fix what failed on a followed PR: Fix the failing checks (the failed checks' names and the end
// of their logs) or Address the review (its words and comments) starts a run of the issue in the
// PR's thread whose commit goes on top of the PR's branch (`pr_number`), not into a new PR. It
// waits for Approve like any patch unless the channel pushes without approval; only the flow's
// create_pr task holds the token that pushes.

export type FollowUpKind = "checks" | "review";

export interface FollowUpDeps {
  kestra: KestraClient;
  store: FollowStore;
  github: GitHubOctokit;
  etags: EtagStore;
  records: RunRecords;
  threads: SlackThreads;
  lock: RunLock;
  settings: SettingsStore;
  approvers: Approvers;
  starter: RunStarter;
  logger: Logger;
}

export class FollowUps {
  private readonly d: FollowUpDeps;
  constructor(deps: FollowUpDeps) {
    this.d = deps;
  }

  /** A button under a red checks reply or a changes-requested reply (the value names the run). */
  async fromButton(
    place: ButtonPlace,
    user: string,
    kind: FollowUpKind,
    reviewId?: number,
  ): Promise<ClickOutcome> {
    return this.request(await clickedRun(this.d, place, false), user, kind, reviewId);
  }

  /**
   * The hook for a request typed in a PR's thread (`@autofix fix CI` once mentions exist): the
   * open PR the bot follows in that thread, then exactly as the buttons.
   */
  async fromThread(t: ThreadRef, user: string, kind: FollowUpKind): Promise<ClickOutcome> {
    const open = (await this.d.store.inThread(t.channel, t.rootTs)).filter(
      (p) => p.state === "open",
    );
    if (open.length === 0) return { code: "no_followed_pr" };
    if (open.length > 1) return { code: "several_followed_prs" };
    const pr = open[0] as FollowedPr;
    const execution = await this.d.kestra.findExecution(pr.run);
    const ctx = execution ? contextOf(execution) : undefined;
    if (!execution || !ctx) return { code: "gone" };
    const policy = await this.d.settings.policy(ctx.channel);
    return this.request({ execution, ctx, policy }, user, kind);
  }

  private async request(
    run: ClickedRun,
    user: string,
    kind: FollowUpKind,
    reviewId?: number,
  ): Promise<ClickOutcome> {
    const { execution, ctx, policy } = run;
    if (!(await this.d.approvers.canOperate(user, ctx.user, policy.approvers))) {
      throw new NotAuthorizedError(
        "Only the requester or an approver can ask for a fix of this pull request.",
      );
    }
    const followed = await this.d.store.byRun(execution.id);
    const ref = followed ? pullRefOf(followed.prUrl) : undefined;
    if (!followed || !ref) {
      // Dropped from the list a while after it ended: its thread still says how it ended.
      const ended = saidEnd(await this.d.records.load(execution.id, thread(ctx)));
      throw new InputError(
        ended
          ? `The pull request of this run was ${ended}: there is nothing to push to.`
          : "The bot does not follow a pull request of this run.",
      );
    }
    const pull = await readPull(this.d.github, this.d.etags, ref);
    pushable(pull);
    const ask = kind === "checks" ? await this.checks(ref, pull) : await this.review(ref, reviewId);
    const key = PR_KEYS.followUp(ask.ref);
    return this.d.lock.run(execution.id, async () => {
      const record = await this.d.records.load(execution.id, thread(ctx));
      if (record.has(key)) return { code: "follow_up_asked" };
      const started = await this.d.starter.followUp(
        execution,
        ctx,
        { [SINGLE_INPUTS.feedback]: ask.feedback, [SINGLE_INPUTS.prNumber]: ref.number },
        { [LABELS.followUp]: ask.ref },
      );
      if (!started.ok) return started.refusal;
      await this.d.store.track({ ...followed, runs: [started.executionId] });
      const note = followUpNote({
        prUrl: followed.prUrl,
        ...(ctx.batch ? { slug: ctx.slug } : {}),
        user,
        kind,
        what: ask.what,
      });
      await this.d.threads.reply(thread(ctx), note, { run: execution.id, key, by: user });
      record.mark(key);
      return undefined;
    });
  }

  private async checks(ref: PullRef, pull: PullInfo) {
    const runs = await readCheckRuns(this.d.github, this.d.etags, ref, pull.headSha);
    const failed = runs.filter(isFailing);
    if (failed.length === 0) {
      const pending = runs.some((r) => r.status !== "completed");
      throw new InputError(
        `No check has failed on the newest commit \`${pull.headSha.slice(0, 7)}\` of PR #${ref.number}${pending ? " (some still run)" : ""}: there is nothing to fix.`,
      );
    }
    return {
      ref: followUpRef("checks", pull.headSha),
      what: failed.map((c) => c.name).join(", "),
      feedback: await checksFeedback(this.d.github, ref, pull, failed, this.d.logger),
    };
  }

  private async review(ref: PullRef, reviewId: number | undefined) {
    const reviews = await readReviews(this.d.github, this.d.etags, ref);
    const review =
      reviewId === undefined
        ? reviews.findLast((r) => r.state === "CHANGES_REQUESTED")
        : reviews.find((r) => r.id === reviewId);
    if (review?.state !== "CHANGES_REQUESTED") {
      throw new InputError(
        `That review of PR #${ref.number} no longer requests changes (dismissed or replaced): there is nothing to address.`,
      );
    }
    return {
      ref: followUpRef("review", review.id),
      what: review.user,
      feedback: await reviewFeedback(this.d.github, ref, review),
    };
  }
}

/** An open PR whose branch the PR token may push to; said plainly when it cannot. */
function pushable(pull: PullInfo): void {
  if (pull.state !== "open") {
    throw new InputError(`PR #${pull.number} is ${pull.state}: there is nothing to push to.`);
  }
  if (!pull.headRepo) {
    throw new InputError(
      `PR #${pull.number}'s branch was on a fork that no longer exists: nothing can be pushed to it.`,
    );
  }
  if (pull.headRepo.toLowerCase() !== pull.baseRepo.toLowerCase() && !pull.maintainerCanModify) {
    throw new InputError(
      `PR #${pull.number}'s branch is on the fork ${pull.headRepo}, which does not allow edits from maintainers: the PR token cannot push a fix there. Push to it yourself, or ask its owner to allow edits by maintainers.`,
    );
  }
}

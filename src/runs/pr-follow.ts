import { isPermanent, UpstreamError } from "../errors.ts";
import type { EtagStore } from "../github/conditional.ts";
import type { GitHubOctokit } from "../github/octokit.ts";
import {
  type CheckRunInfo,
  type PullInfo,
  readCheckRuns,
  readPull,
  readReviews,
} from "../github/pulls.ts";
import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { pullRefOf } from "../shared/pr-url.ts";
import {
  changesRequestedNote,
  checksFailedNote,
  checksPassedNote,
  checksTimedOutNote,
  prEndNote,
  prUnreadableNote,
  reviewApprovedNote,
  unfollowedNote,
} from "../slack/blocks/pr-notes.ts";
import type { Message } from "../slack/blocks/types.ts";
import type { SlackThreads, ThreadRef } from "../slack/thread.ts";
import type { FailureReporter } from "./failure.ts";
import type { RunLock } from "./lock.ts";
import { checksOutcome, checksSettled, PR_KEYS, type PrEvent, prEvents } from "./pr-events.ts";
import type { FollowedPr, FollowStore } from "./pr-follow-store.ts";
import type { RunRecord, RunRecords } from "./record.ts";
import { every } from "./timer.ts";

// The bot follows the PRs its runs opened: every interval it asks GitHub (conditionally: an
// unchanged PR, check list or review list is a 304, free of the rate limit) about each PR still
// followed, and tells the PR's thread what changed: the checks' outcome on the head commit, the
// reviews that approve or request changes, the merge or the close. It stops at the merge or the
// close, or after `days`. What was told is in the thread (the opener's record), so a restarted
// process or another replica says nothing twice.

export interface PrFollowOptions {
  /** How long a PR is followed; 0: not at all. */
  days: number;
  intervalMs: number;
  /** Checks still running this long after the head commit was first seen are said to hang. */
  checksTimeoutMs: number;
}

export interface PrFollowDeps {
  store: FollowStore;
  github: GitHubOctokit;
  etags: EtagStore;
  records: RunRecords;
  threads: SlackThreads;
  lock: RunLock;
  settings: SettingsStore;
  failures: FailureReporter;
  /** Brings a run's root (or its batch's digest) up to date once its PR merged or closed. */
  sync: (run: string) => Promise<unknown>;
  logger: Logger;
  options: PrFollowOptions;
  now?: () => number;
}

export interface FollowReport {
  followed: number;
  looked: number;
  said: number;
  failed: number;
}

/** GitHub failures in a row that may pass by themselves, before the admins are told. */
const ALERT_AFTER = 5;

export class PrFollower {
  private readonly d: PrFollowDeps;
  private readonly logger: Logger;
  private readonly failing = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<FollowReport> | undefined;

  constructor(deps: PrFollowDeps) {
    this.d = deps;
    this.logger = deps.logger.child({ component: "pr-follow" });
  }

  private get enabled(): boolean {
    return this.d.options.days > 0;
  }

  private now(): number {
    return (this.d.now ?? Date.now)();
  }

  /** One look at every PR still followed; concurrent callers share the pass in progress. */
  runOnce(): Promise<FollowReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  start(): void {
    if (!this.enabled) return;
    this.timer = every(
      this.d.options.intervalMs,
      () => this.runOnce(),
      (err) => this.logger.warn({ err }, "PR follow pass failed"),
    );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async pass(): Promise<FollowReport> {
    const report: FollowReport = { followed: 0, looked: 0, said: 0, failed: 0 };
    if (!this.enabled) return report;
    for (const pr of await this.d.store.open()) {
      report.followed++;
      // Another replica looked at it within this interval: its answer is in the thread.
      if (!(await this.d.store.claim(pr.prUrl, this.d.options.intervalMs * 0.8))) continue;
      report.looked++;
      try {
        report.said += await this.look(pr);
        this.failing.delete(pr.prUrl);
      } catch (err) {
        report.failed++;
        await this.failed(pr, err);
      }
    }
    this.logger.info(report, "PRs followed");
    return report;
  }

  /** Reads the PR and tells its thread what it was not told; returns how many replies. */
  private async look(pr: FollowedPr): Promise<number> {
    const ref = pullRefOf(pr.prUrl);
    if (!ref) return 0;
    const thread = threadOfPr(pr);
    let ended = false;
    const said = await this.d.lock.run(pr.run, async () => {
      const record = await this.d.records.load(pr.run, thread);
      const now = this.now();
      if (now - pr.since > this.d.options.days * 86_400_000) {
        await this.say(
          pr,
          record,
          PR_KEYS.unfollowed,
          unfollowedNote({ ...base(pr), days: this.d.options.days }),
        );
        await this.d.store.update(pr.prUrl, { state: "unfollowed" });
        return 1;
      }
      const { etags, github } = this.d;
      const pull = await readPull(github, etags, ref);
      let seenAt = pr.headSeenAt ?? now;
      if (pull.headSha !== pr.headSha) {
        seenAt = now;
        await this.d.store.update(pr.prUrl, { headSha: pull.headSha, headSeenAt: now });
      }
      const has = (key: string) => record.has(key);
      let runs: CheckRunInfo[] = [];
      let reviews: Awaited<ReturnType<typeof readReviews>> = [];
      if (pull.state === "open") {
        if (!checksSettled(pull.headSha, has)) {
          runs = await readCheckRuns(github, etags, ref, pull.headSha);
        }
        reviews = await readReviews(github, etags, ref);
      }
      const checks = checksOutcome(runs, pull.headSha, {
        seenAt,
        now,
        timeoutMs: this.d.options.checksTimeoutMs,
      });
      const events = prEvents({ pull, checks, reviews, said: has });
      for (const event of events) {
        await this.say(pr, record, event.key, await this.message(pr, pull, event));
      }
      if (pull.state !== "open") {
        await this.d.store.update(pr.prUrl, { state: pull.state });
        ended = true;
      }
      return events.length;
    });
    // The roots (or the digest) say merged or closed: every run of the PR derives it again.
    if (ended) for (const run of pr.runs) await this.d.sync(run);
    return said;
  }

  private async message(pr: FollowedPr, pull: PullInfo, event: PrEvent): Promise<Message> {
    const b = base(pr);
    if (event.kind === "end") {
      return prEndNote({ ...b, state: event.state, by: event.by, requester: pr.requester });
    }
    if (event.kind === "review") {
      const r = event.review;
      if (r.state === "APPROVED") return reviewApprovedNote({ ...b, user: r.user, url: r.url });
      return changesRequestedNote({
        ...b,
        ...(await this.whoActs(pr)),
        user: r.user,
        url: r.url || pull.url,
        body: r.body,
        value: `${pr.run}:${r.id}`,
      });
    }
    const o = event.outcome;
    if (o.verdict === "passed") return checksPassedNote({ ...b, sha: o.sha, total: o.total });
    if (o.verdict === "timeout") {
      return checksTimedOutNote({
        ...b,
        sha: o.sha,
        pending: o.pending.map((c) => c.name),
        minutes: Math.round(this.d.options.checksTimeoutMs / 60_000),
        requester: pr.requester,
      });
    }
    return checksFailedNote({
      ...b,
      ...(await this.whoActs(pr)),
      sha: o.sha,
      total: o.total,
      failed: o.failed.map((c) => ({ name: c.name, url: c.url, conclusion: c.conclusion })),
      run: pr.run,
    });
  }

  private async whoActs(pr: FollowedPr) {
    const policy = await this.d.settings.policyOrDefaults(pr.channel);
    return { requester: pr.requester, approvers: policy.approvers };
  }

  private async say(pr: FollowedPr, record: RunRecord, key: string, message: Message) {
    if (record.has(key)) return;
    await this.d.threads.reply(threadOfPr(pr), message, {
      run: pr.run,
      key,
    });
    record.mark(key);
  }

  /**
   * A PR GitHub no longer shows (404) is said in its thread and no longer followed; a refused
   * token is said once and tried again; a passing failure is tried again, and the admins hear of
   * it after a few in a row.
   */
  private async failed(pr: FollowedPr, err: unknown): Promise<void> {
    const n = (this.failing.get(pr.prUrl) ?? 0) + 1;
    this.failing.set(pr.prUrl, n);
    this.logger.warn({ err, pr: pr.prUrl, failures: n }, "cannot follow a PR");
    const detail = err instanceof Error ? err.message : String(err);
    if (err instanceof UpstreamError && err.service === "github" && isPermanent(err)) {
      const gone = err.kind === "not_found";
      const reason = gone
        ? "GitHub answers 404 (the PR or its repository is gone, or the bot's read token cannot see it)"
        : `GitHub refuses the bot's read token (${err.status ?? err.kind})`;
      await this.d.lock
        .run(pr.run, async () => {
          const record = await this.d.records.load(pr.run, threadOfPr(pr));
          await this.say(
            pr,
            record,
            PR_KEYS.unreadable(err.kind),
            prUnreadableNote({ ...base(pr), reason, stopped: gone }),
          );
        })
        .catch((e: unknown) => this.logger.error({ err: e }, "cannot tell the thread"));
      if (gone) await this.d.store.update(pr.prUrl, { state: "unfollowed" });
      await this.d.failures.adminAlert(
        `pr-follow:${err.kind}:${pr.prUrl}`,
        `the bot cannot follow ${pr.prUrl}`,
        detail,
      );
      return;
    }
    if (n === ALERT_AFTER) {
      await this.d.failures.adminAlert(
        `pr-follow:failing:${pr.prUrl}`,
        `following ${pr.prUrl} has failed ${n} times in a row; the bot keeps trying`,
        detail,
      );
    }
  }
}

function base(pr: FollowedPr) {
  return { prUrl: pr.prUrl, ...(pr.batch ? { slug: pr.slug } : {}) };
}

/** The thread of the run that opened the PR. */
function threadOfPr(pr: FollowedPr): ThreadRef {
  return { channel: pr.channel, rootTs: pr.rootTs, threadTs: pr.threadTs };
}

import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { type FailureInput, failureAlert, failureReply } from "../slack/blocks/failure-message.ts";
import type { PostMeta, SlackThreads, ThreadRef } from "../slack/thread.ts";

// The one failure report: an alert in the alerts channel with a link to the run's thread, then a
// reply in the thread (when there is one). The alert is best effort: an alerts channel the bot
// cannot post in must not make the thread repeat itself. Both are posted once: the thread reply
// carries the report's identity, so a report found there is done; the alert goes first and
// carries that identity too, so a report cut off in between (the bot killed) finds its alert in
// the alerts channel instead of posting it again, and is never left without one.

/** A run (or batch) that never started: nothing ran, so no execution and no log. */
export function startFailure(
  slug: string,
  requester: string,
  reason: string,
  retryIssueUrl?: string,
): FailureInput {
  return {
    slug,
    executionId: undefined,
    failedTask: "start",
    reason,
    logExcerpt: undefined,
    kestraUrl: undefined,
    requester,
    ...(retryIssueUrl ? { retryIssueUrl } : {}),
  };
}

export interface FailureReport {
  failure: FailureInput;
  /** The run's channel: its settings name the alerts channel (the environment's when unreadable). */
  channel: string;
  thread: ThreadRef | undefined;
  /** The reply's identity in the thread, so that it is posted once. */
  meta?: PostMeta;
}

export class FailureReporter {
  private readonly threads: SlackThreads;
  private readonly settings: SettingsStore;
  private readonly logger: Logger;

  constructor(deps: { threads: SlackThreads; settings: SettingsStore; logger: Logger }) {
    this.threads = deps.threads;
    this.settings = deps.settings;
    this.logger = deps.logger;
  }

  /** The thread reply throws when it fails (the caller tries again); the alert never does. */
  async report(r: FailureReport): Promise<void> {
    await this.alert(r);
    if (r.thread) await this.threads.reply(r.thread, failureReply(r.failure), r.meta);
  }

  async alert(r: FailureReport): Promise<void> {
    try {
      const { alertChannel } = await this.settings.policyOrDefaults(r.channel);
      if (!alertChannel) return;
      const meta = r.meta ? { run: r.meta.run, key: `alert:${r.meta.key}` } : undefined;
      if (meta && r.thread && (await this.alerted(alertChannel, r.thread, meta))) return;
      const threadLink = r.thread ? await this.threads.permalink(r.thread) : undefined;
      await this.threads.post(
        alertChannel,
        failureAlert({ ...r.failure, ...(threadLink ? { threadLink } : {}) }),
        meta,
      );
    } catch (err) {
      this.logger.error({ err, channel: r.channel }, "cannot post the alert");
    }
  }

  /** The alert of a report cut off before its thread reply; unreadable history means "not yet". */
  private async alerted(channel: string, thread: ThreadRef, meta: PostMeta): Promise<boolean> {
    try {
      return await this.threads.hasPost(channel, thread.rootTs, meta);
    } catch (err) {
      this.logger.warn({ err, channel }, "cannot read the alerts channel; alerting anyway");
      return false;
    }
  }
}

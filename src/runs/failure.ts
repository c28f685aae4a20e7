import { UpstreamError } from "../errors.ts";
import type { LogEntry } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import {
  adminAlert,
  type FailureInput,
  failureAlert,
  failureReply,
  unsyncedAlert,
  unsyncedReply,
} from "../slack/blocks/failure-message.ts";
import type { Message } from "../slack/blocks/types.ts";
import type { PostMeta, SlackThreads, ThreadRef } from "../slack/thread.ts";

// The one failure report: an alert in the alerts channel with a link to the run's thread, then a
// reply in the thread (when there is one). The alert is best effort: an alerts channel the bot
// cannot post in must not make the thread repeat itself. Both are posted once: the thread reply
// carries the report's identity, so a report found there is done; the alert goes first and
// carries that identity too, so a report cut off in between (the bot killed) finds its alert in
// the alerts channel instead of posting it again, and is never left without one.

/**
 * The end of a failure's ERROR lines: the failed step's alone when it has some, without a prefix
 * (the headline names the step); otherwise all of them, each saying its step.
 */
export function logExcerpt(
  logs: LogEntry[],
  step: string | undefined,
  max: number,
): string | undefined {
  const own = step ? logs.filter((l) => l.taskId === step) : [];
  const lines =
    own.length > 0
      ? own.slice(-max).map((l) => l.message ?? "")
      : logs.slice(-max).map((l) => `${l.taskId ?? "-"}: ${l.message ?? ""}`);
  return lines.length > 0 ? lines.join("\n") : undefined;
}

/** A run (or batch) that never started: nothing ran, so no execution and no log. */
export function startFailure(slug: string, requester: string, reason: string): FailureInput {
  return {
    slug,
    executionId: undefined,
    failedTask: "start",
    reason,
    logExcerpt: undefined,
    kestraUrl: undefined,
    requester,
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

const OUTAGE_KINDS = ["unavailable", "unauthorized", "incompatible"] as const;
const OUTAGE_WINDOW_MS = 15 * 60_000;

/** Tells the admins when a person's request failed on a service that is down (FailureReporter.outage). */
export interface Outages {
  outage(err: unknown, what: string): Promise<void>;
}

export interface UnsyncedReport {
  run: string;
  slug: string;
  kestraUrl: string;
  channel: string;
  thread: ThreadRef;
  /** The error, for the admins: it names the route and the server's version. */
  detail: string;
  /** The post's identity: one per run and kind of error. */
  key: string;
}

export class FailureReporter {
  private readonly threads: SlackThreads;
  private readonly settings: SettingsStore;
  private readonly logger: Logger;
  /** Admin alerts and unsynced reports this process already made. */
  private readonly said = new Set<string>();

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
    await this.announce(r.channel, r.thread, r.meta, (threadLink) =>
      failureAlert({ ...r.failure, ...(threadLink ? { threadLink } : {}) }),
    );
  }

  /**
   * A run whose thread cannot be brought up to date until someone fixes something (Kestra answered
   * what the bot cannot use, Slack refuses for good): the admins get the details, the thread a
   * plain note, each once. A thread Slack refuses gets nothing; the alert still goes.
   */
  async unsynced(r: UnsyncedReport): Promise<void> {
    const memo = `${r.run}:${r.key}`;
    if (this.said.has(memo)) return;
    const meta = { run: r.run, key: r.key };
    await this.announce(r.channel, r.thread, meta, (threadLink) =>
      unsyncedAlert({ slug: r.slug, kestraUrl: r.kestraUrl, detail: r.detail, threadLink }),
    );
    this.said.add(memo);
    await this.threads
      .reply(r.thread, unsyncedReply({ slug: r.slug, kestraUrl: r.kestraUrl }), meta)
      .catch((err: unknown) =>
        this.logger.warn({ err, executionId: r.run }, "cannot tell the thread it is stuck"),
      );
  }

  /**
   * A person's request failed because Kestra or the database is down or refuses the bot: the person
   * was told, and the admins hear of it too (once per problem every OUTAGE_WINDOW_MS).
   */
  async outage(err: unknown, what: string): Promise<void> {
    if (!(err instanceof UpstreamError)) return;
    if (!(OUTAGE_KINDS as readonly string[]).includes(err.kind)) return;
    if (err.service !== "kestra" && err.service !== "database") return;
    const window = Math.floor(Date.now() / OUTAGE_WINDOW_MS);
    const who = err.service === "kestra" ? "Kestra" : "PostgreSQL (DATABASE_URL)";
    const how = {
      unavailable: "cannot be reached",
      unauthorized: "refuses the bot's credentials",
      incompatible: "answers in a way the bot cannot use",
    }[err.kind as (typeof OUTAGE_KINDS)[number]];
    await this.adminAlert(
      `outage:${err.code}:${window}`,
      `${who} ${how}: ${what} failed`,
      err.message,
    );
  }

  /** Something the admins must fix, outside any run: the environment's alerts channel, once per key. */
  async adminAlert(key: string, headline: string, detail?: string): Promise<void> {
    this.logger.error({ key, detail }, headline);
    if (this.said.has(key)) return;
    this.said.add(key);
    const channel = this.settings.defaultPolicy.alertChannel;
    if (!channel) return;
    await this.threads
      .post(channel, adminAlert(headline, detail))
      .catch((err: unknown) => this.logger.error({ err, channel }, "cannot post the admin alert"));
  }

  /**
   * The alert of a report, posted once: it carries the report's identity, so a report cut off
   * before its thread reply finds it in the alerts channel instead of posting it again.
   */
  private async announce(
    runChannel: string,
    thread: ThreadRef | undefined,
    postMeta: PostMeta | undefined,
    build: (threadLink: string | undefined) => Message,
  ): Promise<void> {
    try {
      const { alertChannel } = await this.settings.policyOrDefaults(runChannel);
      if (!alertChannel) return;
      const meta = postMeta ? { run: postMeta.run, key: `alert:${postMeta.key}` } : undefined;
      if (meta && thread && (await this.alerted(alertChannel, thread, meta))) return;
      const threadLink = thread ? await this.threads.permalink(thread) : undefined;
      await this.threads.post(alertChannel, build(threadLink), meta);
    } catch (err) {
      this.logger.error({ err, channel: runChannel }, "cannot post the alert");
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

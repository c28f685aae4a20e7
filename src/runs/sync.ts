import type { webApi } from "@slack/bolt";
import { BATCH_FLOW_ID, OUTPUT_FILES, SINGLE_INPUTS } from "../contracts/flow.ts";
import type { Notification } from "../contracts/notification.ts";
import { resultSchema } from "../contracts/result.ts";
import type { KestraClient } from "../kestra/client.ts";
import { type Execution, isTerminal, type LogEntry } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { diffStats } from "../shared/diff-stats.ts";
import type { Approvers } from "../slack/approvers.ts";
import { formatMetrics } from "../slack/blocks/digest-message.ts";
import { failureAlert, failureReply } from "../slack/blocks/failure-message.ts";
import {
  approvalMessage,
  decisionMessage,
  emptyPatchMessage,
  patchComment,
} from "../slack/blocks/patch-message.ts";
import { rootMessage } from "../slack/blocks/root-message.ts";
import { escapeText, link } from "../slack/mrkdwn.ts";
import { contextOf, type RunContext } from "./context.ts";
import type { KeyedLock } from "./keyed-lock.ts";
import type { Links } from "./links.ts";
import type { RunRecord, RunStore } from "./record.ts";
import { deriveView, type RunView, STATUS_TEXT } from "./status.ts";

type WebClient = webApi.WebClient;

/** Slack's snippet limit (files.getUploadURLExternal → snippet_too_large above it). */
export const SNIPPET_MAX_BYTES = 1_000_000;
const LOG_EXCERPT_LINES = 8;

export interface SyncDeps {
  kestra: KestraClient;
  store: RunStore;
  slack: WebClient;
  approvers: Approvers;
  links: Links;
  lock: KeyedLock;
  logger: Logger;
  settings: SettingsStore;
  /** Waits between re-reads while a run that sent its last notifications has not ended yet. */
  settleDelaysMs?: readonly number[];
  /** Batch digests: a batch's runs only schedule a coalesced refresh of its root message. */
  digest?: { schedule(batchId: string): void };
}

export type SyncOutcome = "synced" | "unknown_execution" | "not_a_slack_run";

/** Events a flow sends from its last tasks: the execution ends only after they are delivered. */
const CLOSING_EVENTS: readonly Notification["event"][] = ["pr_created", "finished", "failed"];
const SETTLE_DELAYS_MS = [1000, 2000, 4000, 8000, 15_000, 30_000];

/**
 * Brings a run's Slack thread up to date with its Kestra execution. Idempotent: what was already
 * shown is recorded in the KV store, so duplicate or out-of-order wake-ups post nothing twice.
 */
export class RunSyncer {
  private readonly d: SyncDeps;
  constructor(deps: SyncDeps) {
    this.d = deps;
  }

  private stopping = false;

  sync(executionId: string, hint?: Notification): Promise<SyncOutcome> {
    return this.locked(executionId, hint).then((r) => r.outcome);
  }

  private locked(executionId: string, hint?: Notification) {
    return this.d.lock.run(executionId, () => this.syncLocked(executionId, hint));
  }

  /**
   * Syncs for a notification. The flow notifies from its own tasks, so after its closing events
   * the execution is still RUNNING (or in its errors branch): re-read until it has ended, so the
   * final state reaches Slack now rather than at the next reconcile.
   */
  async syncNotified(executionId: string, hint: Notification): Promise<void> {
    const first = await this.locked(executionId, hint);
    if (first.ended || first.outcome !== "synced" || !CLOSING_EVENTS.includes(hint.event)) return;
    for (const delay of this.d.settleDelaysMs ?? SETTLE_DELAYS_MS) {
      await new Promise((r) => setTimeout(r, delay));
      if (this.stopping) return;
      const execution = await this.d.kestra.findExecution(executionId);
      if (!execution) return;
      if (isTerminal(execution.state.current)) {
        await this.sync(executionId, hint);
        return;
      }
    }
  }

  /** Ends settle loops early on shutdown; the reconciler catches up after a restart. */
  stop(): void {
    this.stopping = true;
  }

  /** Changes a run's record under the run's lock (Revise marks the run it replaces). */
  async updateRecord(executionId: string, change: (record: RunRecord) => void): Promise<RunRecord> {
    return this.d.lock.run(executionId, async () => {
      const record = await this.d.store.get(executionId);
      change(record);
      await this.d.store.put(executionId, record);
      return record;
    });
  }

  private async syncLocked(
    executionId: string,
    hint?: Notification,
  ): Promise<{ outcome: SyncOutcome; ended: boolean }> {
    const execution = await this.d.kestra.findExecution(executionId);
    if (!execution) return { outcome: "unknown_execution", ended: true };
    const ended = isTerminal(execution.state.current);
    const ctx = contextOf(execution);
    if (!ctx) return { outcome: "not_a_slack_run", ended };
    if (execution.flowId === BATCH_FLOW_ID) {
      this.d.digest?.schedule(execution.id);
      return { outcome: "synced", ended };
    }
    const record = await this.d.store.get(executionId);
    const view = deriveView(execution);
    const run = new RunThread(this.d, execution, ctx, record);
    let saved = JSON.stringify(record);
    // Saved after every step and on failure: what was already posted is never posted again.
    const checkpoint = async () => {
      const now = JSON.stringify(record);
      if (now === saved) return;
      await this.d.store.put(executionId, record);
      saved = now;
    };
    try {
      await this.steps(run, view, record, ctx, hint, checkpoint);
    } finally {
      await checkpoint();
    }
    if (ctx.batch) this.d.digest?.schedule(ctx.batch);
    return { outcome: "synced", ended };
  }

  private async steps(
    run: RunThread,
    view: RunView,
    record: RunRecord,
    ctx: RunContext,
    hint: Notification | undefined,
    checkpoint: () => Promise<void>,
  ): Promise<void> {
    // A batch's runs report into the batch thread; the digest shows their progress.
    if (view.status !== "queued" && !record.started && !ctx.batch) {
      await run.reply(`⚙️ Run started on Kestra (${link(run.kestraUrl, "execution")}).`);
      record.started = true;
      await checkpoint();
    }
    if (view.patchAvailable && !record.patch) {
      await run.postPatch(hint);
      await checkpoint();
    }
    // Once per attempt: a restarted run that pauses again gets fresh buttons.
    const shown = record.patch?.kind === "snippet" || record.patch?.kind === "file";
    if (
      view.approvable &&
      shown &&
      record.patch?.buttonsFor !== record.attempt &&
      !record.decision
    ) {
      await run.postButtons();
      await checkpoint();
    }
    if (record.patch?.buttonsOpen && !view.approvable) {
      await run.closeButtons(view);
      await checkpoint();
    }
    if (view.status === "pr_opened" && !record.prUrl) {
      await run.postPr(view, hint);
      await checkpoint();
    }
    if (view.status === "failed" && record.failureAttempt !== record.attempt) {
      await run.postFailure(view, hint);
      await checkpoint();
    }
    if (
      (view.status === "rejected" || view.status === "expired" || view.status === "cancelled") &&
      record.closedAs !== view.status
    ) {
      await run.reply(`${closingText(view.status, record)}`);
      record.closedAs = view.status;
      await checkpoint();
    }
    if (ctx.batch)
      record.status = view.status; // the batch digest reads it
    else if (!record.revised) await run.updateRoot(view.status);
  }
}

function closingText(status: "rejected" | "expired" | "cancelled", record: RunRecord): string {
  if (status === "rejected") {
    const by = record.decision && !record.decision.approved ? ` by <@${record.decision.by}>` : "";
    return `🚫 Patch rejected${by}. Nothing was pushed.`;
  }
  if (status === "expired")
    return "⌛ Nobody approved the patch in time; the run expired and nothing was pushed.";
  return "⏹️ The run was cancelled.";
}

/** One run's thread: the Slack side effects of a sync, each recorded in the run record. */
class RunThread {
  readonly kestraUrl: string;
  private readonly d: SyncDeps;
  private readonly execution: Execution;
  private readonly ctx: RunContext;
  private readonly record: RunRecord;

  constructor(d: SyncDeps, execution: Execution, ctx: RunContext, record: RunRecord) {
    this.d = d;
    this.execution = execution;
    this.ctx = ctx;
    this.record = record;
    this.kestraUrl = d.links.execution(execution.flowId, execution.id);
  }

  /** A child of a batch: its messages share the batch thread, so they name their issue. */
  get child(): boolean {
    return this.ctx.batch !== undefined;
  }

  get slug(): string {
    return this.ctx.repo && this.ctx.issue
      ? `${this.ctx.repo}#${this.ctx.issue}`
      : this.execution.id;
  }

  get issueUrl(): string {
    const url = this.execution.inputs?.[SINGLE_INPUTS.issueUrl];
    return typeof url === "string" ? url : this.kestraUrl;
  }

  async reply(text: string, blocks?: RootBlocks): Promise<string | undefined> {
    const res = await this.d.slack.chat.postMessage({
      channel: this.ctx.channel,
      thread_ts: this.ctx.rootTs,
      text: this.child && !blocks ? `*${escapeText(this.slug)}*: ${text}` : text,
      ...(blocks ? { blocks } : {}),
      unfurl_links: false,
      unfurl_media: false,
    });
    return res.ts;
  }

  async updateRoot(derived: RunView["status"]): Promise<void> {
    // A patch that could not be fetched is a failure for the person waiting on it.
    const unavailable =
      this.record.patch?.kind === "unavailable" && derived === "awaiting_approval";
    const status = unavailable ? "failed" : derived;
    const message = rootMessage({
      slug: this.slug,
      issueUrl: this.issueUrl,
      title: this.ctx.title,
      requester: this.ctx.user,
      status,
      kestraUrl: this.kestraUrl,
      prUrl: this.record.prUrl,
      note: unavailable ? "The patch could not be downloaded; use Retry in the thread." : undefined,
    });
    if (this.record.rootText === message.text + (this.record.prUrl ?? "")) return;
    await this.d.slack.chat.update({
      channel: this.ctx.channel,
      ts: this.ctx.rootTs,
      text: message.text,
      blocks: message.blocks,
    });
    this.record.status = status;
    this.record.rootText = message.text + (this.record.prUrl ?? "");
  }

  async postPatch(hint: Notification | undefined): Promise<void> {
    const view = deriveView(this.execution);
    const outputs = view.fixTaskRun
      ? await this.d.kestra.taskRunOutputs(this.execution, view.fixTaskRun.id).catch(() => ({}))
      : {};
    const files = (outputs as { outputFiles?: Record<string, unknown> }).outputFiles ?? {};
    const scoped = (uri: unknown): uri is string =>
      typeof uri === "string" && uri.includes(`/executions/${this.execution.id}/`);
    const patchUri = scoped(hint?.patchUri) ? hint.patchUri : files[OUTPUT_FILES.patch];

    let patch: Buffer;
    try {
      if (!scoped(patchUri)) throw new Error("the run has no patch file");
      patch = await this.d.kestra.downloadFile(this.execution.id, patchUri);
    } catch (err) {
      const reason = `The patch could not be downloaded from Kestra: ${err instanceof Error ? err.message : "unknown error"}`;
      const msg = failureReply({
        slug: this.slug,
        executionId: this.execution.id,
        failedTask: "download patch",
        reason,
        logExcerpt: undefined,
        kestraUrl: this.kestraUrl,
        requester: this.ctx.user,
      });
      await this.reply(msg.text, msg.blocks);
      await this.alert(reason, "download patch", undefined);
      this.record.patch = { kind: "unavailable" };
      return;
    }
    const text = patch.toString("utf8");
    if (text.trim().length === 0) {
      const msg = emptyPatchMessage();
      await this.reply(msg.text, msg.blocks);
      this.record.patch = { kind: "empty" };
      return;
    }
    const result = await this.result(files);
    if (result.metrics) this.record.metrics = result.metrics;
    const explanation = hint?.summary ?? result.explanation;
    const comment = patchComment(diffStats(text), explanation, {
      ...(this.record.metrics ? { metrics: formatMetrics(this.record.metrics) } : {}),
      ...(this.child ? { slug: this.slug } : {}),
    });
    const tooLarge = patch.byteLength > SNIPPET_MAX_BYTES;
    const filename = `${this.slug.replace(/[^A-Za-z0-9._-]+/g, "-")}.diff`;
    await this.d.slack.filesUploadV2({
      channel_id: this.ctx.channel,
      thread_ts: this.ctx.rootTs,
      initial_comment: tooLarge
        ? `${comment}\n_The patch is larger than Slack's snippet limit, so it is attached as a file._`
        : comment,
      file: patch,
      filename,
      title: `Patch for ${this.slug}`,
      ...(tooLarge ? {} : { snippet_type: "diff" }),
    });
    this.record.patch = { kind: tooLarge ? "file" : "snippet" };
  }

  /** Approve / Reject / Revise under the patch. */
  async postButtons(): Promise<void> {
    const msg = approvalMessage({
      executionId: this.execution.id,
      kestraUrl: this.kestraUrl,
      requester: this.ctx.user,
      approverHint: this.d.approvers.describe(
        this.ctx.user,
        (await this.d.settings.policyOrDefaults(this.ctx.channel)).approvers,
      ),
    });
    const ts = await this.reply(msg.text, msg.blocks);
    if (!this.record.patch) return;
    this.record.patch = {
      ...this.record.patch,
      ...(ts ? { actionsTs: ts } : {}),
      buttonsOpen: true,
      buttonsFor: this.record.attempt,
    };
  }

  /** The worker's result.json: its explanation, and the time, tokens and cost it reports. */
  private async result(files: Record<string, unknown>): Promise<{
    explanation?: string;
    metrics?: NonNullable<RunRecord["metrics"]>;
  }> {
    const uri = files[OUTPUT_FILES.result];
    if (typeof uri !== "string") return {};
    try {
      const raw = await this.d.kestra.downloadFile(this.execution.id, uri);
      const parsed = resultSchema.safeParse(JSON.parse(raw.toString("utf8")));
      if (!parsed.success) return {};
      const r = parsed.data;
      const tokens =
        r.usage?.inputTokens !== undefined || r.usage?.outputTokens !== undefined
          ? (r.usage.inputTokens ?? 0) + (r.usage.outputTokens ?? 0)
          : undefined;
      return {
        ...(r.explanation ? { explanation: r.explanation } : {}),
        metrics: {
          durationMs: r.durationMs,
          ...(tokens !== undefined ? { tokens } : {}),
          ...(r.usage?.costUsd !== undefined ? { costUsd: r.usage.costUsd } : {}),
        },
      };
    } catch {
      return {};
    }
  }

  /** The run moved on while buttons were still shown (decided in Kestra, expired, failed). */
  async closeButtons(view: RunView): Promise<void> {
    const actionsTs = this.record.patch?.actionsTs;
    if (actionsTs && !this.record.decision) {
      const msg = decisionMessage(
        `Approval closed — the run is now *${STATUS_TEXT[view.status]}*.`,
        this.kestraUrl,
      );
      await this.d.slack.chat.update({ channel: this.ctx.channel, ts: actionsTs, ...msg });
    }
    if (this.record.patch) this.record.patch.buttonsOpen = false;
  }

  async postPr(view: RunView, hint: Notification | undefined): Promise<void> {
    const prUrl = (await this.prUrl(view, hint)) ?? "";
    const text = prUrl
      ? `🎉 <@${this.ctx.user}> pull request opened: ${link(prUrl, prUrl)}`
      : `🎉 <@${this.ctx.user}> pull request opened (see ${link(this.kestraUrl, "the execution")} for its link).`;
    await this.reply(text);
    this.record.prUrl = prUrl || this.kestraUrl;
  }

  private async prUrl(view: RunView, hint: Notification | undefined): Promise<string | undefined> {
    const repo = this.ctx.repo;
    const valid = (u: unknown): u is string =>
      typeof u === "string" &&
      /^https:\/\/[^/\s]+\/[^/\s]+\/[^/\s]+\/pull\/\d+$/.test(u) &&
      (!repo || new URL(u).pathname.startsWith(`/${repo}/pull/`));
    if (valid(hint?.prUrl)) return hint.prUrl;
    if (!view.prTaskRun) return undefined;
    const outputs = await this.d.kestra
      .taskRunOutputs(this.execution, view.prTaskRun.id)
      .catch(() => ({}));
    const vars = (outputs as { vars?: Record<string, unknown> }).vars ?? {};
    return valid(vars["pr_url"]) ? vars["pr_url"] : undefined;
  }

  async postFailure(view: RunView, hint: Notification | undefined): Promise<void> {
    let logs: LogEntry[] = [];
    try {
      logs = await this.d.kestra.errorLogs(this.execution.id, 50);
    } catch (err) {
      this.d.logger.warn({ err, executionId: this.execution.id }, "cannot read error logs");
    }
    const relevant = view.failedTask ? logs.filter((l) => l.taskId === view.failedTask) : logs;
    const lines = (relevant.length > 0 ? relevant : logs)
      .slice(-LOG_EXCERPT_LINES)
      .map((l) => `${l.taskId ?? "-"}: ${l.message ?? ""}`);
    const excerpt = lines.length > 0 ? lines.join("\n") : hint?.error;
    const msg = failureReply({
      slug: this.slug,
      executionId: this.execution.id,
      failedTask: view.failedTask,
      reason: undefined,
      logExcerpt: excerpt,
      kestraUrl: this.kestraUrl,
      requester: this.ctx.user,
    });
    await this.reply(msg.text, msg.blocks);
    this.record.failureAttempt = this.record.attempt;
    await this.alert(undefined, view.failedTask, excerpt);
  }

  private async alert(
    reason: string | undefined,
    failedTask: string | undefined,
    excerpt: string | undefined,
  ): Promise<void> {
    const channel = (await this.d.settings.policyOrDefaults(this.ctx.channel)).alertChannel;
    if (!channel) return;
    let threadLink: string | undefined;
    try {
      const res = await this.d.slack.chat.getPermalink({
        channel: this.ctx.channel,
        message_ts: this.ctx.rootTs,
      });
      threadLink = res.permalink;
    } catch (err) {
      this.d.logger.warn({ err }, "cannot get thread permalink");
    }
    const msg = failureAlert({
      slug: this.slug,
      executionId: this.execution.id,
      failedTask,
      reason,
      logExcerpt: excerpt,
      kestraUrl: this.kestraUrl,
      requester: this.ctx.user,
      ...(threadLink ? { threadLink } : {}),
    });
    // Best effort: an alert channel the bot cannot post in must not make the thread repeat itself.
    await this.d.slack.chat
      .postMessage({ channel, text: msg.text, blocks: msg.blocks, unfurl_links: false })
      .catch((err: unknown) => this.d.logger.error({ err, channel }, "cannot post the alert"));
  }
}

type RootBlocks = ReturnType<typeof rootMessage>["blocks"];

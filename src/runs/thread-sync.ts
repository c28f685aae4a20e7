import { SINGLE_INPUTS } from "../contracts/flow.ts";
import type { Notification } from "../contracts/notification.ts";
import type { Execution, TaskRun } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { diffStats } from "../shared/diff-stats.ts";
import { hasPr } from "../shared/run-status.ts";
import type { Approvers } from "../slack/approvers.ts";
import { formatMetrics } from "../slack/blocks/digest-message.ts";
import {
  approvalMessage,
  approvalPing,
  decisionMessage,
  emptyPatchMessage,
  patchComment,
} from "../slack/blocks/patch-message.ts";
import { rootMessage } from "../slack/blocks/root-message.ts";
import {
  approvalOutcomeText,
  closingNote,
  decidedText,
  prOpenedNote,
} from "../slack/blocks/run-notes.ts";
import type { PostMeta, SlackThreads, ThreadRef } from "../slack/thread.ts";
import type { RunContext } from "./context.ts";
import { type FailureReporter, logExcerpt } from "./failure.ts";
import type { Links } from "./links.ts";
import { inputModel, pushesTo } from "./pr-run.ts";
import type { RunReader } from "./read.ts";
import { KEYS, type RunRecord, renderOf } from "./record.ts";
import { type RunView, startOf } from "./status.ts";

// The steps that bring one run's thread up to date with what Kestra says, each posted at most
// once (RunRecord). They run under the run's lock; a step that cannot read Kestra throws, so the
// whole sync fails and is tried again, and nothing wrong is ever shown for a passing error.

/** Slack's snippet limit (files.getUploadURLExternal → snippet_too_large above it). */
export const SNIPPET_MAX_BYTES = 1_000_000;
const LOG_EXCERPT_LINES = 8;

export interface ThreadSyncDeps {
  reader: RunReader;
  threads: SlackThreads;
  failures: FailureReporter;
  links: Links;
  approvers: Approvers;
  settings: SettingsStore;
  logger: Logger;
  /** A batch (or one of its children) changed: its digest is redrawn. */
  digest?: { schedule(batchId: string): void } | undefined;
}

export interface RunState {
  execution: Execution;
  ctx: RunContext;
  record: RunRecord;
  view: RunView;
  hint?: Notification | undefined;
}

export class ThreadSync {
  private readonly d: ThreadSyncDeps;
  constructor(deps: ThreadSyncDeps) {
    this.d = deps;
  }

  async run(s: RunState): Promise<void> {
    const { view } = s;
    if (view.patchAvailable && view.fix) await this.patch(s, view.fix);
    if (hasPr(view.status) && view.createPr) await this.pr(s, view.createPr);
    if (s.ctx.batch) await this.childButtons(s);
    // A batch child's buttons are a new message that names them; a single run's sit on its root.
    else if (view.approvable && view.fix && patchShown(s) && !s.record.decision) {
      await this.ping(s, view.fix);
    }
    if (view.status === "failed") await this.failure(s);
    if (view.status === "rejected" || view.status === "expired" || view.status === "cancelled") {
      await this.closing(s, view.status);
    }
    if (s.ctx.batch) {
      s.record.status = view.status;
      this.d.digest?.schedule(s.ctx.batch);
    } else {
      await this.root(s);
    }
  }

  /**
   * The run's root: status, links, the buttons while it waits, who decided. An edit to show
   * (queued when Slack's budget is spent), or with `now` made before this returns (a decision).
   */
  async root(s: RunState, now = false): Promise<void> {
    const { record, ctx, view, execution } = s;
    if (!record.ownsRoot && !(await this.tookPlaceOfRoot(s))) return;
    const kestraUrl = this.kestraUrl(execution);
    const approverHint =
      view.approvable && !record.decision && patchShown(s)
        ? await this.approverHint(ctx)
        : undefined;
    const message = rootMessage({
      slug: ctx.slug,
      issueUrl: issueUrlOf(execution, kestraUrl),
      title: ctx.title,
      requester: ctx.user,
      status: view.status,
      // Queued: not picked up yet, so nothing to see in Kestra.
      kestraUrl: view.status === "queued" ? undefined : kestraUrl,
      prUrl: record.prUrl,
      note: undefined,
      approval: approverHint
        ? { executionId: execution.id, approverHint, pushTo: pushesTo(execution) }
        : undefined,
      decision: record.decision,
    });
    const render = renderOf(message);
    if (record.rootRender === render && record.shared.rootOwner === execution.id) return;
    const meta = {
      ...this.meta(s, KEYS.root),
      status: view.status,
      render,
      ...(record.decision ? { decision: record.decision } : {}),
      ...(record.prUrl ? { prUrl: record.prUrl } : {}),
      ...(record.metrics ? { metrics: record.metrics } : {}),
    };
    const t = thread(ctx);
    await (now
      ? this.d.threads.update(t, ctx.rootTs, message, meta)
      : this.d.threads.edit(t, ctx.rootTs, message, meta));
    record.rootRender = render;
    record.shared.rootOwner = execution.id;
    record.status = view.status;
  }

  /**
   * A run started in the thread after the run its root follows took that run's place (a revision,
   * a cancelled run started again): the root follows it, also when RootClaim never ran (Kestra's
   * answer to the create was lost to a timeout, or the bot stopped before the claim). An older
   * run never takes the root back; one read of the root's run tells which is older.
   */
  private async tookPlaceOfRoot(s: RunState): Promise<boolean> {
    const owner = s.record.shared.rootOwner;
    if (!owner || s.ctx.batch || s.record.rootTakenBy === owner) return false;
    const followed = await this.d.reader.execution(owner);
    if (followed && !(startOf(followed) < startOf(s.execution))) {
      s.record.rootTakenBy = owner;
      return false;
    }
    this.d.logger.info(
      { executionId: s.execution.id, replaces: owner },
      "the root follows a newer run of its thread",
    );
    return true;
  }

  /**
   * Records a decision where the buttons are (the root, or a batch child's approval message): the
   * button change and the record are one Slack write, made before Kestra is told.
   */
  async decided(s: RunState): Promise<void> {
    if (!s.ctx.batch) return this.root(s, true);
    const open = s.record.approval;
    const decision = s.record.decision;
    if (!open || !decision) return;
    const text = decidedText(decision.verdict, decision.by, s.ctx.slug);
    const said = renderOf(text);
    await this.d.threads.update(
      thread(s.ctx),
      open.ts,
      decisionMessage(text, this.kestraUrl(s.execution)),
      {
        ...this.meta(s, open.key),
        decision,
        said,
        ...(s.record.metrics ? { metrics: s.record.metrics } : {}),
      },
    );
    open.open = false;
    open.said = said;
  }

  /** Puts the buttons back after a decision Kestra refused (the record no longer holds it). */
  async reopened(s: RunState): Promise<void> {
    if (!s.ctx.batch) return this.root(s, true);
    const approval = s.record.approval;
    if (!approval) return;
    const message = approvalMessage({
      executionId: s.execution.id,
      kestraUrl: this.kestraUrl(s.execution),
      requester: s.ctx.user,
      approverHint: await this.approverHint(s.ctx),
      slug: s.ctx.slug,
      pushTo: pushesTo(s.execution),
    });
    await this.d.threads.update(thread(s.ctx), approval.ts, message, {
      ...this.meta(s, approval.key),
      ...(s.record.metrics ? { metrics: s.record.metrics } : {}),
    });
    approval.open = true;
  }

  /** The patch as a diff snippet (a plain file past Slack's limit), once per run of `fix`. */
  private async patch(s: RunState, fix: TaskRun): Promise<void> {
    const key = patchKey(fix);
    if (s.record.has(key)) return;
    const { execution, ctx, record } = s;
    const files = await this.d.reader.patchFiles(execution, fix, s.hint);
    if (!files.patch) {
      // Definite: the worker succeeded without a patch.diff output. Reported once, like a failure.
      await this.d.failures.report({
        failure: this.failureInput(
          s,
          "fix",
          "The worker finished but Kestra holds no patch.diff for it.",
          undefined,
        ),
        channel: ctx.channel,
        thread: thread(ctx),
        meta: this.meta(s, key),
      });
      record.mark(key);
      return;
    }
    const bytes = await this.d.reader.download(execution, files.patch);
    const text = bytes.toString("utf8");
    if (text.trim().length === 0) {
      await this.d.threads.reply(thread(ctx), emptyPatchMessage(), {
        ...this.meta(s, key),
        empty: true,
      });
      record.mark(key);
      record.emptyPatch = true;
      return;
    }
    const result = await this.d.reader.result(execution, files.result);
    if (result.metrics) record.metrics = result.metrics;
    if (result.unreadable) {
      this.d.logger.warn(
        { executionId: execution.id, why: result.unreadable },
        "no worker account",
      );
    }
    // The model the agent reports, else the one the run asked for.
    const model = result.model ?? inputModel(execution);
    const comment = patchComment(diffStats(text), s.hint?.summary ?? result.explanation, {
      ...(record.metrics ? { metrics: formatMetrics(record.metrics) } : {}),
      ...(model ? { model } : {}),
      ...(ctx.batch ? { slug: ctx.slug } : {}),
      ...(result.unreadable ? { unreadable: result.unreadable } : {}),
    });
    const tooLarge = bytes.byteLength > SNIPPET_MAX_BYTES;
    await this.d.threads.upload(
      thread(ctx),
      {
        bytes,
        name: ctx.slug,
        title: `Patch for ${ctx.slug}`,
        comment: tooLarge
          ? `${comment}\n_The patch is larger than Slack's snippet limit, so it is attached as a file._`
          : comment,
        snippet: !tooLarge,
      },
      execution.id,
      key,
    );
    record.mark(key);
  }

  /** A batch child's buttons sit right under its patch and name its issue. */
  private async childButtons(s: RunState): Promise<void> {
    const { record, view, ctx, execution } = s;
    const kestraUrl = this.kestraUrl(execution);
    const key = KEYS.approval(view.attempt);
    if (view.approvable && patchShown(s) && !record.decision && !record.has(key)) {
      const message = approvalMessage({
        executionId: execution.id,
        kestraUrl,
        requester: ctx.user,
        approverHint: await this.approverHint(ctx),
        slug: ctx.slug,
        pushTo: pushesTo(execution),
      });
      const ts = await this.d.threads.reply(thread(ctx), message, {
        ...this.meta(s, key),
        ...(record.metrics ? { metrics: record.metrics } : {}),
      });
      record.mark(key);
      if (ts) record.approval = { ts, key, open: true };
      return;
    }
    // Once decided or closed, the buttons' message says how it went, and again when that changes
    // (the PR opens): said there, not in another reply.
    const approval = record.approval;
    if (!approval || view.approvable) return;
    const text = approvalOutcomeText({
      slug: ctx.slug,
      status: view.status,
      decision: record.decision,
      prUrl: record.prUrl,
    });
    const said = renderOf(text);
    if (approval.said === said) return;
    await this.d.threads.edit(thread(ctx), approval.ts, decisionMessage(text, kestraUrl), {
      ...this.meta(s, approval.key),
      closed: true,
      said,
      ...(record.prUrl ? { prUrl: record.prUrl } : {}),
      ...(record.decision ? { decision: record.decision } : {}),
      ...(record.metrics ? { metrics: record.metrics } : {}),
    });
    approval.open = false;
    approval.said = said;
  }

  /** Who must decide hears of it: a new reply, since the root's edit notifies nobody. */
  private async ping(s: RunState, fix: TaskRun): Promise<void> {
    const key = KEYS.ping(fix.id, fix.attempts?.length ?? 1);
    if (s.record.has(key)) return;
    const policy = await this.d.settings.policyOrDefaults(s.ctx.channel);
    const message = approvalPing({
      slug: s.ctx.slug,
      requester: s.ctx.user,
      approvers: policy.approvers,
      pushTo: pushesTo(s.execution),
    });
    await this.d.threads.reply(thread(s.ctx), message, this.meta(s, key));
    s.record.mark(key);
  }

  private async pr(s: RunState, createPr: TaskRun): Promise<void> {
    const key = KEYS.pr(createPr.id);
    if (s.record.has(key)) return;
    const { execution, ctx, record } = s;
    const prUrl = await this.d.reader.prUrl(execution, createPr, ctx.repo, s.hint);
    if (ctx.batch && record.approval) {
      // Said by the child's buttons message (childButtons, next): one place per child.
      record.mark(key);
      if (prUrl) record.prUrl = prUrl;
      return;
    }
    const note = prOpenedNote({
      requester: ctx.user,
      prUrl,
      kestraUrl: this.kestraUrl(execution),
      slug: ctx.batch ? ctx.slug : undefined,
      pushedTo: pushesTo(execution),
    });
    await this.d.threads.reply(thread(ctx), note, {
      ...this.meta(s, key),
      ...(prUrl ? { prUrl } : {}),
    });
    record.mark(key);
    if (prUrl) record.prUrl = prUrl;
  }

  /** The failed step with its ERROR lines, and an alert: once per attempt. */
  private async failure(s: RunState): Promise<void> {
    const key = KEYS.failure(s.view.attempt);
    if (s.record.has(key)) return;
    const logs = await this.d.reader.errorLogs(s.execution, 50);
    const step = s.view.failedTask;
    const excerpt = logExcerpt(logs, step, LOG_EXCERPT_LINES) ?? s.hint?.error;
    await this.d.failures.report({
      failure: this.failureInput(s, step, undefined, excerpt),
      channel: s.ctx.channel,
      thread: thread(s.ctx),
      meta: this.meta(s, key),
    });
    s.record.mark(key);
  }

  private async closing(s: RunState, status: "rejected" | "expired" | "cancelled"): Promise<void> {
    const key = KEYS.closed(status, s.view.attempt);
    if (s.record.has(key)) return;
    // A batch child's buttons message already says how it ended.
    if (s.ctx.batch && s.record.approval) return;
    // A revision's own note already said why this patch goes no further.
    if (status === "rejected" && s.record.decision?.verdict === "revise") return;
    const note = closingNote(status, s.record.decision, s.ctx.batch ? s.ctx.slug : undefined);
    await this.d.threads.reply(thread(s.ctx), note, this.meta(s, key));
    s.record.mark(key);
  }

  private failureInput(
    s: RunState,
    step: string | undefined,
    reason: string | undefined,
    excerpt: string | undefined,
  ) {
    return {
      slug: s.ctx.slug,
      executionId: s.execution.id,
      failedTask: step,
      reason,
      logExcerpt: excerpt,
      kestraUrl: this.kestraUrl(s.execution),
      requester: s.ctx.user,
    };
  }

  private async approverHint(ctx: RunContext): Promise<string> {
    const policy = await this.d.settings.policyOrDefaults(ctx.channel);
    return this.d.approvers.describe(ctx.user, policy.approvers);
  }

  private kestraUrl(execution: Execution): string {
    return this.d.links.execution(execution.flowId, execution.id);
  }

  private meta(s: RunState, key: string): PostMeta {
    return { run: s.execution.id, key };
  }
}

function patchKey(fix: TaskRun): string {
  return KEYS.patch(fix.id, fix.attempts?.length ?? 1);
}

/** A patch people can review is in the thread: the buttons make sense. */
function patchShown(s: RunState): boolean {
  return s.view.fix !== undefined && s.record.has(patchKey(s.view.fix)) && !s.record.emptyPatch;
}

export function thread(ctx: RunContext): ThreadRef {
  return { channel: ctx.channel, rootTs: ctx.rootTs, threadTs: ctx.threadTs };
}

function issueUrlOf(execution: Execution, fallback: string): string {
  const url = execution.inputs?.[SINGLE_INPUTS.issueUrl];
  return typeof url === "string" ? url : fallback;
}

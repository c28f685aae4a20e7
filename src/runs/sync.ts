import { BATCH_FLOW_ID } from "../contracts/flow.ts";
import type { Notification } from "../contracts/notification.ts";
import { isPermanent, type UpstreamError } from "../errors.ts";
import type { Execution } from "../kestra/types.ts";
import { contextOf, type RunContext } from "./context.ts";
import type { FailureReporter, UnsyncedReport } from "./failure.ts";
import type { DecisionFinisher } from "./finish-decision.ts";
import type { OperationFinisher } from "./finish-operation.ts";
import type { Links } from "./links.ts";
import type { RunLock } from "./lock.ts";
import type { RunReader } from "./read.ts";
import type { RunRecords } from "./record.ts";
import { type RunState, type ThreadSync, thread } from "./thread-sync.ts";
import type { RunViews } from "./views.ts";

// A notification comes in, the bot reads Kestra, derives what is true, and brings the thread up
// to date: read (RunReader) → record (RunRecords) → derive (deriveView) → post (ThreadSync).

export interface SyncDeps {
  reader: RunReader;
  records: RunRecords;
  lock: RunLock;
  finisher: DecisionFinisher;
  /** Cancels and retries recorded in the thread that Kestra has not seen (the bot stopped). */
  operationFinisher: Pick<OperationFinisher, "finish">;
  steps: ThreadSync;
  views: RunViews;
  failures: FailureReporter;
  links: Links;
  /** A batch's own notification redraws its digest at once (under the batch's lock). */
  digest: { refresh(batchId: string): Promise<void> };
  /** A run whose PR is open has the PR followed (PrTracking). */
  follow?: { track(state: RunState): Promise<void> } | undefined;
  /** The status reactions on the message that asked for a run. */
  reactions: { sync(state: RunState): Promise<void> };
}

export type SyncOutcome = "synced" | "unknown_execution" | "not_a_slack_run";

export interface SyncInput {
  /** The notification that woke the bot: a hint, believed only where Kestra confirms it. */
  hint?: Notification | undefined;
  /** An execution Kestra just answered with (a resume, a kill): no need to read it again. */
  execution?: Execution | undefined;
}

export class RunSyncer {
  private readonly d: SyncDeps;

  constructor(deps: SyncDeps) {
    this.d = deps;
  }

  sync(id: string, input: SyncInput = {}): Promise<SyncOutcome> {
    return this.d.lock.run(id, () => this.syncHeld(id, input));
  }

  /**
   * For callers that already hold the run's lock (a click, an operation). A failure that will not
   * pass by itself is reported (the thread and the admins are told, once); every failure throws,
   * so the notification is delivered again and the reconciler looks again.
   */
  async syncHeld(id: string, input: SyncInput = {}): Promise<SyncOutcome> {
    let execution: Execution | undefined;
    try {
      execution = input.execution ?? (await this.d.reader.execution(id));
    } catch (err) {
      if (isPermanent(err)) {
        await this.d.failures.adminAlert(
          `unreadable:${err.code}`,
          "the bot cannot read runs from Kestra",
          err.message,
        );
      }
      throw err;
    }
    if (!execution) return "unknown_execution";
    const ctx = contextOf(execution);
    if (!ctx) return "not_a_slack_run";
    try {
      return await this.bringUpToDate(execution, ctx, input);
    } catch (err) {
      if (isPermanent(err)) await this.reportUnsynced(execution, ctx, err);
      throw err;
    }
  }

  private async bringUpToDate(
    execution: Execution,
    ctx: RunContext,
    input: SyncInput,
  ): Promise<SyncOutcome> {
    const record = await this.d.records.load(execution.id, thread(ctx));
    if (execution.flowId === BATCH_FLOW_ID) {
      await this.d.operationFinisher.finish({ execution, ctx, record });
      // Answered once the digest shows it: 503 when it cannot, so the flow delivers it again.
      await this.d.digest.refresh(execution.id);
      return "synced";
    }
    let state = await this.d.views.state(execution, ctx, record, input.hint);
    // A decision recorded in the thread that Kestra has not seen (the bot stopped mid-click).
    const resumed = await this.d.finisher.finish(state);
    if (resumed) state = await this.d.views.state(resumed, ctx, record, input.hint);
    // A cancel or a retry likewise.
    const operated = await this.d.operationFinisher.finish(state);
    if (operated) state = await this.d.views.state(operated, ctx, record, input.hint);
    await this.post(state);
    return "synced";
  }

  private reportUnsynced(execution: Execution, ctx: RunContext, err: UpstreamError) {
    return this.d.failures.unsynced(unsyncedReport(execution, ctx, err, this.d.links));
  }

  /** Posts what the state calls for; a batch thread takes one child at a time. */
  async post(state: RunState): Promise<void> {
    const batch = state.ctx.batch;
    if (!batch) {
      await this.d.steps.run(state);
      await this.d.reactions.sync(state);
    } else {
      // A child's patch and its buttons must follow each other in the shared thread.
      await this.d.lock.run(`thread:${state.ctx.channel}:${state.ctx.rootTs}`, () =>
        this.d.steps.run(state),
      );
    }
    await this.d.follow?.track(state);
  }

  /** Records a click's decision where the buttons are (see ThreadSync.decided). */
  decided(state: RunState): Promise<void> {
    return this.d.steps.decided(state);
  }
}

/** What a run that cannot be brought up to date tells its thread and the admins. */
export function unsyncedReport(
  execution: Pick<Execution, "id" | "flowId">,
  ctx: RunContext,
  err: { message: string; code: string },
  links: Links,
): UnsyncedReport {
  return {
    run: execution.id,
    slug: ctx.slug,
    kestraUrl: links.execution(execution.flowId, execution.id),
    channel: ctx.channel,
    thread: thread(ctx),
    detail: err.message,
    key: `unsynced:${err.code}`,
  };
}

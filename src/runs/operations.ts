import pRetry, { AbortError } from "p-retry";
import { BATCH_FLOW_ID } from "../contracts/flow.ts";
import { NotAuthorizedError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import { type Execution, isTerminal } from "../kestra/types.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import type { Refusal } from "../shared/refusal.ts";
import type { Approvers } from "../slack/approvers.ts";
import { stuckCancelledText, stuckRetriedText } from "../slack/blocks/stuck-alert.ts";
import type { RunContext } from "./context.ts";
import type { OperationFinisher, OpState } from "./finish-operation.ts";
import type { RunLock } from "./lock.ts";
import type { AlertRef, RunRecords } from "./record.ts";
import { attemptOf, deriveView } from "./status.ts";
import type { RunSyncer } from "./sync.ts";
import { thread } from "./thread-sync.ts";

/** How long the stuck alert's Retry waits for Kestra to finish a kill. */
const KILL_WAIT_MS = 10_000;

export interface OperationDeps {
  kestra: KestraClient;
  records: RunRecords;
  approvers: Approvers;
  lock: RunLock;
  syncer: RunSyncer;
  settings: SettingsStore;
  finisher: OperationFinisher;
}

/** A run as re-read from Kestra: never from a button value or a typed argument. */
export interface LoadedRun {
  execution: Execution;
  ctx: RunContext;
}

/** Where the request came from, when a stuck alert's buttons must give way. */
export interface Asked {
  alert?: AlertRef;
}

export type OperationResult =
  | { ok: true; done: "cancelled" | "restarted" }
  /** The new run's id; undefined when the kill has not landed yet (the bot starts it then). */
  | { ok: true; done: "rerun"; executionId: string | undefined }
  | { ok: false; refusal: Refusal };

const refused = (refusal: Refusal): OperationResult => ({ ok: false, refusal });
const now = () => new Date().toISOString();

/**
 * Cancel and retry, shared by the buttons, the Home and `/autofix cancel|retry`: authorization
 * against the policy of the run's own channel, then intent before effect (OperationFinisher): the
 * thread's note says who asked before Kestra is, so a bot stopped in between is finished for by the
 * next look at the run, and a request repeated after a crash does nothing twice.
 */
export class RunOperations {
  private readonly d: OperationDeps;
  constructor(deps: OperationDeps) {
    this.d = deps;
  }

  /** Kills the run. The kill is asynchronous: the thread shows Cancelling until Kestra ends it. */
  async cancel(
    run: LoadedRun,
    user: string,
    asked: Asked & { rerunAfter?: true } = {},
  ): Promise<OperationResult> {
    await this.authorize(run, user, "cancel");
    const id = run.execution.id;
    return this.d.lock.run(id, async (): Promise<OperationResult> => {
      const s = await this.state(run);
      const before = s.record.intents.cancel;
      if (before && !before.dropped) {
        // Asked already (a repeat after a crash, or someone else): what is left is finished.
        await this.d.syncer.syncHeld(id);
        if (asked.alert && !asked.rerunAfter) {
          await this.d.finisher.closeAlert(asked.alert, stuckCancelledText(before.by));
        }
        const state = run.execution.state.current;
        const ended = isTerminal(state) ? deriveView(run.execution).status : undefined;
        return refused({ code: "already_cancelled", by: before.by, ended });
      }
      const state = run.execution.state.current;
      if (state === "KILLING") return refused({ code: "already_cancelled", by: undefined });
      if (isTerminal(state)) {
        return refused({ code: "already_ended", status: deriveView(run.execution).status });
      }
      const intent = await this.d.finisher.record(s, "cancel", {
        by: user,
        at: now(),
        attempt: attemptOf(run.execution),
        ...asked,
      });
      const killed = await this.d.finisher.kill(s, intent);
      await this.d.syncer.syncHeld(id, killed.ok ? { execution: killed.execution } : {});
      if (!killed.ok) {
        const status = killed.why.code === "ended" ? killed.why.status : undefined;
        return refused({ code: "already_ended", status });
      }
      return { ok: true, done: "cancelled" };
    });
  }

  /**
   * Retries a run that ended without doing its job: Kestra restarts a failed one; a cancelled one
   * (which released 2.0 will not restart) is started again as a new run in the same thread.
   */
  async retry(run: LoadedRun, user: string, asked: Asked = {}): Promise<OperationResult> {
    await this.authorize(run, user, "retry");
    const id = run.execution.id;
    const state = run.execution.state.current;
    const status = deriveView(run.execution).status;
    if (state !== "FAILED" && status !== "cancelled") {
      return refused({ code: "nothing_to_retry", status });
    }
    if (state !== "FAILED") return this.rerun(run, user, asked);
    return this.d.lock.run(id, async (): Promise<OperationResult> => {
      const s = await this.state(run);
      const attempt = attemptOf(run.execution);
      const before = s.record.intents.restart;
      if (before && !before.dropped && before.attempt === attempt) {
        await this.d.syncer.syncHeld(id);
        if (asked.alert) await this.d.finisher.closeAlert(asked.alert, stuckRetriedText(before.by));
        return refused({ code: "already_restarted", by: before.by });
      }
      const intent = await this.d.finisher.record(s, "restart", {
        by: user,
        at: now(),
        attempt,
        ...asked,
      });
      const restarted = await this.d.finisher.restart(s, intent);
      await this.d.syncer.syncHeld(id, restarted.ok ? { execution: restarted.execution } : {});
      if (!restarted.ok) {
        return refused({
          code: "restart_refused",
          status: restarted.why.code === "moved_on" ? restarted.why.status : undefined,
        });
      }
      return { ok: true, done: "restarted" };
    });
  }

  /** A cancelled run, started again as a new execution (RunStarter.rerun), once. */
  private async rerun(run: LoadedRun, user: string, asked: Asked): Promise<OperationResult> {
    if (run.execution.flowId === BATCH_FLOW_ID) {
      return refused({ code: "batch_not_rerun" });
    }
    const id = run.execution.id;
    return this.d.lock.run(id, async (): Promise<OperationResult> => {
      const s = await this.state(run);
      const before = s.record.intents.rerun;
      if (before && !before.dropped) {
        // Started again already, or recorded and finished now (the bot stopped in between).
        await this.d.syncer.syncHeld(id);
        if (asked.alert) await this.d.finisher.closeAlert(asked.alert, stuckRetriedText(before.by));
        return refused({ code: "already_rerun", by: before.by });
      }
      const intent = await this.d.finisher.record(s, "rerun", {
        by: user,
        at: now(),
        attempt: attemptOf(run.execution),
        ...asked,
      });
      const started = await this.d.finisher.rerun(s, intent);
      if (!started.ok) return refused(started.refusal);
      return { ok: true, done: "rerun", executionId: started.executionId };
    });
  }

  /**
   * The stuck alert's Retry: kill the run, wait (a few seconds at most) for the kill to land, then
   * start it again as a new run. Recorded whole with the cancel, so that the run's next look
   * starts it once the kill has landed, if this click cannot wait that long (or the bot stops).
   */
  async retryStuck(run: LoadedRun, user: string, alert: AlertRef): Promise<OperationResult> {
    let recorded = false;
    if (!isTerminal(run.execution.state.current)) {
      const killed = await this.cancel(run, user, { alert, rerunAfter: true });
      const code = killed.ok ? undefined : killed.refusal.code;
      if (code && code !== "already_cancelled" && code !== "already_ended") return killed;
      recorded = killed.ok;
    }
    const ended = await pRetry(
      async () => {
        const execution = await this.d.kestra.findExecution(run.execution.id);
        if (!execution) throw new AbortError("the run is gone");
        if (!isTerminal(execution.state.current)) throw new Error("still stopping");
        return { execution, ctx: run.ctx };
      },
      { retries: 20, minTimeout: 250, factor: 1.3, maxTimeout: 2000, maxRetryTime: KILL_WAIT_MS },
    ).catch(() => undefined);
    if (!ended) {
      return recorded
        ? { ok: true, done: "rerun", executionId: undefined }
        : refused({ code: "still_stopping" });
    }
    // A recorded cancel of this click closed the alert already.
    const result = await this.retry(ended, user, recorded ? {} : { alert });
    // This click's own request, finished meanwhile by the run's end (its notification's sync).
    if (recorded && !result.ok && result.refusal.code === "already_rerun") {
      return { ok: true, done: "rerun", executionId: undefined };
    }
    return result;
  }

  /** The run with its record, under its lock. */
  private async state(run: LoadedRun): Promise<OpState> {
    const record = await this.d.records.load(run.execution.id, thread(run.ctx));
    return { execution: run.execution, ctx: run.ctx, record };
  }

  private async authorize(run: LoadedRun, user: string, verb: "cancel" | "retry"): Promise<void> {
    // The policy of the run's channel (from its labels), not of where the request came from.
    const policy = await this.d.settings.policy(run.ctx.channel);
    if (!(await this.d.approvers.canOperate(user, run.ctx.user, policy.approvers))) {
      throw new NotAuthorizedError(`Only the requester or an approver can ${verb} this run.`);
    }
  }
}

import pRetry, { AbortError } from "p-retry";
import { BATCH_FLOW_ID } from "../contracts/flow.ts";
import { NotAuthorizedError, UpstreamError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import { type Execution, isTerminal } from "../kestra/types.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import type { Refusal } from "../shared/refusal.ts";
import type { RunStatus } from "../shared/run-status.ts";
import type { Approvers } from "../slack/approvers.ts";
import { cancelledNote, rerunNote, restartedNote } from "../slack/blocks/run-notes.ts";
import type { SlackThreads } from "../slack/thread.ts";
import type { RunContext } from "./context.ts";
import type { RunLock } from "./lock.ts";
import { KEYS, type RunRecords } from "./record.ts";
import type { RunStarter } from "./starter.ts";
import { attemptOf, deriveView } from "./status.ts";
import type { RunSyncer } from "./sync.ts";
import { thread } from "./thread-sync.ts";

/** How long the stuck alert's Retry waits for Kestra to finish a kill. */
const KILL_WAIT_MS = 10_000;

export interface OperationDeps {
  kestra: KestraClient;
  records: RunRecords;
  threads: SlackThreads;
  approvers: Approvers;
  lock: RunLock;
  syncer: RunSyncer;
  settings: SettingsStore;
  starter: RunStarter;
}

/** A run as re-read from Kestra: never from a button value or a typed argument. */
export interface LoadedRun {
  execution: Execution;
  ctx: RunContext;
}

export type OperationResult =
  | { ok: true; done: "cancelled" | "restarted" }
  | { ok: true; done: "rerun"; executionId: string }
  | { ok: false; refusal: Refusal };

const refused = (refusal: Refusal): OperationResult => ({ ok: false, refusal });

/**
 * Cancel and retry, shared by the buttons, the Home and `/autofix cancel|retry`: authorization
 * against the policy of the run's own channel, the Kestra action, a note in the thread, a sync.
 */
export class RunOperations {
  private readonly d: OperationDeps;
  constructor(deps: OperationDeps) {
    this.d = deps;
  }

  /** Kills the run. The kill is asynchronous: the thread shows Cancelling until Kestra ends it. */
  async cancel(run: LoadedRun, user: string): Promise<OperationResult> {
    await this.authorize(run, user, "cancel");
    const id = run.execution.id;
    return this.d.lock.run(id, async (): Promise<OperationResult> => {
      let killed: Execution;
      try {
        killed = await this.d.kestra.kill(id);
      } catch (err) {
        if (!(err instanceof UpstreamError && err.kind === "conflict")) throw err;
        return refused({ code: "already_ended", status: await this.statusNow(id) });
      }
      // Kestra 2.0.0's executor also takes a kill of a run that has ended, and the answer is then
      // that run unchanged: a kill that cancelled something always passes through KILLING.
      const since = killed.state.histories.slice(run.execution.state.histories.length);
      if (!since.some((h) => h.state === "KILLING") && killed.state.current !== "KILLING") {
        return refused({ code: "already_ended", status: await this.statusNow(id) });
      }
      const record = await this.d.records.load(id, thread(run.ctx));
      // The note says it; the sync must not add "The run was cancelled." as well.
      const key = KEYS.closed("cancelled", attemptOf(killed));
      if (!record.has(key)) {
        const slug = run.ctx.batch ? run.ctx.slug : undefined;
        await this.d.threads.reply(thread(run.ctx), cancelledNote(user, slug), { run: id, key });
        record.mark(key);
      }
      await this.d.syncer.syncHeld(id, { execution: killed });
      return { ok: true, done: "cancelled" };
    });
  }

  /**
   * Retries a run that ended without doing its job: Kestra restarts a failed one; a cancelled one
   * (which released 2.0 will not restart) is started again as a new run in the same thread.
   */
  async retry(run: LoadedRun, user: string): Promise<OperationResult> {
    await this.authorize(run, user, "retry");
    const id = run.execution.id;
    const state = run.execution.state.current;
    const status = deriveView(run.execution).status;
    if (state !== "FAILED" && status !== "cancelled") {
      return refused({ code: "nothing_to_retry", status });
    }
    if (state !== "FAILED") return this.rerun(run, user);
    return this.d.lock.run(id, async (): Promise<OperationResult> => {
      let restarted: Execution;
      try {
        restarted = await this.d.kestra.restart(id);
      } catch (err) {
        if (!(err instanceof UpstreamError && err.kind === "conflict")) throw err;
        return refused({ code: "restart_refused", status: await this.statusNow(id) });
      }
      const record = await this.d.records.load(id, thread(run.ctx));
      // A restarted run that pauses again needs a fresh decision.
      record.decision = undefined;
      const key = KEYS.restarted(attemptOf(run.execution) + 1);
      if (!record.has(key)) {
        const slug = run.ctx.batch ? run.ctx.slug : undefined;
        await this.d.threads.reply(thread(run.ctx), restartedNote(user, slug), { run: id, key });
        record.mark(key);
      }
      await this.d.syncer.syncHeld(id, { execution: restarted });
      return { ok: true, done: "restarted" };
    });
  }

  /** A cancelled run, started again as a new execution (RunStarter.rerun). */
  private async rerun(run: LoadedRun, user: string): Promise<OperationResult> {
    if (run.execution.flowId === BATCH_FLOW_ID) {
      return refused({ code: "batch_not_rerun" });
    }
    const started = await this.d.starter.rerun(run.execution, run.ctx);
    if (!started.ok) return refused(started.refusal);
    const slug = run.ctx.batch ? run.ctx.slug : undefined;
    await this.d.threads.reply(thread(run.ctx), rerunNote(user, slug), {
      run: started.executionId,
      key: KEYS.rerunOf(run.execution.id),
    });
    return { ok: true, done: "rerun", executionId: started.executionId };
  }

  /**
   * The stuck alert's Retry: kill the run, wait (a few seconds at most) for the kill to land, then
   * retry it, which for a killed run means a new run.
   */
  async retryStuck(run: LoadedRun, user: string): Promise<OperationResult> {
    if (!isTerminal(run.execution.state.current)) {
      const killed = await this.cancel(run, user);
      if (!killed.ok) return killed;
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
    if (!ended) return refused({ code: "still_stopping" });
    return this.retry(ended, user);
  }

  private async authorize(run: LoadedRun, user: string, verb: "cancel" | "retry"): Promise<void> {
    // The policy of the run's channel (from its labels), not of where the request came from.
    const policy = await this.d.settings.policy(run.ctx.channel);
    if (!(await this.d.approvers.canOperate(user, run.ctx.user, policy.approvers))) {
      throw new NotAuthorizedError(`Only the requester or an approver can ${verb} this run.`);
    }
  }

  /** Kestra answered 409: the run moved on since it was read. */
  private async statusNow(id: string): Promise<RunStatus | undefined> {
    const execution = await this.d.kestra.findExecution(id);
    return execution ? deriveView(execution).status : undefined;
  }
}

import { NotAuthorizedError, UpstreamError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Execution } from "../kestra/types.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import type { Approvers } from "../slack/approvers.ts";
import { cancelledNote, restartedNote } from "../slack/blocks/run-notes.ts";
import { STATUS_TEXT } from "../slack/blocks/status-text.ts";
import type { SlackThreads } from "../slack/thread.ts";
import type { RunContext } from "./context.ts";
import type { RunLock } from "./lock.ts";
import { KEYS, type RunRecords } from "./record.ts";
import { attemptOf, deriveView } from "./status.ts";
import type { RunSyncer } from "./sync.ts";
import { thread } from "./thread-sync.ts";

export interface OperationDeps {
  kestra: KestraClient;
  records: RunRecords;
  threads: SlackThreads;
  approvers: Approvers;
  lock: RunLock;
  syncer: RunSyncer;
  settings: SettingsStore;
}

/** A run as re-read from Kestra: never from a button value or a typed argument. */
export interface LoadedRun {
  execution: Execution;
  ctx: RunContext;
}

export type OperationResult =
  | { ok: true; done: "cancelled" | "restarted" }
  | { ok: false; message: string };

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
        return { ok: false, message: await this.endedText(id, "cancel") };
      }
      // Kestra 2.0.0's executor also takes a kill of a run that has ended, and the answer is then
      // that run unchanged: a kill that cancelled something always passes through KILLING.
      const since = killed.state.histories.slice(run.execution.state.histories.length);
      if (!since.some((h) => h.state === "KILLING") && killed.state.current !== "KILLING") {
        return { ok: false, message: await this.endedText(id, "cancel") };
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

  /** Restarts a failed or killed run. */
  async retry(run: LoadedRun, user: string): Promise<OperationResult> {
    await this.authorize(run, user, "retry");
    const id = run.execution.id;
    const state = run.execution.state.current;
    if (state !== "FAILED" && state !== "KILLED" && state !== "CANCELLED") {
      return {
        ok: false,
        message: `There is nothing to retry: the run is ${STATUS_TEXT[deriveView(run.execution).status]}.`,
      };
    }
    return this.d.lock.run(id, async (): Promise<OperationResult> => {
      let restarted: Execution;
      try {
        restarted = await this.d.kestra.restart(id);
      } catch (err) {
        if (!(err instanceof UpstreamError && err.kind === "conflict")) throw err;
        return { ok: false, message: await this.endedText(id, "retry") };
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

  private async authorize(run: LoadedRun, user: string, verb: "cancel" | "retry"): Promise<void> {
    // The policy of the run's channel (from its labels), not of where the request came from.
    const policy = await this.d.settings.policy(run.ctx.channel);
    if (!(await this.d.approvers.canOperate(user, run.ctx.user, policy.approvers))) {
      throw new NotAuthorizedError(`Only the requester or an approver can ${verb} this run.`);
    }
  }

  /** Kestra answered 409: the run moved on since it was read. */
  private async endedText(id: string, verb: "cancel" | "retry"): Promise<string> {
    const execution = await this.d.kestra.findExecution(id);
    const status = execution ? STATUS_TEXT[deriveView(execution).status] : "gone";
    return verb === "cancel"
      ? `The run has already finished (*${status}*), so there is nothing to cancel.`
      : `Kestra refused to restart the run; it is now *${status}*.`;
  }
}

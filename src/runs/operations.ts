import type { webApi } from "@slack/bolt";
import { NotAuthorizedError, UpstreamError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Execution } from "../kestra/types.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import type { Approvers } from "../slack/approvers.ts";
import type { RunContext } from "./context.ts";
import type { KeyedLock } from "./keyed-lock.ts";
import type { RunStore } from "./record.ts";
import { deriveView, STATUS_TEXT } from "./status.ts";
import type { RunSyncer } from "./sync.ts";

export interface OperationDeps {
  kestra: KestraClient;
  store: RunStore;
  slack: webApi.WebClient;
  approvers: Approvers;
  lock: KeyedLock;
  syncer: RunSyncer;
  settings: SettingsStore;
}

/** A run as re-read from Kestra: never from a button value or a typed argument. */
export interface LoadedRun {
  execution: Execution;
  ctx: RunContext;
}

export type OperationResult =
  | { ok: true; done: "cancelled" | "restarted" | "refetching_patch" }
  | { ok: false; message: string };

/**
 * Cancel and retry, shared by the buttons and `/autofix cancel|retry`: authorization against the
 * policy of the run's own channel, the Kestra action, a note in the thread, the run record, a sync.
 */
export class RunOperations {
  private readonly d: OperationDeps;
  constructor(deps: OperationDeps) {
    this.d = deps;
  }

  async cancel(run: LoadedRun, user: string): Promise<OperationResult> {
    await this.authorize(run, user, "cancel");
    const id = run.execution.id;
    const result = await this.d.lock.run(id, async (): Promise<OperationResult> => {
      try {
        await this.d.kestra.kill(id);
      } catch (err) {
        if (!(err instanceof UpstreamError && err.kind === "conflict")) throw err;
        return { ok: false, message: await this.endedText(id, "cancel") };
      }
      await this.note(run.ctx, `⏹️ Cancelled by <@${user}>.`);
      // The note says it; the sync must not add "The run was cancelled." as well.
      const record = await this.d.store.get(id);
      record.closedAs = "cancelled";
      await this.d.store.put(id, record);
      return { ok: true, done: "cancelled" };
    });
    await this.d.syncer.sync(id);
    return result;
  }

  /** Restarts a failed or killed run, or fetches again a patch that could not be downloaded. */
  async retry(run: LoadedRun, user: string): Promise<OperationResult> {
    await this.authorize(run, user, "retry");
    const id = run.execution.id;
    const state = run.execution.state.current;
    const result = await this.d.lock.run(id, async (): Promise<OperationResult> => {
      const record = await this.d.store.get(id);
      if (state === "FAILED" || state === "KILLED") {
        try {
          await this.d.kestra.restart(id);
        } catch (err) {
          if (!(err instanceof UpstreamError && err.kind === "conflict")) throw err;
          return { ok: false, message: await this.endedText(id, "retry") };
        }
        record.attempt += 1;
        delete record.closedAs;
        // A restarted run that pauses again needs a fresh decision (and fresh buttons).
        delete record.decision;
        await this.d.store.put(id, record);
        await this.note(run.ctx, `🔁 <@${user}> restarted the run.`);
        return { ok: true, done: "restarted" };
      }
      if (record.patch?.kind === "unavailable") {
        delete record.patch;
        await this.d.store.put(id, record);
        return { ok: true, done: "refetching_patch" };
      }
      return {
        ok: false,
        message: `There is nothing to retry: the run is ${STATUS_TEXT[deriveView(run.execution).status]}.`,
      };
    });
    await this.d.syncer.sync(id);
    return result;
  }

  private async authorize(run: LoadedRun, user: string, verb: "cancel" | "retry"): Promise<void> {
    // The policy of the run's channel (from its labels), not of where the request came from.
    const policy = await this.d.settings.policy(run.ctx.channel);
    if (!(await this.d.approvers.canOperate(user, run.ctx.user, policy.approvers))) {
      throw new NotAuthorizedError(`Only the requester or an approver can ${verb} this run.`);
    }
  }

  private async note(ctx: RunContext, text: string): Promise<void> {
    await this.d.slack.chat.postMessage({
      channel: ctx.channel,
      thread_ts: ctx.rootTs,
      text,
      unfurl_links: false,
    });
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

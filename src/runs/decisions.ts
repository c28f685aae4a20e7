import { NotAuthorizedError, UpstreamError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Execution } from "../kestra/types.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import type { Refusal } from "../shared/refusal.ts";
import type { Verdict } from "../shared/run-status.ts";
import type { Approvers } from "../slack/approvers.ts";
import { type ButtonPlace, type ClickedRun, clickedRun } from "./clicked-run.ts";
import type { DecisionFinisher } from "./finish-decision.ts";
import type { RunLock } from "./lock.ts";
import type { RunRecords } from "./record.ts";
import type { RunSyncer } from "./sync.ts";
import { thread } from "./thread-sync.ts";
import type { RunViews } from "./views.ts";

export interface Click extends ButtonPlace {
  user: string;
  userName: string | undefined;
}

/** Why the click did nothing, for the clicker; undefined when it did (the thread says it). */
export type ClickOutcome = Refusal | undefined;

export interface DecisionDeps {
  kestra: KestraClient;
  records: RunRecords;
  lock: RunLock;
  syncer: RunSyncer;
  views: RunViews;
  finisher: DecisionFinisher;
  approvers: Approvers;
  settings: SettingsStore;
}

/**
 * Approve and reject. Authorization comes from Kestra's labels and the run channel's policy.
 * Intent before effect: the decision is written to the thread (with the buttons' change) before
 * Kestra is resumed, so a bot stopped in between finishes it later (DecisionFinisher).
 */
export class RunDecisions {
  private readonly d: DecisionDeps;
  constructor(deps: DecisionDeps) {
    this.d = deps;
  }

  async decide(click: Click, approved: boolean): Promise<ClickOutcome> {
    const run = await this.load(click);
    if (!(await this.d.approvers.canApprove(click.user, run.ctx.user, run.policy.approvers))) {
      throw new NotAuthorizedError("You are not an approver for this run, so nothing was changed.");
    }
    return this.record(run, {
      verdict: approved ? "approve" : "reject",
      by: click.user,
      ...(click.userName ? { name: click.userName } : {}),
    });
  }

  /**
   * Records the verdict and resumes the run, under the run's lock. Revise passes its feedback;
   * `afterResume` runs once Kestra accepted the resume (Revise starts the new run there).
   */
  record(
    run: ClickedRun,
    verdict: { verdict: Verdict; by: string; name?: string; feedback?: string },
    afterResume?: () => Promise<void>,
  ): Promise<ClickOutcome> {
    const id = run.execution.id;
    return this.d.lock.run(id, async () => {
      const record = await this.d.records.load(id, thread(run.ctx));
      const state = await this.d.views.state(run.execution, run.ctx, record);
      if (record.decision) return { code: "already_decided", decision: record.decision };
      if (!state.view.approvable) return { code: "not_decidable", status: state.view.status };
      record.decision = { ...verdict, at: new Date().toISOString(), attempt: state.view.attempt };
      await this.d.syncer.decided({
        ...state,
        view: await this.d.views.view(run.execution, record),
      });
      let resumed: Execution;
      try {
        resumed = await this.d.finisher.resume(state, record.decision);
      } catch (err) {
        if (err instanceof UpstreamError && err.kind === "conflict") {
          // Kestra moved on meanwhile (expired, cancelled): the sync shows what happened.
          record.decision = undefined;
          await this.d.syncer.syncHeld(id);
          return { code: "resume_refused", cause: err };
        }
        await this.d.finisher.restore(state, err);
        throw err;
      }
      await afterResume?.();
      await this.d.syncer.syncHeld(id, { execution: resumed });
      return undefined;
    });
  }

  /** The run the click is about, checked to be the one whose thread (or alert) holds the button. */
  load(click: Click): Promise<ClickedRun> {
    return clickedRun(this.d, click, true);
  }
}

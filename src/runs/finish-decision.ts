import { UpstreamError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Execution } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import { decisionLostNote } from "../slack/blocks/run-notes.ts";
import { userMessage } from "../slack/error-messages.ts";
import type { SlackThreads } from "../slack/thread.ts";
import type { Decision } from "./record.ts";
import { resumeApproval } from "./resume.ts";
import { deriveView } from "./status.ts";
import { type RunState, type ThreadSync, thread } from "./thread-sync.ts";

// Intent before effect: a click is recorded in the thread before Kestra is told. When the bot
// stops in between, the next sync of the run (the start-up catch-up at the latest) sees a
// recorded decision on a run that still waits, and resumes it once; when Kestra refuses, the
// buttons come back with a note.

/** Kestra applies a resume asynchronously: within this window the run may still show PAUSED. */
const RESUME_SETTLE_MS = 60_000;

export interface FinisherDeps {
  kestra: KestraClient;
  threads: SlackThreads;
  /** The thread's posting steps (they also put buttons back). */
  steps: ThreadSync;
  /** Revise: starts the revision run once the old run is rejected. */
  revisions: { ensureStarted(state: RunState): Promise<void> };
  logger: Logger;
  resumeBackoffMs: number;
  signal: AbortSignal;
}

export class DecisionFinisher {
  private readonly d: FinisherDeps;

  constructor(deps: FinisherDeps) {
    this.d = deps;
  }

  /** Resumes a run whose recorded decision Kestra has not applied; returns Kestra's answer. */
  async finish(state: RunState): Promise<Execution | undefined> {
    const decision = state.record.decision;
    if (!decision) return undefined;
    if (state.view.approval?.state.current !== "PAUSED" && !aboutToPause(state.execution)) {
      if (decision.verdict === "revise") await this.d.revisions.ensureStarted(state);
      return undefined;
    }
    const resumedAt = state.record.resumedAt;
    if (resumedAt !== undefined && Date.now() - resumedAt < RESUME_SETTLE_MS) return undefined;
    this.d.logger.info(
      { executionId: state.execution.id, verdict: decision.verdict },
      "applying a recorded decision",
    );
    try {
      return await this.resume(state, decision);
    } catch (err) {
      if (
        err instanceof UpstreamError &&
        (err.kind === "unavailable" || err.kind === "rate_limited")
      ) {
        throw err;
      }
      // 409: Kestra moved on (expired, killed); the sync shows what happened instead.
      if (err instanceof UpstreamError && err.kind === "conflict") return undefined;
      await this.restore(state, err);
      return undefined;
    }
  }

  /** Tells Kestra; the record notes when, so that a sync does not resume twice meanwhile. */
  async resume(state: RunState, decision: Decision): Promise<Execution> {
    const approver =
      decision.verdict === "revise"
        ? `${decision.name ?? decision.by} (revised)`
        : decision.name
          ? `${decision.name} (${decision.by})`
          : decision.by;
    const execution = await resumeApproval(
      this.d.kestra,
      state.execution.id,
      { approved: decision.verdict === "approve", approver },
      { backoffMs: this.d.resumeBackoffMs, signal: this.d.signal },
    );
    state.record.resumedAt = Date.now();
    return execution;
  }

  /** The decision is dropped from the record and the buttons come back, with why. */
  async restore(state: RunState, cause: unknown): Promise<void> {
    const lost = state.record.decision;
    state.record.decision = undefined;
    const view = deriveView(state.execution);
    const reopened = { ...state, view };
    await this.d.steps.reopened(reopened);
    if (lost) {
      await this.d.threads.reply(
        thread(state.ctx),
        decisionLostNote(lost, userMessage(cause), state.ctx.batch ? state.ctx.slug : undefined),
      );
    }
  }
}

/** patch_ready is sent just before the Pause starts: a decision can come before it pauses. */
function aboutToPause(execution: Execution): boolean {
  const view = deriveView(execution);
  return view.approvable && view.approval === undefined;
}

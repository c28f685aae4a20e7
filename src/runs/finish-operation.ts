import { isPermanent, UpstreamError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import { type Execution, isTerminal } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import type { DropReason, Refusal } from "../shared/refusal.ts";
import {
  cancelledNote,
  operationDroppedNote,
  operationDroppedText,
  rerunNote,
  restartedNote,
} from "../slack/blocks/run-notes.ts";
import {
  stuckAlertClosed,
  stuckCancelledText,
  stuckRetriedText,
} from "../slack/blocks/stuck-alert.ts";
import { droppedText } from "../slack/refusal-text.ts";
import { alertsOf, type SlackThreads } from "../slack/thread.ts";
import type { RunContext } from "./context.ts";
import {
  type AlertRef,
  type HeldIntent,
  type Intent,
  type IntentKind,
  KEYS,
  type RunRecord,
} from "./record.ts";
import type { RunStarter } from "./starter.ts";
import { attemptOf, deriveView } from "./status.ts";
import { thread } from "./thread-sync.ts";

// Intent before effect, for cancel and retry: the note that says who did it ("Cancelled by @x",
// "@x started the run again") is posted, with the request in its metadata, before Kestra is
// asked. A bot stopped in between is finished for by whoever looks at the run next (finish(),
// from every sync: the start-up catch-up, another replica, the run's next notification), after
// checking Kestra: a run that went through KILLING was killed, a run started again is in the
// thread (its root, or Kestra's search), a restarted run has a new attempt. Nothing is done twice.

export interface OpState {
  execution: Execution;
  ctx: RunContext;
  record: RunRecord;
}

export interface OperationFinisherDeps {
  kestra: KestraClient;
  threads: SlackThreads;
  starter: RunStarter;
  logger: Logger;
}

export type KillOutcome = { ok: true; execution: Execution } | { ok: false; why: DropReason };
export type RerunOutcome = { ok: true; executionId: string } | { ok: false; refusal: Refusal };

export class OperationFinisher {
  private readonly d: OperationFinisherDeps;
  constructor(deps: OperationFinisherDeps) {
    this.d = deps;
  }

  /** Posts the request's note: from now on, whoever looks at the run finishes it. */
  async record(s: OpState, kind: IntentKind, intent: Intent): Promise<HeldIntent> {
    const key = keyOf(kind, intent.attempt);
    const slug = s.ctx.batch ? s.ctx.slug : undefined;
    const note = {
      cancel: () => cancelledNote(intent.by, slug),
      rerun: () => rerunNote(intent.by, slug),
      restart: () => restartedNote(intent.by, slug),
    }[kind]();
    const ts = await this.d.threads.reply(thread(s.ctx), note, {
      run: s.execution.id,
      key,
      [kind]: intent,
    });
    s.record.mark(key);
    const held: HeldIntent = { ...intent, ts, key };
    s.record.intents[kind] = held;
    // The stuck alert is closed by the effect that follows (kill, rerun, restart), also when the
    // next look at the run finishes it.
    return held;
  }

  /**
   * Kills the run (the stuck alert closed first). A kill that did not pass through KILLING came
   * after the run had ended: the note then says so. Kestra's refusal for good drops it and throws.
   */
  async kill(s: OpState, held: HeldIntent): Promise<KillOutcome> {
    if (held.alert) await this.closeAlert(held.alert, alertText("cancel", held));
    const id = s.execution.id;
    let answer: Execution;
    try {
      answer = await this.d.kestra.kill(id);
    } catch (err) {
      if (!(err instanceof UpstreamError && err.kind === "conflict")) {
        if (isPermanent(err)) await this.drop(s, "cancel", held, { code: "refused", cause: err });
        throw err;
      }
      answer = await this.d.kestra.getExecution(id);
    }
    if (killedOnce(answer)) {
      held.settled = true;
      return { ok: true, execution: answer };
    }
    const why: DropReason = { code: "ended", status: deriveView(answer).status };
    await this.drop(s, "cancel", held, why);
    return { ok: false, why };
  }

  /** Starts the cancelled run again as a new run of its thread (RunStarter.rerun). */
  async rerun(s: OpState, held: HeldIntent): Promise<RerunOutcome> {
    if (held.alert) await this.closeAlert(held.alert, alertText("rerun", held));
    let started: Awaited<ReturnType<RunStarter["rerun"]>>;
    try {
      started = await this.d.starter.rerun(s.execution, s.ctx);
    } catch (err) {
      if (isPermanent(err)) await this.drop(s, "rerun", held, { code: "refused", cause: err });
      throw err;
    }
    if (!started.ok) {
      const why: DropReason =
        started.refusal.code === "busy"
          ? { code: "busy", slug: started.refusal.slug }
          : { code: "refused", cause: started.refusal };
      await this.drop(s, "rerun", held, why);
      return { ok: false, refusal: started.refusal };
    }
    held.settled = true;
    return { ok: true, executionId: started.executionId };
  }

  /** Kestra restarts the failed run; a restarted run that pauses again needs a new decision. */
  async restart(s: OpState, held: HeldIntent): Promise<KillOutcome> {
    if (held.alert) await this.closeAlert(held.alert, alertText("restart", held));
    const id = s.execution.id;
    let answer: Execution;
    try {
      answer = await this.d.kestra.restart(id);
    } catch (err) {
      if (!(err instanceof UpstreamError && err.kind === "conflict")) {
        if (isPermanent(err)) await this.drop(s, "restart", held, { code: "refused", cause: err });
        throw err;
      }
      const now = await this.d.kestra.findExecution(id);
      const why: DropReason = { code: "moved_on", status: now && deriveView(now).status };
      await this.drop(s, "restart", held, why);
      return { ok: false, why };
    }
    held.settled = true;
    s.record.decision = undefined;
    return { ok: true, execution: answer };
  }

  /**
   * Finishes what the thread records and Kestra has not done (the bot stopped in between), under
   * the run's lock. Returns Kestra's answer when it changed the run.
   */
  async finish(s: OpState): Promise<Execution | undefined> {
    const { record } = s;
    let execution = s.execution;
    const cancel = record.intents.cancel;
    if (cancel && open(cancel)) {
      if (killedOnce(execution)) cancel.settled = true;
      else if (isTerminal(execution.state.current)) {
        await this.drop(s, "cancel", cancel, {
          code: "ended",
          status: deriveView(execution).status,
        });
      } else if (cancel.attempt !== attemptOf(execution)) {
        await this.drop(s, "cancel", cancel, {
          code: "moved_on",
          status: deriveView(execution).status,
        });
      } else {
        this.log(s, "cancel");
        const killed = await this.quietly(() => this.kill(s, cancel));
        if (killed?.ok) execution = killed.execution;
      }
    }
    // A stuck alert's Retry: the kill has landed and the run has ended; now the new run.
    if (
      cancel?.rerunAfter &&
      cancel.settled &&
      isTerminal(execution.state.current) &&
      !record.intents.rerun
    ) {
      await this.record({ ...s, execution }, "rerun", {
        by: cancel.by,
        at: new Date().toISOString(),
        attempt: attemptOf(execution),
      });
    }
    const rerun = record.intents.rerun;
    if (rerun && open(rerun) && isTerminal(execution.state.current)) {
      const now = { ...s, execution };
      if (await this.replaced(now)) rerun.settled = true;
      else if (deriveView(execution).status !== "cancelled") {
        await this.drop(now, "rerun", rerun, {
          code: "moved_on",
          status: deriveView(execution).status,
        });
      } else {
        this.log(s, "rerun");
        await this.quietly(() => this.rerun(now, rerun));
      }
    }
    const restart = record.intents.restart;
    if (restart && open(restart)) {
      if (attemptOf(execution) > restart.attempt) restart.settled = true;
      else if (execution.state.current === "FAILED") {
        this.log(s, "restart");
        const restarted = await this.quietly(() => this.restart({ ...s, execution }, restart));
        if (restarted?.ok) execution = restarted.execution;
      } else {
        await this.drop(s, "restart", restart, {
          code: "moved_on",
          status: deriveView(execution).status,
        });
      }
    }
    return execution === s.execution ? undefined : execution;
  }

  /** A stuck alert answered: its buttons give way to what was done and by whom. */
  async closeAlert(alert: AlertRef, text: string): Promise<void> {
    await this.d.threads.update(alertsOf(alert.channel), alert.ts, stuckAlertClosed(text));
  }

  /** The request could not be done: its note (and its alert) say why; nothing is left to do. */
  private async drop(s: OpState, kind: IntentKind, held: HeldIntent, why: DropReason) {
    held.dropped = true;
    this.d.logger.info(
      { executionId: s.execution.id, kind, why: why.code },
      "a recorded request could not be done",
    );
    const text = droppedText(why);
    const { ts: _ts, key: _key, settled: _settled, ...intent } = held;
    if (held.ts) {
      await this.d.threads.update(
        thread(s.ctx),
        held.ts,
        operationDroppedNote(kind, held.by, text, s.ctx.batch ? s.ctx.slug : undefined),
        { run: s.execution.id, key: held.key, [kind]: intent },
      );
    }
    if (held.alert) await this.closeAlert(held.alert, operationDroppedText(kind, held.by, text));
  }

  /** Is there a run that took this one's place in its thread? The root tells, else Kestra. */
  private async replaced(s: OpState): Promise<boolean> {
    if (!s.ctx.batch && !s.record.ownsRoot) return true;
    return (await this.d.starter.replacementOf(s.execution, s.ctx)) !== undefined;
  }

  /** In a sync, a refusal for good is said by the note: the sync itself goes on. */
  private async quietly<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (err) {
      if (!isPermanent(err)) throw err;
      this.d.logger.warn({ err }, "Kestra refused a recorded request");
      return undefined;
    }
  }

  private log(s: OpState, kind: IntentKind): void {
    this.d.logger.info({ executionId: s.execution.id, kind }, "finishing a recorded request");
  }
}

function open(i: HeldIntent): boolean {
  return !i.settled && !i.dropped;
}

/** Kestra took a kill of this run: it passes through KILLING (2.0 answers an ended run unchanged). */
export function killedOnce(e: Execution): boolean {
  return (
    e.state.current === "KILLING" ||
    e.state.current === "KILLED" ||
    e.state.histories.some((h) => h.state === "KILLING")
  );
}

function keyOf(kind: IntentKind, attempt: number): string {
  if (kind === "cancel") return KEYS.closed("cancelled", attempt);
  if (kind === "rerun") return KEYS.rerun(attempt);
  return KEYS.restarted(attempt + 1);
}

function alertText(kind: IntentKind, intent: Intent): string {
  return kind === "cancel" && !intent.rerunAfter
    ? stuckCancelledText(intent.by)
    : stuckRetriedText(intent.by);
}

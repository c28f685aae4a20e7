import type { Notification } from "../contracts/notification.ts";
import type { Execution } from "../kestra/types.ts";
import { hasPr, type PrState } from "../shared/run-status.ts";
import type { RunContext } from "./context.ts";
import type { PrStates } from "./pr-states.ts";
import type { RunReader } from "./read.ts";
import type { RunRecord, RunRecords } from "./record.ts";
import { attemptOf, deriveView, type RunView } from "./status.ts";
import type { RunState } from "./thread-sync.ts";

/**
 * The one status of a run (deriveView) with what Kestra's tasks cannot tell alone: the verdict,
 * and what became of its PR.
 */
export class RunViews {
  private readonly reader: RunReader;
  private readonly records: RunRecords;
  private readonly prs: PrStates | undefined;

  constructor(deps: { reader: RunReader; records: RunRecords; prs?: PrStates | undefined }) {
    this.reader = deps.reader;
    this.records = deps.records;
    this.prs = deps.prs;
  }

  /**
   * The one status of a run, for the thread, the digest, the Home and the commands. `prUrl`: the
   * run's PR when the caller read it (a PR no longer followed is then asked of GitHub).
   */
  async view(execution: Execution, record?: RunRecord, prUrl?: string): Promise<RunView> {
    const kept = record ?? this.records.peek(execution.id);
    const known = kept?.decision?.verdict;
    let view = deriveView(execution, { verdict: known });
    if (hasPr(view.status)) {
      const pr = await this.prState(execution.id, prUrl, kept);
      if (pr) view = deriveView(execution, { verdict: known, pr });
    }
    if (!view.needsVerdict || !view.approval) return view;
    return deriveView(execution, {
      verdict: await this.reader.verdict(execution, view.approval),
    });
  }

  private prState(
    run: string,
    prUrl: string | undefined,
    record: RunRecord | undefined,
  ): Promise<PrState | undefined> {
    return this.prs?.of(run, prUrl, record) ?? Promise.resolve(undefined);
  }

  /** The view with the record it was derived with (the recorded decision). */
  async state(
    execution: Execution,
    ctx: RunContext,
    record: RunRecord,
    hint?: Notification,
  ): Promise<RunState> {
    // A decision belongs to one attempt: a restarted run that pauses again needs a new one.
    if (record.decision && record.decision.attempt !== attemptOf(execution)) {
      record.decision = undefined;
    }
    return { execution, ctx, record, hint, view: await this.view(execution, record) };
  }
}

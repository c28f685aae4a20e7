import type { Notification } from "../contracts/notification.ts";
import type { Execution } from "../kestra/types.ts";
import type { RunContext } from "./context.ts";
import type { RunReader } from "./read.ts";
import type { RunRecord, RunRecords } from "./record.ts";
import { attemptOf, deriveView, type RunView } from "./status.ts";
import type { RunState } from "./thread-sync.ts";

/** The one status of a run (deriveView) with what Kestra's tasks cannot tell alone: the verdict. */
export class RunViews {
  private readonly reader: RunReader;
  private readonly records: RunRecords;

  constructor(deps: { reader: RunReader; records: RunRecords }) {
    this.reader = deps.reader;
    this.records = deps.records;
  }

  /** The one status of a run, for the thread, the digest, the Home and the commands. */
  async view(execution: Execution, record?: RunRecord): Promise<RunView> {
    const known = record?.decision?.verdict ?? this.records.peek(execution.id)?.decision?.verdict;
    const view = deriveView(execution, { verdict: known });
    if (!view.needsVerdict || !view.approval) return view;
    return deriveView(execution, {
      verdict: await this.reader.verdict(execution, view.approval),
    });
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

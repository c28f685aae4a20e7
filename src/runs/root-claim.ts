import type { Execution } from "../kestra/types.ts";
import { contextOf } from "./context.ts";
import type { RunLock } from "./lock.ts";
import type { RunRecords } from "./record.ts";
import { type ThreadSync, thread } from "./thread-sync.ts";
import type { RunViews } from "./views.ts";

/** A new run in an existing thread (a revision, a cancelled run started again) takes its root over. */
export class RootClaim {
  private readonly d: { lock: RunLock; records: RunRecords; steps: ThreadSync; views: RunViews };

  constructor(deps: { lock: RunLock; records: RunRecords; steps: ThreadSync; views: RunViews }) {
    this.d = deps;
  }

  /** The root follows `execution` from now on (the old run stops updating it). */
  claim(execution: Execution): Promise<void> {
    return this.d.lock.run(execution.id, async () => {
      const ctx = contextOf(execution);
      if (!ctx) return;
      const record = this.d.records.fresh(execution.id, thread(ctx));
      record.shared.rootOwner = execution.id;
      await this.d.steps.root(await this.d.views.state(execution, ctx, record));
    });
  }
}

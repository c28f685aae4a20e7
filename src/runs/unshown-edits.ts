import { isPermanent } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Edit } from "../slack/edit-queue.ts";
import { contextOf } from "./context.ts";
import type { FailureReporter } from "./failure.ts";
import type { Links } from "./links.ts";
import type { RunReader } from "./read.ts";
import type { RunRecords } from "./record.ts";
import { unsyncedReport } from "./sync.ts";

// An edit queued after its notification was answered, which Slack then refused: the run must not
// look shown. Its record forgets what that message shows (the next sync, and the reconciler, draw
// it again); an edit Slack refuses for good reaches a person, as a sync that cannot pass does.

export class UnshownEdits {
  private readonly d: {
    records: RunRecords;
    reader: RunReader;
    failures: FailureReporter;
    links: Links;
    logger: Logger;
  };

  constructor(deps: UnshownEdits["d"]) {
    this.d = deps;
  }

  async failed(edit: Edit, err: unknown): Promise<void> {
    const meta = edit.meta;
    if (!meta) return;
    this.d.records.peek(meta.run)?.unshown(meta.key);
    // Tried again by the queue (PostgreSQL's outlives this process).
    if (!isPermanent(err)) return;
    const execution = await this.d.reader.execution(meta.run);
    const ctx = execution ? contextOf(execution) : undefined;
    if (!execution || !ctx) {
      this.d.logger.error({ err, run: meta.run }, "Slack refuses an edit of a run Kestra lacks");
      return;
    }
    await this.d.failures.unsynced(unsyncedReport(execution, ctx, err, this.d.links));
  }
}

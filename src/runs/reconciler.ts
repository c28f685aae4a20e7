import type { KestraClient, SearchQuery } from "../kestra/client.ts";
import { ACTIVE_STATES, type Execution, isTerminal } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import { isFinalStatus } from "../shared/run-status.ts";
import { contextOf } from "./context.ts";
import type { RunRecords } from "./record.ts";

const PAGE_SIZE = 100;
const MAX_PAGES = 20;
/** Re-reads a little before the watermark: Kestra stamps end dates before the search sees them. */
const OVERLAP_MS = 120_000;

export interface ReconcileReport {
  checked: number;
  synced: number;
  failed: number;
  stuckAlerts: number;
}

export interface ReconcilerDeps {
  kestra: KestraClient;
  sync: (executionId: string) => Promise<unknown>;
  records: RunRecords;
  logger: Logger;
  lookbackHours: number;
  /** Stuck-run detection reads the same search of runs that have not ended. */
  stuck?: { check(runs: readonly Execution[]): Promise<number> };
  now?: () => number;
}

/**
 * Catches up runs whose notifications never arrived (bot down, network). The first pass after
 * start-up looks back lookbackHours; later passes only at what ended since the last one (a
 * watermark), plus the runs that have not ended. An idle pass costs two searches, whatever the
 * history. Runs this process already shows in their final state are not read again.
 */
export class Reconciler {
  private readonly d: ReconcilerDeps;
  private readonly logger: Logger;
  private watermark: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileReport> | undefined;

  constructor(deps: ReconcilerDeps) {
    this.d = deps;
    this.logger = deps.logger.child({ component: "reconciler" });
  }

  /** One pass; concurrent callers share the pass in progress. */
  runOnce(): Promise<ReconcileReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    // Jitter keeps replicas from sweeping in lock-step.
    const jitter = Math.round(Math.random() * Math.min(intervalMs / 5, 30_000));
    this.timer = setInterval(() => {
      this.runOnce().catch((err: unknown) => this.logger.warn({ err }, "reconcile failed"));
    }, intervalMs + jitter);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async pass(): Promise<ReconcileReport> {
    const now = (this.d.now ?? Date.now)();
    const since =
      this.watermark === undefined
        ? now - this.d.lookbackHours * 3_600_000
        : this.watermark - OVERLAP_MS;
    const report: ReconcileReport = { checked: 0, synced: 0, failed: 0, stuckAlerts: 0 };
    const ended = await this.search({ endedAfter: new Date(since).toISOString() });
    const active = await this.search({ states: ACTIVE_STATES });
    for (const execution of [...ended, ...active]) await this.catchUp(execution, report);
    if (this.d.stuck) report.stuckAlerts = await this.d.stuck.check(active);
    // Only a complete pass moves the watermark: what failed is looked at again next time.
    if (report.failed === 0) this.watermark = now;
    this.logger.info(report, "reconciled");
    return report;
  }

  private async catchUp(execution: Execution, report: ReconcileReport): Promise<void> {
    if (!contextOf(execution)) return;
    const known = this.d.records.peek(execution.id)?.status;
    // Shown here already in its final state, or still going (its notifications will come).
    if (known && (isFinalStatus(known) || !isTerminal(execution.state.current))) return;
    report.checked++;
    try {
      await this.d.sync(execution.id);
      report.synced++;
    } catch (err) {
      report.failed++;
      this.logger.warn({ err, executionId: execution.id }, "reconcile of a run failed");
    }
  }

  /** Both flows of the namespace (the client adds it), newest first, Loop iterations excluded. */
  private async search(query: Omit<SearchQuery, "page" | "size">): Promise<Execution[]> {
    const found: Execution[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const { results, total } = await this.d.kestra.searchExecutions({
        ...query,
        page,
        size: PAGE_SIZE,
      });
      found.push(...results);
      if (page * PAGE_SIZE >= total || results.length < PAGE_SIZE) break;
    }
    return found;
  }
}

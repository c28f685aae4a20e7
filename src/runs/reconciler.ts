import { BATCH_FLOW_ID, SINGLE_FLOW_ID } from "../contracts/flow.ts";
import type { KestraClient } from "../kestra/client.ts";
import { type Execution, TERMINAL_STATES } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import { contextOf } from "./context.ts";
import type { RunSyncer } from "./sync.ts";

const PAGE_SIZE = 50;
const MAX_PAGES = 10;

export interface ReconcileReport {
  checked: number;
  synced: number;
  failed: number;
  stuckAlerts?: number;
}

/**
 * Catches up runs whose notifications never arrived (bot down, network): every run whose state
 * changed within the look-back window is synced; the run record makes that a no-op when current.
 */
export class Reconciler {
  private readonly kestra: KestraClient;
  private readonly syncer: RunSyncer;
  private readonly logger: Logger;
  private readonly lookbackMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileReport> | undefined;
  private readonly stuck: { runOnce(): Promise<number> } | undefined;

  constructor(opts: {
    kestra: KestraClient;
    syncer: RunSyncer;
    logger: Logger;
    lookbackHours: number;
    /** Stuck-run detection rides on the same timer. */
    stuck?: { runOnce(): Promise<number> };
  }) {
    this.stuck = opts.stuck;
    this.kestra = opts.kestra;
    this.syncer = opts.syncer;
    this.logger = opts.logger.child({ component: "reconciler" });
    this.lookbackMs = opts.lookbackHours * 3_600_000;
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
    const report: ReconcileReport = { checked: 0, synced: 0, failed: 0 };
    for (const flowId of [SINGLE_FLOW_ID, BATCH_FLOW_ID]) await this.passFlow(flowId, report);
    if (this.stuck) report.stuckAlerts = await this.stuck.runOnce();
    this.logger.info(report, "reconciled");
    return report;
  }

  private async passFlow(flowId: string, report: ReconcileReport): Promise<void> {
    const since = Date.now() - this.lookbackMs;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const { results, total } = await this.kestra.searchExecutions({
        flowId,
        states: ["PAUSED", ...TERMINAL_STATES],
        page,
        size: PAGE_SIZE,
      });
      for (const execution of results) {
        if (!changedSince(execution, since)) continue;
        if (!contextOf(execution)) continue;
        report.checked++;
        try {
          await this.syncer.sync(execution.id);
          report.synced++;
        } catch (err) {
          report.failed++;
          this.logger.warn({ err, executionId: execution.id }, "reconcile of a run failed");
        }
      }
      if (page * PAGE_SIZE >= total || results.length === 0) break;
    }
  }
}

/** By the last state change, not the start: an approval can come days after a run started. */
export function changedSince(execution: Pick<Execution, "state">, since: number): boolean {
  const last = execution.state.histories.at(-1)?.date ?? execution.state.startDate ?? "";
  const changed = Date.parse(last);
  return !Number.isFinite(changed) || changed >= since;
}

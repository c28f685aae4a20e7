import { isPermanent } from "../errors.ts";
import type { KestraClient, SearchQuery } from "../kestra/client.ts";
import { ACTIVE_STATES, type Execution, isTerminal } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import { isFinalStatus } from "../shared/run-status.ts";
import { contextOf } from "./context.ts";
import type { RunRecords } from "./record.ts";
import { every } from "./timer.ts";

const PAGE_SIZE = 100;
const MAX_PAGES = 20;
/** Re-reads a little before the watermark: Kestra stamps end dates before the search sees them. */
const OVERLAP_MS = 120_000;

export interface ReconcileReport {
  checked: number;
  synced: number;
  failed: number;
  /** Runs left for later: they keep failing (see Failing). */
  backedOff: number;
  stuckAlerts: number;
  /** Roots told their run never started. */
  unstarted: number;
}

/** A run whose catch-up keeps failing: looked at again later and later, without holding the rest. */
interface Failing {
  failures: number;
  nextAt: number;
  /** A failure that will not pass by itself, or one that came back too often. */
  stuck: boolean;
}

/** Failures of one run in a row before it is backed off and the admins are told. */
const STUCK_AFTER = 5;
const MAX_BACKOFF_MS = 6 * 3_600_000;
const MAX_FAILING = 2000;

export interface ReconcilerDeps {
  kestra: KestraClient;
  sync: (executionId: string) => Promise<unknown>;
  records: RunRecords;
  logger: Logger;
  lookbackHours: number;
  /** Stuck-run detection reads the same search of runs that have not ended. */
  stuck?: { check(runs: readonly Execution[]): Promise<number> };
  /** Roots whose run never started (the bot stopped in between) are looked at each pass. */
  unstarted?: { sweep(now?: number): Promise<number> };
  /** Tells the admins, once per key (a run the catch-up cannot bring up to date). */
  alert?: (key: string, headline: string, detail?: string) => Promise<void>;
  /** The pass interval: the first backoff step. */
  intervalMs?: number;
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
  private readonly failing = new Map<string, Failing>();
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
    this.timer = every(
      intervalMs,
      () => this.runOnce(),
      (err) => this.logger.warn({ err }, "reconcile failed"),
    );
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
    const report: ReconcileReport = {
      checked: 0,
      synced: 0,
      failed: 0,
      backedOff: 0,
      stuckAlerts: 0,
      unstarted: 0,
    };
    const ended = await this.search({ endedAfter: new Date(since).toISOString() });
    const active = await this.search({ states: ACTIVE_STATES });
    const seen = new Set<string>();
    for (const execution of [...ended, ...active]) {
      seen.add(execution.id);
      await this.catchUp(execution, report, now);
    }
    // Runs backed off earlier, gone from the windows since: their turn comes all the same.
    for (const [id, f] of this.failing) {
      if (!seen.has(id) && f.nextAt <= now) await this.attempt(id, report, now);
    }
    if (this.d.stuck) report.stuckAlerts = await this.d.stuck.check(active);
    if (this.d.unstarted) report.unstarted = await this.d.unstarted.sweep(now);
    // A failure holds the watermark back (what failed is looked at again next time), unless the
    // run is backed off: one run that cannot pass never pins the window.
    const holding = [...this.failing.values()].some((f) => !f.stuck);
    if (!holding) this.watermark = now;
    this.logger.info(report, "reconciled");
    return report;
  }

  private async catchUp(execution: Execution, report: ReconcileReport, now: number): Promise<void> {
    if (!contextOf(execution)) return;
    const record = this.d.records.peek(execution.id);
    const known = record?.status;
    // Shown here already in its final state, or still going (its notifications will come); but
    // a cancel or a retry recorded in its thread and not seen through is tried again.
    const settled = !record?.unsettled;
    if (known && settled && (isFinalStatus(known) || !isTerminal(execution.state.current))) return;
    const f = this.failing.get(execution.id);
    if (f && f.nextAt > now) {
      report.backedOff++;
      return;
    }
    await this.attempt(execution.id, report, now);
  }

  private async attempt(id: string, report: ReconcileReport, now: number): Promise<void> {
    report.checked++;
    try {
      await this.d.sync(id);
      report.synced++;
      this.failing.delete(id);
    } catch (err) {
      report.failed++;
      this.failed(id, err, now);
    }
  }

  /** The next look comes later each time (1, 2, 4… intervals, 6 h at most). */
  private failed(id: string, err: unknown, now: number): void {
    const before = this.failing.get(id);
    const failures = (before?.failures ?? 0) + 1;
    const stuck = isPermanent(err) || failures >= STUCK_AFTER;
    const step = this.d.intervalMs || 60_000;
    const delay = Math.min(MAX_BACKOFF_MS, step * 2 ** Math.min(failures - 1, 20));
    this.failing.delete(id);
    this.failing.set(id, { failures, nextAt: now + (stuck ? delay : 0), stuck });
    if (this.failing.size > MAX_FAILING) {
      const oldest = this.failing.keys().next().value;
      if (oldest !== undefined) this.failing.delete(oldest);
    }
    const log = { err, executionId: id, failures, retryInMs: stuck ? delay : 0 };
    if (!stuck) {
      this.logger.warn(log, "reconcile of a run failed");
      return;
    }
    this.logger.error(log, "reconcile of a run keeps failing; backing off");
    // A permanent failure was already reported with the run (thread and alerts channel).
    if (failures === STUCK_AFTER && !isPermanent(err)) {
      void this.d.alert?.(
        `reconcile:${id}`,
        `the catch-up of run ${id} has failed ${failures} times in a row; it is now tried every few hours`,
        err instanceof Error ? err.message : String(err),
      );
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

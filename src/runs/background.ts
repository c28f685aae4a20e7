import type { Logger } from "../logger.ts";

/** Work that outlives the request that started it; drained on shutdown so nothing is cut off. */
export class Background {
  private readonly pending = new Set<Promise<unknown>>();
  /** When each piece of work in flight started (liveness: work that never ends). */
  private readonly started = new Map<Promise<unknown>, number>();
  private readonly logger: Logger;
  constructor(logger: Logger) {
    this.logger = logger;
  }

  run(name: string, work: () => Promise<unknown>): void {
    const p = work()
      .catch((err: unknown) => this.logger.error({ err, task: name }, "background task failed"))
      .finally(() => {
        this.pending.delete(p);
        this.started.delete(p);
      });
    this.pending.add(p);
    this.started.set(p, performance.now());
  }

  /** Keeps shutdown waiting for work whose outcome the caller handles itself. */
  watch<T>(work: Promise<T>): Promise<T> {
    const p = work.then(
      () => {},
      () => {},
    );
    this.pending.add(p);
    this.started.set(p, performance.now());
    void p.finally(() => {
      this.pending.delete(p);
      this.started.delete(p);
    });
    return work;
  }

  /** How long the oldest work in flight has been running, in ms (0: none). */
  oldestMs(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const at of this.started.values()) oldest = Math.min(oldest, at);
    return Number.isFinite(oldest) ? Math.round(performance.now() - oldest) : 0;
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

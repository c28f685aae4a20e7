import type { Logger } from "../logger.ts";

/** Work that outlives the request that started it; drained on shutdown so nothing is cut off. */
export class Background {
  private readonly pending = new Set<Promise<unknown>>();
  private readonly logger: Logger;
  constructor(logger: Logger) {
    this.logger = logger;
  }

  run(name: string, work: () => Promise<unknown>): void {
    const p = work()
      .catch((err: unknown) => this.logger.error({ err, task: name }, "background task failed"))
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Keeps shutdown waiting for work whose outcome the caller handles itself. */
  watch<T>(work: Promise<T>): Promise<T> {
    const p = work.then(
      () => {},
      () => {},
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return work;
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

/**
 * At most `limit` pieces of work at a time; the rest wait their turn in order (none is refused).
 * Starting a run costs GitHub, Slack and Kestra calls: a burst of commands must not crowd out the
 * acks of the next ones.
 */
export class WorkQueue {
  private readonly limit: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // The slot passes to the next in line, or is freed.
      if (next) next();
      else this.running--;
    }
  }

  /** Work waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}

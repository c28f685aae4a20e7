import { setTimeout as sleep } from "node:timers/promises";

// chat.update is Tier 3 per app per workspace (about 50 a minute), so one budget serves the whole
// app: every root, digest and button update goes through it. Callers wait their turn, in order,
// instead of collecting 429s; a stop ends the waits so shutdown is never held up.

export interface UpdateLimiterOptions {
  /** Calls allowed per window (default 45, under Slack's ~50 a minute). */
  perWindow?: number;
  windowMs?: number;
}

export class UpdateLimiter {
  private readonly perWindow: number;
  private readonly windowMs: number;
  private readonly recent: number[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stopper = new AbortController();

  constructor(opts: UpdateLimiterOptions = {}) {
    this.perWindow = opts.perWindow ?? 45;
    this.windowMs = opts.windowMs ?? 60_000;
  }

  run<T>(call: () => Promise<T>): Promise<T> {
    const turn = this.queue.then(() => this.slot());
    this.queue = turn.catch(() => {});
    return turn.then(call);
  }

  /** Ends pending waits (they reject); calls already made are not affected. */
  stop(): void {
    this.stopper.abort(new Error("shutting down"));
  }

  private async slot(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.recent.length > 0 && (this.recent[0] ?? 0) <= now - this.windowMs) {
        this.recent.shift();
      }
      if (this.recent.length < this.perWindow) {
        this.recent.push(now);
        return;
      }
      const wait = (this.recent[0] ?? now) + this.windowMs - now;
      await sleep(wait, undefined, { signal: this.stopper.signal }).catch(() => {
        throw this.stopper.signal.reason;
      });
    }
  }
}

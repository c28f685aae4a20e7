// Rate limits of the fake Slack: injected 429s, and optional emulation of Slack's tiers
// (docs.slack.dev/apis/web-api/rate-limits). A quota is "N calls per window" per method
// (chat.postMessage: per channel); `windowMs` scales the minute down for benches.

export type Tier = 1 | 2 | 3 | 4 | "postMessage";

/** Calls allowed per one-minute window, by tier. */
export const TIER_QUOTA_PER_MINUTE: Record<Exclude<Tier, "postMessage">, number> = {
  1: 1,
  2: 20,
  3: 50,
  4: 100,
};

/** chat.postMessage: about one message per second per channel, with a short burst allowed. */
export const POST_MESSAGE_QUOTA = { burst: 5, perSeconds: 5 } as const;

interface Injection {
  remaining: number;
  retryAfterSec: number;
}

export interface RateLimiterOptions {
  /** Emulate tier quotas (off: only injected 429s happen). */
  tiers: boolean;
  /** Length of Slack's one-minute window (shorter for benches). */
  windowMs: number;
  now: () => number;
}

export class RateLimiter {
  readonly #options: RateLimiterOptions;
  readonly #injections = new Map<string, Injection[]>();
  readonly #windows = new Map<string, number[]>();

  constructor(options: RateLimiterOptions) {
    this.#options = options;
  }

  /** The next `times` calls to `method` get a 429 with `Retry-After: retryAfterSec`. */
  inject(method: string, times: number, retryAfterSec: number): void {
    const queue = this.#injections.get(method) ?? [];
    queue.push({ remaining: times, retryAfterSec });
    this.#injections.set(method, queue);
  }

  /** Returns the Retry-After seconds when this call is limited, else undefined (and counts it). */
  check(method: string, tier: Tier, channel: string | undefined): number | undefined {
    const injected = this.#takeInjection(method);
    if (injected !== undefined) return injected;
    if (!this.#options.tiers) return undefined;
    const { key, limit, windowMs } = this.#quota(method, tier, channel);
    const now = this.#options.now();
    const window = (this.#windows.get(key) ?? []).filter((at) => at > now - windowMs);
    if (window.length >= limit) {
      this.#windows.set(key, window);
      const oldest = window[0] ?? now;
      return Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
    }
    window.push(now);
    this.#windows.set(key, window);
    return undefined;
  }

  reset(): void {
    this.#injections.clear();
    this.#windows.clear();
  }

  #takeInjection(method: string): number | undefined {
    const queue = this.#injections.get(method);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.retryAfterSec;
  }

  #quota(method: string, tier: Tier, channel: string | undefined) {
    const minute = this.#options.windowMs;
    if (tier === "postMessage") {
      return {
        key: `${method}:${channel ?? ""}`,
        limit: POST_MESSAGE_QUOTA.burst,
        windowMs: (minute / 60) * POST_MESSAGE_QUOTA.perSeconds,
      };
    }
    return { key: method, limit: TIER_QUOTA_PER_MINUTE[tier], windowMs: minute };
  }
}

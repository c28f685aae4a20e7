import { setTimeout as sleep } from "node:timers/promises";
import { UpstreamError } from "../errors.ts";
import type { Logger } from "../logger.ts";

// The bot paces its Slack calls before making them instead of learning its limits from 429s:
// one lane per limit Slack keeps (per method per workspace; chat.postMessage per channel), shared
// by every replica when a PostgreSQL is (PaceStore). A lane allows `limit` calls in any `window`
// (a sliding log of the calls' times, those still to come included, as Slack counts them). A 429
// that comes all the same holds that lane for its Retry-After and is retried, that call alone:
// nothing else waits for it.

export interface LaneSpec {
  limit: number;
  /** In Slack's time (the fault suite and the bench shorten it: SlackPacer's scale). */
  windowMs: number;
  /** A limit per channel (chat.postMessage's), not per workspace. */
  perChannel?: boolean;
  /** Calls of the window that work nobody waits for (queued edits) leaves to calls someone does. */
  reserve?: number;
}

/** Slack's limits (docs.slack.dev, rate limits), each kept a little under. */
const LANES: Readonly<Record<string, LaneSpec>> = {
  // Tier 3, per app per workspace (~50 a minute): every root, digest and buttons edit.
  "chat.update": { limit: 45, windowMs: 60_000, reserve: 5 },
  // About one message a second per channel, short bursts allowed: 5 in any 5.5 s. A new run's
  // root (its command was answered already) leaves 2 of them to replies a notification waits on.
  "chat.postMessage": { limit: 5, windowMs: 5500, perChannel: true, reserve: 2 },
  // Tier 3: thread reads when the record is in doubt, alert lookups.
  "conversations.replies": { limit: 45, windowMs: 60_000 },
  "conversations.history": { limit: 45, windowMs: 60_000 },
  // Tier 4 (~100 a minute): files.getUploadURLExternal and files.completeUploadExternal.
  "files.uploadV2": { limit: 90, windowMs: 60_000 },
};

/**
 * Real time added to every window: a call leaves (and reaches Slack) a little after its planned
 * time when the process is busy, so two calls planned a window apart may arrive closer than that.
 */
const LAG_MS = 50;
/** A call that leaves this much later than planned has its time in the log put right. */
const LATE_MS = 15;
/** How many windows a yielding call lets others go first, at most (then it takes its turn). */
const YIELD_WINDOWS = 8;
/** Rate-limited attempts of one call before its 429 is the caller's. */
const MAX_ATTEMPTS = 5;

export interface Slot {
  granted: boolean;
  /** Granted: how long to wait before calling. Refused: when to ask again. */
  waitMs: number;
  /** Granted: the call's time in the lane's log (the store's clock). */
  at?: number;
}

/** Where lanes keep their calls' times: this process's memory, or PostgreSQL for replicas. */
export interface PaceStore {
  /**
   * Takes the next call of `lane`. A caller who waits is always granted, after waitMs; one with a
   * `reserve` (work nobody waits for) only when it may call now and `reserve` calls are left.
   */
  take(lane: string, limit: number, windowMs: number, reserve?: number): Promise<Slot>;
  /** A call taken with a reserve and not made. */
  giveBack(lane: string): Promise<void>;
  /** Slack answered 429: the lane makes no call for `ms`. */
  hold(lane: string, ms: number): Promise<void>;
  /** The call planned `at` leaves only now (a busy process): the log takes its real time. */
  late(lane: string, at: number): Promise<void>;
}

/**
 * One take on a lane's log (ascending times; those of calls still to come at the end). The new
 * call goes after every call taken before it, and once the window holds fewer than `limit`.
 */
export function takeSlot(
  log: readonly number[],
  now: number,
  limit: number,
  windowMs: number,
  reserve: number | undefined,
): { log: number[]; slot: Slot } {
  const recent = log.filter((t) => t > now - windowMs);
  const n = recent.length;
  let at = Math.max(now, recent[n - 1] ?? now);
  if (n >= limit) at = Math.max(at, (recent[n - limit] ?? now) + windowMs);
  if (reserve !== undefined) {
    const room = limit - reserve;
    if (at > now || n >= room) {
      const free = n >= room ? (recent[n - room] ?? now) + windowMs : now;
      return { log: recent, slot: { granted: false, waitMs: Math.max(1, at - now, free - now) } };
    }
  }
  return { log: [...recent, at], slot: { granted: true, waitMs: at - now, at } };
}

export class MemoryPaceStore implements PaceStore {
  private readonly logs = new Map<string, number[]>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  async take(lane: string, limit: number, windowMs: number, reserve?: number): Promise<Slot> {
    const step = takeSlot(this.logs.get(lane) ?? [], this.now(), limit, windowMs, reserve);
    this.logs.set(lane, step.log);
    return step.slot;
  }

  async giveBack(lane: string): Promise<void> {
    const log = this.logs.get(lane);
    const now = this.now();
    const last = log?.findLastIndex((t) => t <= now) ?? -1;
    if (log && last >= 0) log.splice(last, 1);
  }

  async late(lane: string, at: number): Promise<void> {
    const log = this.logs.get(lane);
    const i = log?.indexOf(at) ?? -1;
    if (!log || i < 0) return;
    log[i] = Math.max(at, this.now());
    log.sort((a, b) => a - b);
  }

  async hold(lane: string, ms: number): Promise<void> {
    const log = this.logs.get(lane) ?? [];
    const until = this.now() + ms;
    // A call at the end of the pause: every later one comes after it.
    if ((log.at(-1) ?? 0) < until) log.push(until);
    this.logs.set(lane, log);
  }
}

/** How long Slack asked to wait (Retry-After), when `err` is a 429; else undefined. */
export function retryAfterMs(err: unknown): number | undefined {
  const raw = err instanceof UpstreamError ? err.cause : err;
  const e = raw as { code?: unknown; retryAfter?: unknown } | undefined;
  if (e?.code !== "slack_webapi_rate_limited_error") return undefined;
  return typeof e.retryAfter === "number" && e.retryAfter > 0 ? e.retryAfter * 1000 : 1000;
}

interface Lane {
  key: string;
  limit: number;
  windowMs: number;
  reserve: number;
}

export interface PacerOptions {
  store: PaceStore;
  logger: Logger;
  /** Slack's windows this many times shorter (the fault suite and the bench; 1 in production). */
  scale?: number;
  /** Aborted at shutdown: ends the waits. */
  signal?: AbortSignal;
}

export class SlackPacer {
  private readonly store: PaceStore;
  private readonly scale: number;
  private readonly signal: AbortSignal | undefined;
  private readonly log: Logger;

  constructor(opts: PacerOptions) {
    this.store = opts.store;
    this.scale = opts.scale ?? 1;
    this.signal = opts.signal;
    this.log = opts.logger.child({ component: "slack-pacer" });
  }

  /**
   * Calls `call` (one Web API method, `channel` for per-channel limits) once its lane allows; a
   * 429 holds the lane and is retried after Retry-After, up to MAX_ATTEMPTS, then thrown. A
   * `yielding` call lets calls someone waits for go first, for a few windows at most (postRoot).
   */
  async call<T>(
    method: string,
    channel: string | undefined,
    call: () => Promise<T>,
    opts: { yielding?: boolean } = {},
  ): Promise<T> {
    const lane = this.lane(method, channel);
    for (let attempt = 1; ; attempt++) {
      if (lane) await this.turn(lane, opts.yielding === true);
      try {
        return await call();
      } catch (err) {
        const after = retryAfterMs(err);
        if (after === undefined || attempt >= MAX_ATTEMPTS) throw err;
        this.log.warn(
          { method, channel, retryAfterMs: after, attempt },
          "Slack rate-limited a call",
        );
        await this.held(method, channel, after);
        // Without a lane, nobody else keeps the pause: this call waits it out itself.
        if (!lane) await this.sleep(after);
      }
    }
  }

  /** Waits until the call's lane lets it go. */
  private async turn(lane: Lane, yielding: boolean): Promise<void> {
    if (yielding && (await this.yielded(lane))) return;
    const asked = performance.now();
    const slot = await this.store.take(lane.key, lane.limit, lane.windowMs);
    if (slot.waitMs > 0) await this.sleep(slot.waitMs);
    await this.onTime(lane, slot, asked);
  }

  /**
   * Slack counts a call when it arrives: one that leaves late (a busy event loop, a slow answer
   * from the store) is logged at its real time, so that the calls planned after it keep the window.
   */
  private async onTime(lane: Lane, slot: Slot, asked: number): Promise<void> {
    const late = performance.now() - asked - slot.waitMs;
    if (late > LATE_MS && slot.at !== undefined) await this.store.late(lane.key, slot.at);
  }

  /**
   * A yielding call waits while the lane has no room to spare, for YIELD_WINDOWS at most (it is
   * not starved when replies keep the lane busy): true when it took a call, false when it queues.
   */
  private async yielded(lane: Lane): Promise<boolean> {
    const until = performance.now() + YIELD_WINDOWS * lane.windowMs;
    for (;;) {
      const asked = performance.now();
      const slot = await this.store.take(lane.key, lane.limit, lane.windowMs, lane.reserve);
      if (slot.granted) {
        await this.onTime(lane, slot, asked);
        return true;
      }
      const left = until - performance.now();
      if (left <= 0) return false;
      await this.sleep(Math.min(Math.max(1, slot.waitMs), left));
    }
  }

  /**
   * A call of `method` for work nobody waits for (the edit queue): 0 when it may go now, else how
   * long to wait before asking again. Leaves room in the burst for calls someone waits for.
   */
  async tryTake(method: string, channel?: string): Promise<number> {
    const lane = this.lane(method, channel);
    if (!lane) return 0;
    const slot = await this.store.take(lane.key, lane.limit, lane.windowMs, lane.reserve);
    return slot.granted ? 0 : Math.max(1, slot.waitMs);
  }

  /** A call taken with tryTake that was not made after all. */
  async giveBack(method: string, channel?: string): Promise<void> {
    const lane = this.lane(method, channel);
    if (lane) await this.store.giveBack(lane.key);
  }

  /** Slack answered 429 with Retry-After `ms`: the whole lane waits, here and in every replica. */
  async held(method: string, channel: string | undefined, ms: number): Promise<void> {
    const lane = this.lane(method, channel);
    if (lane) await this.store.hold(lane.key, ms);
  }

  private lane(method: string, channel: string | undefined): Lane | undefined {
    const spec = LANES[method];
    if (!spec) return undefined;
    return {
      key: spec.perChannel ? `${method}:${channel ?? ""}` : method,
      limit: spec.limit,
      windowMs: spec.windowMs / this.scale + LAG_MS,
      reserve: spec.reserve ?? 0,
    };
  }

  private async sleep(ms: number): Promise<void> {
    const signal = this.signal;
    await sleep(ms, undefined, signal ? { signal } : {}).catch(() => {
      throw signal?.reason ?? new Error("shutting down");
    });
  }
}

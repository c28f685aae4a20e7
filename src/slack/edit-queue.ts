import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { isTransient } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Message } from "./blocks/types.ts";
import { retryAfterMs, type SlackPacer } from "./pacer.ts";

// Edits of messages the bot already posted (a run's root, a batch's digest, a child's buttons
// message) only need their newest content, and chat.update is Tier 3 for the whole app. So an edit
// is queued, not waited for: it goes at once when the budget allows, else it waits in the queue,
// where a newer edit of the same message replaces it (keeping its place in line). The queue is
// PostgreSQL's with replicas (EditStore): an edit queued by a replica that dies is sent by another,
// and the replicas' edits of one digest become one. Alone, it is this process's memory; a crash
// loses it, and the restart's catch-up draws every recent run's root and digest again from Kestra.

const METHOD = "chat.update";
/** Sends in flight at once per process. */
const CONCURRENCY = 4;
/**
 * How long a claim on an edit lasts unless its sender renews it (every third of it, while the
 * call and the WebClient's retries of it go on): a replica that dies mid-send frees the message
 * soon, for the other's queue and for a decision waiting to edit it (exclusive).
 */
const EDIT_LEASE_MS = 15_000;
/** How often an idle queue looks for edits (another replica's orphans, retries come due). */
const POLL_MS = 1000;
/** How often an edit that must go now looks whether the one in flight has gone. */
const BUSY_POLL_MS = 25;
const MAX_BACKOFF_MS = 5 * 60_000;

export interface EditTarget {
  channel: string;
  /** The message edited. */
  ts: string;
  /** Its thread (the journal keeps what each message records by thread). */
  rootTs: string;
}

export interface Edit extends EditTarget {
  message: Message;
  /** The post's identity and record (JSON values only). */
  meta?: { run: string; key: string; [field: string]: unknown } | undefined;
}

export interface QueuedEdit extends Edit {
  /** Grows each time newer content replaces the waiting one. */
  version: number;
  /** Failed sends so far (their backoff). */
  attempts: number;
}

export interface EditStore {
  /** Queues the edit; a waiting edit of the same message takes its content and keeps its place. */
  put(edit: Edit): Promise<void>;
  /** Whether an edit is due and nobody is sending it. */
  due(): Promise<boolean>;
  /** Claims the oldest due edit (or that of `only`) for `leaseMs`; undefined when there is none. */
  claim(owner: string, leaseMs: number, only?: EditTarget): Promise<QueuedEdit | undefined>;
  /** The claim of `owner` on the edit lasts `leaseMs` from now (its send goes on). */
  renew(edit: EditTarget, owner: string, leaseMs: number): Promise<void>;
  /** This version is done with (sent, or refused for good): gone, unless newer content waits. */
  settle(edit: QueuedEdit): Promise<void>;
  /** Not sent now: back in line, due in `delayMs`. */
  later(edit: QueuedEdit, delayMs: number): Promise<void>;
  /** Drops the waiting edit of a message; "busy" while one is being sent. */
  clear(target: EditTarget): Promise<"clear" | "busy">;
}

export interface EditQueueOptions {
  store: EditStore;
  pacer: SlackPacer;
  /** Makes the edit: chat.update, and the record of it (the journal). */
  send: (edit: Edit) => Promise<void>;
  /**
   * A queued edit Slack refused, for good (it is dropped) or for now (it is tried again): the run
   * is told of it, so that it is reported or looked at again.
   */
  failed: (edit: Edit, err: unknown) => Promise<void>;
  logger: Logger;
  signal?: AbortSignal;
  pollMs?: number;
  /** EDIT_LEASE_MS (tests shorten it). */
  leaseMs?: number;
}

export class EditQueue {
  private readonly o: EditQueueOptions;
  private readonly owner = randomUUID();
  private readonly log: Logger;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private inFlight = 0;
  private stopped = true;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;

  constructor(opts: EditQueueOptions) {
    this.o = opts;
    this.pollMs = opts.pollMs ?? POLL_MS;
    this.leaseMs = opts.leaseMs ?? EDIT_LEASE_MS;
    this.log = opts.logger.child({ component: "edit-queue" });
  }

  /**
   * Queues an edit and sends it at once when the budget allows; resolves when it is sent or
   * queued. Throws when sending it now failed (refused: dropped; unavailable: it stays queued).
   */
  async edit(edit: Edit): Promise<void> {
    await this.o.store.put(edit);
    if ((await this.o.pacer.tryTake(METHOD)) > 0) return this.kick();
    const claimed = await this.o.store.claim(this.owner, this.leaseMs, edit);
    if (!claimed) {
      // Being sent (an older content) or backing off: the newest content goes next.
      await this.o.pacer.giveBack(METHOD);
      return this.kick();
    }
    this.inFlight++;
    try {
      await this.deliver(claimed, true);
    } finally {
      this.inFlight--;
    }
  }

  /**
   * Before an edit that must be in Slack now (a decision): the waiting edit of that message is
   * dropped (what comes now is newer), and one being sent is waited for, so it cannot land after.
   */
  async exclusive(target: EditTarget): Promise<void> {
    while ((await this.o.store.clear(target)) === "busy") {
      await sleep(BUSY_POLL_MS, undefined, this.o.signal ? { signal: this.o.signal } : {});
    }
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loopDone = this.loop();
  }

  /** Sends what is due until none is left or `ms` have passed (shutdown). */
  async drain(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const due = await this.o.store.due().catch(() => false);
      if (!due && this.inFlight === 0) return;
      this.kick();
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.kick();
    await this.loopDone;
  }

  private kick(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.inFlight >= CONCURRENCY || !(await this.o.store.due())) {
          await this.idle(this.pollMs);
          continue;
        }
        const waitMs = await this.o.pacer.tryTake(METHOD);
        if (waitMs > 0) {
          await this.idle(waitMs);
          continue;
        }
        const claimed = await this.o.store.claim(this.owner, this.leaseMs);
        if (!claimed) {
          await this.o.pacer.giveBack(METHOD);
          continue;
        }
        this.inFlight++;
        void this.deliver(claimed, false)
          .catch((err: unknown) => this.log.error({ err }, "cannot send a queued edit"))
          .finally(() => {
            this.inFlight--;
            this.kick();
          });
      } catch (err) {
        this.log.warn({ err }, "edit queue cannot look for work; trying again");
        await this.idle(this.pollMs);
      }
    }
  }

  /** Sends a claimed edit; what Slack answers decides where it goes next. */
  private async deliver(edit: QueuedEdit, inline: boolean): Promise<void> {
    try {
      await this.send(edit);
    } catch (err) {
      const after = retryAfterMs(err);
      if (after !== undefined) {
        // Over the budget after all (another app, a replica's clock): it waits its turn again.
        await this.o.pacer.held(METHOD, undefined, after);
        await this.o.store.later(edit, after);
        return;
      }
      if (isTransient(err)) await this.o.store.later(edit, backoffMs(edit.attempts));
      else await this.o.store.settle(edit);
      this.log.warn(
        { err, channel: edit.channel, ts: edit.ts, run: edit.meta?.run, attempts: edit.attempts },
        isTransient(err) ? "an edit failed; it is tried again" : "Slack refuses an edit",
      );
      if (inline) throw err;
      await this.o.failed(edit, err);
      return;
    }
    await this.o.store.settle(edit);
  }

  /** The send, its claim renewed for as long as it takes. */
  private async send(edit: QueuedEdit): Promise<void> {
    const renewal = setInterval(() => {
      this.o.store
        .renew(edit, this.owner, this.leaseMs)
        .catch((err: unknown) => this.log.warn({ err }, "cannot renew the claim on an edit"));
    }, this.leaseMs / 3);
    renewal.unref();
    try {
      await this.o.send(edit);
    } finally {
      clearInterval(renewal);
    }
  }
}

function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(attempts, 20));
}

interface Waiting extends QueuedEdit {
  due: number;
  leasedUntil: number;
  owner: string | undefined;
}

/** The queue of one process (no DATABASE_URL): gone with it, redrawn by the next start's catch-up. */
export class MemoryEditStore implements EditStore {
  private readonly edits = new Map<string, Waiting>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  async put(edit: Edit): Promise<void> {
    const key = keyOf(edit);
    const waiting = this.edits.get(key);
    if (!waiting) {
      this.edits.set(key, {
        ...edit,
        version: 1,
        attempts: 0,
        due: this.now(),
        leasedUntil: 0,
        owner: undefined,
      });
      return;
    }
    if (sameContent(waiting, edit)) return;
    waiting.message = edit.message;
    waiting.meta = edit.meta;
    waiting.rootTs = edit.rootTs;
    waiting.version++;
  }

  async due(): Promise<boolean> {
    const now = this.now();
    for (const e of this.edits.values()) if (e.due <= now && e.leasedUntil < now) return true;
    return false;
  }

  async claim(owner: string, leaseMs: number, only?: EditTarget): Promise<QueuedEdit | undefined> {
    const now = this.now();
    let oldest: Waiting | undefined;
    const candidates = only ? [this.edits.get(keyOf(only))] : this.edits.values();
    for (const e of candidates) {
      if (!e || e.due > now || e.leasedUntil >= now) continue;
      if (!oldest || e.due < oldest.due) oldest = e;
    }
    if (!oldest) return undefined;
    oldest.leasedUntil = now + leaseMs;
    oldest.owner = owner;
    const { due: _due, leasedUntil: _lease, owner: _owner, ...edit } = oldest;
    return { ...edit };
  }

  async renew(edit: EditTarget, owner: string, leaseMs: number): Promise<void> {
    const waiting = this.edits.get(keyOf(edit));
    if (waiting && waiting.owner === owner) waiting.leasedUntil = this.now() + leaseMs;
  }

  async settle(edit: QueuedEdit): Promise<void> {
    const key = keyOf(edit);
    const waiting = this.edits.get(key);
    if (!waiting) return;
    if (waiting.version === edit.version) this.edits.delete(key);
    else {
      waiting.leasedUntil = 0;
      waiting.owner = undefined;
    }
  }

  async later(edit: QueuedEdit, delayMs: number): Promise<void> {
    const waiting = this.edits.get(keyOf(edit));
    if (!waiting) return;
    waiting.leasedUntil = 0;
    waiting.owner = undefined;
    waiting.due = this.now() + delayMs;
    waiting.attempts++;
  }

  async clear(target: EditTarget): Promise<"clear" | "busy"> {
    const key = keyOf(target);
    const waiting = this.edits.get(key);
    if (!waiting) return "clear";
    if (waiting.leasedUntil >= this.now()) return "busy";
    this.edits.delete(key);
    return "clear";
  }
}

function keyOf(t: EditTarget): string {
  return `${t.channel}:${t.ts}`;
}

function sameContent(a: Edit, b: Edit): boolean {
  return (
    JSON.stringify(a.message) === JSON.stringify(b.message) &&
    JSON.stringify(a.meta) === JSON.stringify(b.meta)
  );
}

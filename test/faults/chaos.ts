import { setTimeout as sleep } from "node:timers/promises";
import { REVISE } from "../../src/slack/ids.ts";
import type { RecordedRequest } from "../fakes/kestra.ts";
import type { PendingReply } from "../fakes/slack.ts";
import type { BotProcess } from "./bot-process.ts";
import { DRIVER_HEADER, type World } from "./world.ts";

// Seeded kills. A kill is "the N-th request of some kind that the bot makes from now on": the fake
// applies the request (a message is posted, a resume is accepted), then, before it answers, the
// bot is SIGKILLed, so it never learns the outcome. A fresh process is started at once on the same
// port (its start-up catch-up runs) and the next kill is armed once it serves.

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("pick from nothing");
  return item;
}

export function shuffle<T>(random: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Where a kill lands:
 * - slack / kestra: the N-th request the bot makes to that fake (anything: a read, a post, a search);
 * - post: the N-th thread reply with its identity (chat.postMessage with metadata), posted and unanswered;
 * - failure: right after the first post of a failure report (its alert, or its thread reply);
 * - upload: files.completeUploadExternal (the snippet is shared, the bot never hears so);
 * - click: the chat.update that records a decision (the buttons are gone), before Kestra's resume;
 * - resume: Kestra accepted the resume, the bot never hears so;
 * - create: Kestra created the execution of a /autofix, the bot never hears so;
 * - new-run: Kestra created the execution that takes a run's place in its thread (a revision, a
 *   cancelled run started again), the bot never hears so;
 * - kill: Kestra took the kill of a run (a cancel, a stuck alert's Retry), the bot never hears so;
 * - modal: the Revise form is shown (views.update), the bot never hears so;
 * - revision-note, cancel-note, rerun-note: the thread's note of a revision request, of a cancel
 *   ("Cancelled by"), of a run started again, posted and unanswered;
 * - stuck-alert: the stuck-run alert is posted in the alerts channel, unanswered;
 * - catchup: the N-th request (to either fake) of a restarted process before its start-up
 *   catch-up is done: it lands only after another kill (or a restart for a reconcile pass).
 */
export type KillKind =
  | "catchup"
  | "slack"
  | "kestra"
  | "post"
  | "failure"
  | "upload"
  | "click"
  | "resume"
  | "create"
  | "new-run"
  | "kill"
  | "modal"
  | "revision-note"
  | "cancel-note"
  | "rerun-note"
  | "stuck-alert";

/** The notes whose post a kill may land on, by the start of their key (src/runs/record.ts KEYS). */
const NOTE_KEYS: Partial<Record<KillKind, RegExp>> = {
  "revision-note": /^revise:/,
  "cancel-note": /^closed:cancelled:/,
  "rerun-note": /^(rerun|restarted):/,
  "stuck-alert": /^stuck:/,
};

export interface Kill {
  kind: KillKind;
  n: number;
}

export interface Landing {
  kill: Kill;
  /** The run being played when it landed (1-based). */
  run: number;
  /** The request it landed on, e.g. "chat.update root (decision)" or "POST /executions/{id}/actions/resume". */
  at: string;
}

type Request =
  | { fake: "slack"; call: PendingReply }
  | { fake: "kestra"; request: RecordedRequest & { n: number } };

function metaOf(call: PendingReply): Record<string, unknown> | undefined {
  const metadata = call.params["metadata"] as
    | { event_payload?: Record<string, unknown> }
    | undefined;
  return metadata?.event_payload;
}

function matches(kind: KillKind, r: Request): boolean {
  if (kind === "catchup") return true;
  if (r.fake === "kestra") {
    const { method, path } = r.request;
    if (kind === "kestra") return true;
    if (kind === "resume")
      return method === "POST" && /\/actions\/resume$/.test(path.split("?")[0] ?? "");
    if (kind === "create" || kind === "new-run") {
      return method === "POST" && /\/executions\/dev\.autofix\/ai-issue-autofix(\?|$)/.test(path);
    }
    if (kind === "kill") return method === "DELETE" && /\/actions\/kill(\?|$)/.test(path);
    return false;
  }
  const { method } = r.call;
  if (kind === "slack") return true;
  const meta = metaOf(r.call);
  if (kind === "post")
    return (
      method === "chat.postMessage" &&
      meta !== undefined &&
      r.call.params["thread_ts"] !== undefined
    );
  if (kind === "failure") {
    return method === "chat.postMessage" && /^(alert:)?failure:/.test(String(meta?.["key"] ?? ""));
  }
  if (kind === "upload") return method === "files.completeUploadExternal";
  if (kind === "click") return method === "chat.update" && meta?.["decision"] !== undefined;
  if (kind === "modal") {
    return (
      method === "views.update" &&
      JSON.stringify(r.call.params["view"] ?? "").includes(REVISE.feedbackBlock)
    );
  }
  const note = NOTE_KEYS[kind];
  if (note) return method === "chat.postMessage" && note.test(String(meta?.["key"] ?? ""));
  return false;
}

/**
 * What a restarting process does (until its catch-up is done) counts for "catchup" kills, and for
 * the targeted ones (the catch-up may be what posts the snippet or the failure report); an N-th
 * request of the flow is counted outside catch-ups only.
 */
function counts(kind: KillKind, settling: boolean): boolean {
  if (kind === "catchup") return settling;
  if (kind === "slack" || kind === "kestra") return !settling;
  return true;
}

function describe(r: Request): string {
  if (r.fake === "kestra") {
    const op = r.request.table?.passed ? r.request.table.operationId : "?";
    return `kestra ${r.request.method} ${op}`;
  }
  const meta = metaOf(r.call);
  const key = meta ? ` ${String(meta["key"])}${meta["decision"] ? " (decision)" : ""}` : "";
  return `slack ${r.call.method}${key}`;
}

/**
 * Kills the bot where the plan says, restarts it, and tells the drivers when it serves again.
 * A run's kills are armed together, each counting its own requests (see counts()). A kill not
 * landed by the end of its run moves on to the next run.
 */
export class KillSwitch {
  readonly landings: Landing[] = [];
  /** Per run: the requests restarted processes made until they had caught up. */
  readonly catchUps = new Map<number, { slack: number; kestra: number }>();
  private readonly bot: BotProcess;
  /** Planned, not armed yet (a run's kills wait for its execution, "create" excepted). */
  private readonly waiting: Kill[] = [];
  private armed: { kill: Kill; seen: number }[] = [];
  private generation = 0;
  private restarting: Promise<void> = Promise.resolve();
  private settling = false;
  /** A graceful stop (restart()) is under way: its requests are not the flow's. */
  private stopping = false;
  private run = 0;
  /** Graceful restarts (restart()). */
  restarts = 0;

  constructor(world: World, bot: BotProcess) {
    this.bot = bot;
    world.slack.beforeReply((call) => this.onRequest({ fake: "slack", call }));
    world.kestra.beforeReply((request) => {
      // The drivers' own requests (a batch's Subflow task) are Kestra's, not the bot's.
      if (request.headers[DRIVER_HEADER]) return;
      return this.onRequest({ fake: "kestra", request });
    });
  }

  /**
   * Run `run` begins with its kills (and any left over). Only a kill of the execution's creation
   * is armed before the execution exists: a kill before it would leave a root message and no run
   * (a known limit, README).
   */
  beginRun(run: number, kills: Kill[]): void {
    this.run = run;
    for (const kill of kills) {
      if (kill.kind === "create") this.armed.push({ kill, seen: 0 });
      else this.waiting.push(kill);
    }
  }

  /** The run's execution exists: the rest of its kills may land. */
  executionExists(): void {
    for (const kill of this.waiting.splice(0)) this.armed.push({ kill, seen: 0 });
  }

  /** The run has settled: a kill not landed yet moves on to the next run. */
  endRun(): void {
    this.waiting.unshift(...this.armed.map((a) => a.kill));
    this.armed = [];
  }

  /** Kills not landed. */
  get pending(): Kill[] {
    return [...this.armed.map((a) => a.kill), ...this.waiting];
  }

  /** Resolves when a process serves and has caught up (after any restart in progress). */
  async ready(): Promise<void> {
    for (;;) {
      const restarting = this.restarting;
      await restarting;
      if (restarting === this.restarting && this.bot.alive) return;
      await sleep(20);
    }
  }

  /**
   * A graceful restart (SIGTERM, as a deploy does), for a reconcile pass: the new process's
   * start-up catch-up counts as a restarted process's (targeted and catch-up kills may land in it).
   */
  async restart(): Promise<void> {
    await this.ready();
    const generation = ++this.generation;
    this.stopping = true;
    try {
      await this.bot.stop();
    } finally {
      this.stopping = false;
    }
    this.restarts++;
    this.settling = true;
    this.restarting = this.restartFrom(generation);
    this.restarting.catch(() => {}); // ready() reports it
    await this.ready();
  }

  private async onRequest(r: Request): Promise<void> {
    if (!this.bot.alive || this.stopping) return;
    if (this.settling) {
      const spent = this.catchUps.get(this.run) ?? { slack: 0, kestra: 0 };
      spent[r.fake]++;
      this.catchUps.set(this.run, spent);
    }
    let landing: { kill: Kill; seen: number } | undefined;
    for (const a of this.armed) {
      if (!counts(a.kill.kind, this.settling) || !matches(a.kill.kind, r)) continue;
      a.seen++;
      // One kill per request; another one due here lands on its next match.
      if (!landing && a.seen >= a.kill.n) landing = a;
    }
    if (!landing) return;
    this.armed = this.armed.filter((a) => a !== landing);
    this.landings.push({ kill: landing.kill, run: this.run, at: describe(r) });
    this.settling = true;
    const generation = ++this.generation;
    await this.bot.kill();
    this.restarting = this.restartFrom(generation);
    this.restarting.catch(() => {}); // ready() reports it
  }

  /** A fresh process on the same port; kills count again once it has caught up. */
  private async restartFrom(generation: number): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        await this.bot.start();
        // The drivers go on once the catch-up is done, so that the order of what happens (and
        // where the next kill lands) depends on the seed, not on timing.
        await this.bot.caughtUp();
        if (generation === this.generation) this.settling = false;
        return;
      } catch (err) {
        if (generation !== this.generation) return;
        if (this.bot.alive || tries >= 5) throw err;
        await sleep(100);
      }
    }
  }
}

import { createHash } from "node:crypto";
import type { RunStatus, Verdict } from "../shared/run-status.ts";
import type { SkippedIssue } from "../slack/blocks/digest-message.ts";
import type { PostMeta, SlackThreads, ThreadRef, ThreadSnapshot } from "../slack/thread.ts";
import type { RecordJournal } from "./journal.ts";

// What the bot has shown for a run. The thread is the record: every post carries its identity and
// the root (or a batch child's approval message) carries the decision, the PR link and the
// metrics in its metadata. This process keeps a copy; it reads the thread again when it has none
// (a restart) or when another replica may have posted since (RunRecordsOptions.shared).

export interface Decision {
  verdict: Verdict;
  /** Slack user id, and the user name Slack gave with the click (shown in the PR). */
  by: string;
  name?: string;
  at: string;
  /** The execution's attempt (restarts) it was made for: a restarted run needs a new one. */
  attempt: number;
  /** Revise: the reviewer's request, so that a restarted bot can still start the revision. */
  feedback?: string;
}

/** A stuck-run alert whose buttons a cancel or a retry answers (closed with who did it). */
export interface AlertRef {
  channel: string;
  ts: string;
}

/**
 * A cancel or a retry, recorded in the thread (its note's metadata) before Kestra is asked:
 * intent before effect. Whoever looks at the run next finishes it (OperationFinisher).
 */
export interface Intent {
  by: string;
  at: string;
  /** The execution's attempt when it was asked. */
  attempt: number;
  /** The stuck alert it came from. */
  alert?: AlertRef;
  /** A stuck alert's Retry: once the kill has landed, the run is started again. */
  rerunAfter?: true;
  /** It could not be done (the run had ended, Kestra refused): the note says so. */
  dropped?: true;
}

/** What this process knows of an intent besides its record: its note, and whether it is done. */
export interface HeldIntent extends Intent {
  /** The note that records it. */
  ts: string | undefined;
  key: string;
  /** Seen through, or dropped, by this process: nothing left to check. */
  settled?: boolean;
}

export type IntentKind = "cancel" | "rerun" | "restart";

export interface Metrics {
  durationMs?: number;
  tokens?: number;
  costUsd?: number;
}

/** What a message renders to, for RunRecord.rootRender: an unchanged root is not updated again. */
export function renderOf(message: unknown): string {
  return createHash("sha256").update(JSON.stringify(message)).digest("hex").slice(0, 16);
}

/** Keys of the posts a run makes; each is posted at most once. */
export const KEYS = {
  root: "root",
  patch: (fixTaskRun: string, fixAttempt: number) => `patch:${fixTaskRun}:${fixAttempt}`,
  approval: (attempt: number) => `approval:${attempt}`,
  /** The reply naming who must decide on a patch (one per patch). */
  ping: (fixTaskRun: string, fixAttempt: number) => `ping:${fixTaskRun}:${fixAttempt}`,
  pr: (createPrTaskRun: string) => `pr:${createPrTaskRun}`,
  failure: (attempt: number) => `failure:${attempt}`,
  closed: (status: RunStatus, attempt: number) => `closed:${status}:${attempt}`,
  restarted: (attempt: number) => `restarted:${attempt}`,
  /** On a cancelled run: it was started again as a new run (RunStarter.rerun). */
  rerun: (attempt: number) => `rerun:${attempt}`,
  revise: (attempt: number) => `revise:${attempt}`,
} as const;

export class RunRecord {
  readonly run: string;
  readonly thread: ThreadRef;
  decision: Decision | undefined;
  prUrl: string | undefined;
  metrics: Metrics | undefined;
  /** The worker's patch was empty: there is nothing to approve. */
  emptyPatch = false;
  /** Batch children: the message with their buttons, under their patch. */
  approval: { ts: string; key: string; open: boolean; said?: string } | undefined;
  /** Singles: a hash of what the root shows, as this run last rendered it. */
  rootRender: string | undefined;
  /** Shared by the records of one thread: which run the root follows (Revise moves it). */
  readonly shared: ThreadState;
  status: RunStatus | undefined;
  /** Batches: the issues the batch skipped, read once from its `issues` task. */
  skipped: SkippedIssue[] | undefined;
  /** When this process last resumed the run (Kestra applies a resume asynchronously). */
  resumedAt: number | undefined;
  /** A newer run of the thread whose root it follows (read once: this run never takes it back). */
  rootTakenBy: string | undefined;
  /** Cancel and retry asked for in the thread (the newest of each kind). */
  readonly intents: Partial<Record<IntentKind, HeldIntent>> = {};
  private readonly posted = new Set<string>();
  private readonly snapshot: ThreadSnapshot | undefined;

  constructor(run: string, thread: ThreadRef, shared: ThreadState, snapshot?: ThreadSnapshot) {
    this.run = run;
    this.thread = thread;
    this.shared = shared;
    this.snapshot = snapshot;
    const rootMeta = snapshot?.root?.meta;
    if (rootMeta?.run === run) this.rootRender = str(rootMeta["render"]);
    for (const post of snapshot?.of(run) ?? []) this.absorb(post.ts, post.meta);
  }

  has(key: string): boolean {
    return this.posted.has(key) || (this.snapshot?.has(this.run, key) ?? false);
  }

  mark(key: string): void {
    this.posted.add(key);
  }

  /** An edit of this run's message `key` never reached Slack: the next look draws it again. */
  unshown(key: string): void {
    if (key === KEYS.root) {
      this.rootRender = undefined;
      this.status = undefined;
    } else if (this.approval?.key === key) {
      const { said: _said, ...approval } = this.approval;
      this.approval = approval;
    }
  }

  /** An intent recorded here that this process has not seen through: the run is looked at again. */
  get unsettled(): boolean {
    return Object.values(this.intents).some((i) => !i.settled && !i.dropped);
  }

  /** False once the root follows another (revised) run: this run no longer updates it. */
  get ownsRoot(): boolean {
    return this.shared.rootOwner === undefined || this.shared.rootOwner === this.run;
  }

  /** Takes what a post's metadata records. */
  private absorb(ts: string, meta: PostMeta | undefined): void {
    if (!meta) return;
    this.posted.add(meta.key);
    const decision = decisionOf(meta["decision"]);
    if (decision) this.decision = decision;
    const prUrl = str(meta["prUrl"]);
    if (prUrl) this.prUrl = prUrl;
    const metrics = metricsOf(meta["metrics"]);
    if (metrics) this.metrics = metrics;
    if (meta["empty"] === true) this.emptyPatch = true;
    for (const kind of ["cancel", "rerun", "restart"] as const) {
      const intent = intentOf(meta[kind]);
      if (intent) this.intents[kind] = { ...intent, ts, key: meta.key };
    }
    if (meta.key === KEYS.root) {
      const status = str(meta["status"]);
      if (status) this.status = status as RunStatus;
      if (Array.isArray(meta["skipped"])) this.skipped = meta["skipped"] as SkippedIssue[];
    }
    if (meta.key.startsWith("approval:")) {
      const said = str(meta["said"]);
      this.approval = {
        ts,
        key: meta.key,
        open: !decision && meta["closed"] !== true,
        ...(said ? { said } : {}),
      };
    }
  }
}

/** What the records of one thread share. */
export interface ThreadState {
  rootOwner: string | undefined;
  /** What was read of the thread, if it was read: files there are known by their name only. */
  snapshot?: ThreadSnapshot | undefined;
}

export interface RunRecordsOptions {
  /**
   * Other replicas post too (DATABASE_URL): what each run posted is kept in this journal, read at
   * every load; the thread is read back only where the journal lacks it.
   */
  journal?: RecordJournal | undefined;
  /** Records kept in memory; the oldest are dropped first (they can be read back). */
  max?: number;
}

/** The records of runs, from memory, the journal (replicas), or their threads. */
export class RunRecords {
  private readonly threads: SlackThreads;
  private readonly journal: RecordJournal | undefined;
  private readonly max: number;
  private readonly cache = new Map<string, RunRecord>();
  private readonly threadStates = new Map<string, ThreadState>();

  constructor(threads: SlackThreads, opts: RunRecordsOptions) {
    this.threads = threads;
    this.journal = opts.journal;
    this.max = opts.max ?? 5000;
  }

  /** Call under the run's lock: the record is then current until the lock is released. */
  async load(run: string, thread: ThreadRef): Promise<RunRecord> {
    if (this.journal) {
      return this.absorb(run, thread, await journaled(this.journal, this.threads, run, thread));
    }
    const cached = this.cache.get(run);
    if (cached) return cached;
    // Alone, this process made every post in a thread it has read or created since, and keeps a
    // record of each: a run new to it there has posted nothing (a batch's next child).
    if (this.threadStates.has(threadKey(thread))) return this.fresh(run, thread);
    return this.absorb(run, thread, await this.threads.read(thread));
  }

  /** A thread the bot has just created: with replicas, the journal knows it has nothing to read. */
  async created(thread: ThreadRef): Promise<void> {
    await this.journal?.created(thread);
  }

  private absorb(run: string, thread: ThreadRef, snapshot: ThreadSnapshot): RunRecord {
    const shared = this.threadState(thread);
    shared.rootOwner = snapshot.root?.meta?.run;
    shared.snapshot = snapshot;
    // A batch thread holds many runs: keep what was read for the others too. When other replicas
    // post, what was read now is newer than what this process remembers of them (a PR link, a
    // decision that another replica recorded), so it replaces that.
    for (const other of new Set(snapshot.posts.map((p) => p.meta?.run))) {
      if (other && other !== run && (this.journal || !this.cache.has(other))) {
        this.keep(new RunRecord(other, thread, shared, snapshot));
      }
    }
    const record = new RunRecord(run, thread, shared, snapshot);
    this.keep(record);
    return record;
  }

  /** A record for a thread the bot has just created, or taken over: nothing to read back. */
  fresh(run: string, thread: ThreadRef): RunRecord {
    const state = this.threadState(thread);
    const record = new RunRecord(run, thread, state, state.snapshot);
    this.keep(record);
    return record;
  }

  private threadState(thread: ThreadRef): ThreadState {
    const key = threadKey(thread);
    let state = this.threadStates.get(key);
    if (!state) {
      state = { rootOwner: undefined };
      this.threadStates.set(key, state);
      if (this.threadStates.size > this.max) {
        const oldest = this.threadStates.keys().next().value;
        if (oldest !== undefined) this.forget(oldest);
      }
    }
    return state;
  }

  /** Drops a thread and every record of it: the next look reads it back whole. */
  private forget(key: string): void {
    this.threadStates.delete(key);
    for (const [run, record] of this.cache) {
      if (threadKey(record.thread) === key) this.cache.delete(run);
    }
  }

  peek(run: string): RunRecord | undefined {
    return this.cache.get(run);
  }

  private keep(record: RunRecord): void {
    this.cache.delete(record.run);
    this.cache.set(record.run, record);
    if (this.cache.size > this.max) {
      const oldest = this.cache.values().next().value;
      if (oldest) this.forget(threadKey(oldest.thread));
    }
  }
}

/** The journal's view of the thread; read back from Slack where it is in doubt for this run. */
async function journaled(
  journal: RecordJournal,
  threads: SlackThreads,
  run: string,
  thread: ThreadRef,
): Promise<ThreadSnapshot> {
  const look = await journal.look(thread, run);
  if (!look.doubt) return look.snapshot;
  await journal.settle(thread, run, await threads.read(thread));
  return (await journal.look(thread, run)).snapshot;
}

function threadKey(thread: ThreadRef): string {
  return `${thread.channel}:${thread.rootTs}`;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

function decisionOf(v: unknown): Decision | undefined {
  if (!v || typeof v !== "object") return undefined;
  const d = v as Record<string, unknown>;
  const verdict = d["verdict"];
  if (verdict !== "approve" && verdict !== "reject" && verdict !== "revise") return undefined;
  const by = str(d["by"]);
  const at = str(d["at"]);
  if (!by || !at) return undefined;
  const feedback = str(d["feedback"]);
  const attempt = typeof d["attempt"] === "number" ? d["attempt"] : 0;
  const name = str(d["name"]);
  return { verdict, by, at, attempt, ...(name ? { name } : {}), ...(feedback ? { feedback } : {}) };
}

function intentOf(v: unknown): Intent | undefined {
  if (!v || typeof v !== "object") return undefined;
  const i = v as Record<string, unknown>;
  const by = str(i["by"]);
  const at = str(i["at"]);
  if (!by || !at) return undefined;
  const attempt = typeof i["attempt"] === "number" ? i["attempt"] : 0;
  const a = i["alert"] as Record<string, unknown> | undefined;
  const channel = str(a?.["channel"]);
  const ts = str(a?.["ts"]);
  return {
    by,
    at,
    attempt,
    ...(channel && ts ? { alert: { channel, ts } } : {}),
    ...(i["rerunAfter"] === true ? { rerunAfter: true as const } : {}),
    ...(i["dropped"] === true ? { dropped: true as const } : {}),
  };
}

function metricsOf(v: unknown): Metrics | undefined {
  if (!v || typeof v !== "object") return undefined;
  const m = v as Record<string, unknown>;
  const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : undefined);
  const metrics: Metrics = {};
  const d = num(m["durationMs"]);
  const t = num(m["tokens"]);
  const c = num(m["costUsd"]);
  if (d !== undefined) metrics.durationMs = d;
  if (t !== undefined) metrics.tokens = t;
  if (c !== undefined) metrics.costUsd = c;
  return Object.keys(metrics).length > 0 ? metrics : undefined;
}

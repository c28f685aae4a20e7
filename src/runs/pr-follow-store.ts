import type { CachedRead, EtagStore } from "../github/conditional.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { PrState } from "../shared/run-status.ts";
import { KeyedLock } from "./keyed-lock.ts";
import type { PostgresLock } from "./lock.ts";

// Which PRs the bot follows, and the bookkeeping of following them: the PR's last known state and
// head commit. What the thread was told about a PR is not here: it is in the thread, each post
// carrying its identity like every other (RunRecord). Alone, the list is one value of Kestra's KV
// store, read once and kept in memory; with replicas it is a table next to the journal's, and a
// replica claims a PR before it looks at it, so that two replicas do not both ask GitHub.
//
// Only what is followed is kept: a PR that ended (merged, closed, no longer followed) is dropped a
// short grace after its end (`endedKeepMs`). Its thread, root and digest said the end already, and
// what shows a run's status later reads it from there, or asks GitHub (PrStates). So the list holds
// the PRs opened within AUTOFIX_PR_FOLLOW_DAYS that are still open, and no more than MAX_FOLLOWED.

/** "unfollowed": the follow window closed, or GitHub no longer shows the PR. */
export type FollowState = PrState | "unfollowed";

export interface FollowedPr {
  prUrl: string;
  /** owner/repo and number of the PR. */
  repo: string;
  number: number;
  /** The run that opened the PR: what is said about the PR carries its identity. */
  run: string;
  /** Every run of the PR, the opener first, then the follow-ups that pushed to it. */
  runs: string[];
  channel: string;
  rootTs: string;
  /** The root is a reply in this person's thread (a mention asked): replies go there. */
  threadTs?: string | undefined;
  requester: string;
  slug: string;
  batch?: string | undefined;
  /** When following began (ms). */
  since: number;
  state: FollowState;
  /** When the state left "open" (ms): the entry is dropped `endedKeepMs` later. */
  endedAt?: number | undefined;
  /** The head commit last seen, and when it was first seen (the checks' timeout counts from it). */
  headSha?: string | undefined;
  headSeenAt?: number | undefined;
}

export type FollowChange = Partial<Pick<FollowedPr, "state" | "headSha" | "headSeenAt">>;

export interface FollowStore {
  /** Follows the PR (once): a run of a PR already followed is added to its runs. */
  track(pr: FollowedPr): Promise<void>;
  get(prUrl: string): Promise<FollowedPr | undefined>;
  byRun(run: string): Promise<FollowedPr | undefined>;
  inThread(channel: string, rootTs: string): Promise<FollowedPr[]>;
  /** The PRs still followed (and, first, drops those that ended more than the grace ago). */
  open(): Promise<FollowedPr[]>;
  update(prUrl: string, change: FollowChange): Promise<void>;
  /** This process may look at the PR now (no other replica did within `gapMs`). */
  claim(prUrl: string, gapMs: number): Promise<boolean>;
}

export interface FollowStoreOptions {
  /** An ended PR is kept this long after its end (endedKeepMs). */
  endedKeepMs: number;
}

/**
 * An ended PR is kept five follower intervals after its end (10 minutes at the default 120 s, and
 * when the follower looks only at start-up): long enough for what races the end (a Fix clicked
 * as the PR merges is told it merged).
 */
export function endedKeepMs(intervalMs: number): number {
  return 5 * (intervalMs > 0 ? intervalMs : 120_000);
}

/**
 * An entry still open this long after following began is dropped all the same: following stops
 * after AUTOFIX_PR_FOLLOW_DAYS (at most this), but not when following was turned off meanwhile.
 */
export const KEEP_MS = 60 * 86_400_000;
/**
 * At most this many PRs are kept alone (one KV value): a team opening 30 PRs a day and merging
 * none would have 420 open within the default 14 days. Past it, the oldest are dropped (logged).
 */
export const MAX_FOLLOWED = 1000;
const KV_KEY = "autofix-pr-follow";

function merged(before: FollowedPr | undefined, pr: FollowedPr): FollowedPr | undefined {
  if (!before) return pr;
  const runs = [...new Set([...before.runs, ...pr.runs])];
  if (runs.length === before.runs.length) return undefined;
  return { ...before, runs };
}

/** The entry with the change applied, or undefined when it changes nothing. */
function changed(pr: FollowedPr, change: FollowChange, now: number): FollowedPr | undefined {
  const next: FollowedPr = { ...pr, ...change };
  if (next.state !== "open" && next.endedAt === undefined) next.endedAt = now;
  const keys = new Set([...Object.keys(pr), ...Object.keys(next)]) as Set<keyof FollowedPr>;
  for (const k of keys) if (next[k] !== pr[k]) return next;
  return undefined;
}

/**
 * Alone: one KV value of Kestra's, read once, then kept in memory (indexed by run) and written
 * whole only when it changed. Bounded by what is followed: see the top of this file.
 */
export class KvFollowStore implements FollowStore {
  private readonly kestra: KestraClient;
  private readonly now: () => number;
  private readonly endedKeepMs: number;
  private readonly onDrop: ((dropped: FollowedPr[]) => void) | undefined;
  private readonly serial = new KeyedLock();
  private known: Map<string, FollowedPr> | undefined;
  private runs = new Map<string, string>();

  constructor(
    kestra: KestraClient,
    opts: FollowStoreOptions & {
      now?: (() => number) | undefined;
      /** Open PRs dropped past MAX_FOLLOWED (no longer followed): for the log. */
      onDrop?: (dropped: FollowedPr[]) => void;
    },
  ) {
    this.kestra = kestra;
    this.now = opts.now ?? Date.now;
    this.endedKeepMs = opts.endedKeepMs;
    this.onDrop = opts.onDrop;
  }

  track(pr: FollowedPr): Promise<void> {
    return this.change((all) => {
      const next = merged(all.get(pr.prUrl), pr);
      if (next) all.set(pr.prUrl, next);
      return next !== undefined;
    });
  }

  async get(prUrl: string): Promise<FollowedPr | undefined> {
    return (await this.all()).get(prUrl);
  }

  async byRun(run: string): Promise<FollowedPr | undefined> {
    const all = await this.all();
    const url = this.runs.get(run);
    return url === undefined ? undefined : all.get(url);
  }

  async inThread(channel: string, rootTs: string): Promise<FollowedPr[]> {
    return [...(await this.all()).values()].filter(
      (p) => p.channel === channel && p.rootTs === rootTs,
    );
  }

  async open(): Promise<FollowedPr[]> {
    // Once a pass: what ended more than the grace ago goes, even when nothing else changes.
    await this.change(() => false);
    return [...(await this.all()).values()].filter((p) => p.state === "open");
  }

  update(prUrl: string, change: FollowChange): Promise<void> {
    return this.change((all) => {
      const pr = all.get(prUrl);
      const next = pr && changed(pr, change, this.now());
      if (next) all.set(prUrl, next);
      return next !== undefined;
    });
  }

  async claim(): Promise<boolean> {
    return true;
  }

  private async all(): Promise<Map<string, FollowedPr>> {
    if (!this.known) {
      const raw = await this.kestra.kvGet(KV_KEY);
      const entries = raw && typeof raw === "object" ? Object.entries(raw as object) : [];
      this.keep(new Map(entries as [string, FollowedPr][]));
    }
    return this.known as Map<string, FollowedPr>;
  }

  private keep(all: Map<string, FollowedPr>): void {
    this.known = all;
    this.runs = new Map();
    for (const pr of all.values()) for (const run of pr.runs) this.runs.set(run, pr.prUrl);
  }

  /** `edit` says whether it changed the copy it gets; the value is written when anything did. */
  private change(edit: (all: Map<string, FollowedPr>) => boolean): Promise<void> {
    return this.serial.run(KV_KEY, async () => {
      const all = new Map(await this.all());
      const edited = edit(all);
      const dropped = this.prune(all);
      if (!edited && dropped === 0) return;
      await this.kestra.kvPut(KV_KEY, Object.fromEntries(all));
      this.keep(all);
    });
  }

  /** Drops what ended more than the grace ago, what is too old, and the oldest past the cap. */
  private prune(all: Map<string, FollowedPr>): number {
    const now = this.now();
    const before = all.size;
    for (const [url, pr] of all) {
      const ended = pr.state !== "open" && (pr.endedAt ?? pr.since) < now - this.endedKeepMs;
      if (ended || pr.since < now - KEEP_MS) all.delete(url);
    }
    if (all.size > MAX_FOLLOWED) {
      // Ended ones first, then the oldest (a Map keeps the order in which PRs were first tracked).
      const order = [...all.values()].sort(
        (a, b) => Number(a.state === "open") - Number(b.state === "open") || a.since - b.since,
      );
      const excess = order.slice(0, all.size - MAX_FOLLOWED);
      for (const pr of excess) all.delete(pr.prUrl);
      const open = excess.filter((p) => p.state === "open");
      if (open.length > 0) this.onDrop?.(open);
    }
    return before - all.size;
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS autofix_pr_follow (
  pr text PRIMARY KEY,
  thread text NOT NULL,
  state text NOT NULL,
  item jsonb NOT NULL,
  polled_at timestamptz,
  at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE autofix_pr_follow ADD COLUMN IF NOT EXISTS ended_at timestamptz;
CREATE TABLE IF NOT EXISTS autofix_github_etag (
  key text PRIMARY KEY,
  etag text NOT NULL,
  value jsonb NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);`;

type Db = Pick<PostgresLock, "query" | "run">;

/**
 * Replicas: a table next to the journal's; a claim is a conditional update of `polled_at`. Rows
 * are kept as long as the KV value's entries: an ended PR `endedKeepMs` after its end.
 */
export class PostgresFollowStore implements FollowStore {
  private readonly db: Db;
  private readonly endedKeepMs: number;

  constructor(db: Db, opts: FollowStoreOptions) {
    this.db = db;
    this.endedKeepMs = opts.endedKeepMs;
  }

  async init(): Promise<void> {
    await this.db.run("autofix-schema-pr-follow", async () => {
      await this.db.query(SCHEMA, []);
      // The follow list is pruned at each pass (open()); the ETags here.
      await this.db.query(
        `DELETE FROM autofix_github_etag WHERE at < now() - interval '${KEEP_MS / 1000} seconds'`,
        [],
      );
    });
  }

  async track(pr: FollowedPr): Promise<void> {
    // Under the PR's own advisory lock: two replicas tracking two runs of a PR keep both.
    await this.db.run(`pr-follow:${pr.prUrl}`, async () => {
      const next = merged(await this.get(pr.prUrl), pr);
      if (!next) return;
      await this.db.query(
        `INSERT INTO autofix_pr_follow (pr, thread, state, item) VALUES ($1, $2, $3, $4)
         ON CONFLICT (pr) DO UPDATE SET item = excluded.item`,
        [next.prUrl, `${next.channel}:${next.rootTs}`, next.state, next],
      );
    });
  }

  async get(prUrl: string): Promise<FollowedPr | undefined> {
    return this.one("SELECT item FROM autofix_pr_follow WHERE pr = $1", [prUrl]);
  }

  byRun(run: string): Promise<FollowedPr | undefined> {
    return this.one("SELECT item FROM autofix_pr_follow WHERE item->'runs' ? $1 LIMIT 1", [run]);
  }

  async inThread(channel: string, rootTs: string): Promise<FollowedPr[]> {
    const { rows } = await this.db.query<{ item: FollowedPr }>(
      "SELECT item FROM autofix_pr_follow WHERE thread = $1",
      [`${channel}:${rootTs}`],
    );
    return rows.map((r) => r.item);
  }

  async open(): Promise<FollowedPr[]> {
    // Once a pass (whichever replica): what ended more than the grace ago goes.
    await this.db.query(
      `DELETE FROM autofix_pr_follow WHERE (state <> 'open'
         AND COALESCE(ended_at, at) < now() - $1::bigint * interval '1 millisecond')
         OR at < now() - interval '${KEEP_MS / 1000} seconds'`,
      [Math.max(0, Math.round(this.endedKeepMs))],
    );
    const { rows } = await this.db.query<{ item: FollowedPr }>(
      "SELECT item FROM autofix_pr_follow WHERE state = 'open' ORDER BY at",
      [],
    );
    return rows.map((r) => r.item);
  }

  async update(prUrl: string, change: FollowChange): Promise<void> {
    // Leaving "open" stamps the end (once), in the row and in the item as the KV value has it.
    await this.db.query(
      `UPDATE autofix_pr_follow SET
         ended_at = CASE WHEN ended_at IS NULL AND COALESCE($2::jsonb->>'state', state) <> 'open'
           THEN now() ELSE ended_at END,
         item = item || $2::jsonb || CASE
           WHEN ended_at IS NULL AND COALESCE($2::jsonb->>'state', state) <> 'open'
           THEN jsonb_build_object('endedAt', (extract(epoch FROM now()) * 1000)::bigint)
           ELSE '{}'::jsonb END,
         state = COALESCE($2::jsonb->>'state', state) WHERE pr = $1`,
      [prUrl, JSON.stringify(change)],
    );
  }

  async claim(prUrl: string, gapMs: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE autofix_pr_follow SET polled_at = now() WHERE pr = $1
         AND (polled_at IS NULL OR polled_at < now() - $2::int * interval '1 millisecond')`,
      [prUrl, Math.max(0, Math.round(gapMs))],
    );
    return (rowCount ?? 0) > 0;
  }

  private async one(text: string, values: unknown[]): Promise<FollowedPr | undefined> {
    const { rows } = await this.db.query<{ item: FollowedPr }>(text, values);
    return rows[0]?.item;
  }
}

/** Replicas share the ETags too: whichever replica looks next still gets its 304. */
export class PostgresEtagStore implements EtagStore {
  private readonly db: Pick<PostgresLock, "query">;

  constructor(db: Pick<PostgresLock, "query">) {
    this.db = db;
  }

  async get(key: string): Promise<CachedRead | undefined> {
    const { rows } = await this.db.query<{ etag: string; value: unknown }>(
      "SELECT etag, value FROM autofix_github_etag WHERE key = $1",
      [key],
    );
    const row = rows[0];
    return row ? { etag: row.etag, value: row.value } : undefined;
  }

  async set(key: string, entry: CachedRead): Promise<void> {
    await this.db.query(
      `INSERT INTO autofix_github_etag (key, etag, value) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, value = excluded.value, at = now()`,
      [key, entry.etag, JSON.stringify(entry.value)],
    );
  }
}

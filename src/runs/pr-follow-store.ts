import type { CachedRead, EtagStore } from "../github/conditional.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { PrState } from "../shared/run-status.ts";
import { KvMap } from "./kv-value.ts";
import type { PostgresLock } from "./lock.ts";

// Which PRs the bot follows, and the bookkeeping of following them: the PR's last known state and
// head commit. What the thread was told about a PR is not here: it is in the thread, each post
// carrying its identity like every other (RunRecord). Alone, the list is one value of Kestra's KV
// store, read once and kept in memory; with replicas it is a table next to the journal's, and a
// replica claims a PR before it looks at it, so that two replicas do not both ask GitHub.

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
  requester: string;
  slug: string;
  batch?: string | undefined;
  /** When following began (ms). */
  since: number;
  state: FollowState;
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
  /** The PRs still followed. */
  open(): Promise<FollowedPr[]>;
  update(prUrl: string, change: FollowChange): Promise<void>;
  /** This process may look at the PR now (no other replica did within `gapMs`). */
  claim(prUrl: string, gapMs: number): Promise<boolean>;
}

/** Entries are kept this long after following began, for the views (merged, closed). */
const KEEP_MS = 60 * 86_400_000;
const KV_KEY = "autofix-pr-follow";

function merged(before: FollowedPr | undefined, pr: FollowedPr): FollowedPr | undefined {
  if (!before) return pr;
  const runs = [...new Set([...before.runs, ...pr.runs])];
  if (runs.length === before.runs.length) return undefined;
  return { ...before, runs };
}

/** Alone: one KV value of Kestra's, read once, then kept in memory and written on change. */
export class KvFollowStore implements FollowStore {
  private readonly map: KvMap<FollowedPr>;
  private readonly now: () => number;

  constructor(kestra: KestraClient, now: () => number = Date.now) {
    this.map = new KvMap(kestra, KV_KEY);
    this.now = now;
  }

  track(pr: FollowedPr): Promise<void> {
    return this.change((all) => {
      const next = merged(all[pr.prUrl], pr);
      if (next) all[pr.prUrl] = next;
    });
  }

  async get(prUrl: string): Promise<FollowedPr | undefined> {
    return (await this.map.all())[prUrl];
  }

  async byRun(run: string): Promise<FollowedPr | undefined> {
    return Object.values(await this.map.all()).find((p) => p.runs.includes(run));
  }

  async inThread(channel: string, rootTs: string): Promise<FollowedPr[]> {
    return Object.values(await this.map.all()).filter(
      (p) => p.channel === channel && p.rootTs === rootTs,
    );
  }

  async open(): Promise<FollowedPr[]> {
    return Object.values(await this.map.all()).filter((p) => p.state === "open");
  }

  update(prUrl: string, change: FollowChange): Promise<void> {
    return this.change((all) => {
      const pr = all[prUrl];
      if (pr) all[prUrl] = { ...pr, ...change };
    });
  }

  async claim(): Promise<boolean> {
    return true;
  }

  /** Every write also drops what is older than KEEP_MS. */
  private change(edit: (all: Record<string, FollowedPr>) => void): Promise<void> {
    return this.map.change((all) => {
      edit(all);
      for (const [url, pr] of Object.entries(all)) {
        if (pr.since < this.now() - KEEP_MS) delete all[url];
      }
    });
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
CREATE TABLE IF NOT EXISTS autofix_github_etag (
  key text PRIMARY KEY,
  etag text NOT NULL,
  value jsonb NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);`;

type Db = Pick<PostgresLock, "query" | "run">;

/** Replicas: a table next to the journal's; a claim is a conditional update of `polled_at`. */
export class PostgresFollowStore implements FollowStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async init(): Promise<void> {
    await this.db.run("autofix-schema-pr-follow", async () => {
      await this.db.query(SCHEMA, []);
      await this.db.query(
        `DELETE FROM autofix_pr_follow WHERE at < now() - interval '${KEEP_MS / 1000} seconds'`,
        [],
      );
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
    const { rows } = await this.db.query<{ item: FollowedPr }>(
      "SELECT item FROM autofix_pr_follow WHERE state = 'open' ORDER BY at",
      [],
    );
    return rows.map((r) => r.item);
  }

  async update(prUrl: string, change: FollowChange): Promise<void> {
    await this.db.query(
      `UPDATE autofix_pr_follow SET item = item || $2::jsonb,
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

import {
  type PostJournal,
  type PostMeta,
  type ThreadPost,
  type ThreadRef,
  ThreadSnapshot,
} from "../slack/thread.ts";
import type { PostgresLock } from "./lock.ts";
import { PACE_SCHEMA } from "./postgres-pace.ts";

// With DATABASE_URL, the record of what each run posted is kept next to its lock, in PostgreSQL,
// so a replica learns what another one posted without reading the thread (conversations.replies,
// Tier 3). A write is noted before Slack is called and confirmed after; the thread is read back
// only when the database lacks it (a thread from before, or pruned) or when one of the run's own
// writes is in doubt (a replica died mid-call).

/** What the journal holds of a thread for one run's look. */
export interface JournalLook {
  snapshot: ThreadSnapshot;
  /** Read the thread back: the journal does not know it, or a write of this run is in doubt. */
  doubt: boolean;
}

export interface RecordJournal extends PostJournal {
  look(t: ThreadRef, run: string): Promise<JournalLook>;
  /**
   * What was read back from Slack: posts the journal lacks come in, the run's writes in doubt are
   * settled (there, or never made); what the journal holds as done is never overwritten by an
   * older read.
   */
  settle(t: ThreadRef, run: string, read: ThreadSnapshot): Promise<void>;
  /** A thread the bot has just created: nothing to read back. */
  created(t: ThreadRef): Promise<void>;
}

/** Rows older than this go; a look at such a thread reads it back once. */
const KEEP_DAYS = 30;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS autofix_thread (
  thread text PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS autofix_post (
  thread text NOT NULL,
  run text NOT NULL,
  key text NOT NULL,
  ts text NOT NULL DEFAULT '',
  meta jsonb NOT NULL,
  files text[] NOT NULL DEFAULT '{}',
  pending boolean NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (thread, run, key)
);
CREATE TABLE IF NOT EXISTS autofix_pending_start (
  thread text PRIMARY KEY,
  start jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS autofix_start (
  issue text PRIMARY KEY,
  execution text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS autofix_edit (
  channel text NOT NULL,
  ts text NOT NULL,
  root_ts text NOT NULL,
  message jsonb NOT NULL,
  meta jsonb,
  version integer NOT NULL DEFAULT 1,
  attempts integer NOT NULL DEFAULT 0,
  due timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  owner text,
  PRIMARY KEY (channel, ts)
);
CREATE TABLE IF NOT EXISTS autofix_event (
  key text PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now()
);`;

interface Row {
  run: string;
  key: string;
  ts: string;
  meta: PostMeta;
  files: string[];
  pending: boolean;
}

const id = (t: ThreadRef) => `${t.channel}:${t.rootTs}`;

export class PostgresJournal implements RecordJournal {
  private readonly db: Pick<PostgresLock, "query" | "run">;

  constructor(db: Pick<PostgresLock, "query" | "run">) {
    this.db = db;
  }

  /** Creates the tables (once, whichever replica comes first) and drops what is too old. */
  async init(): Promise<void> {
    await this.db.run("autofix-schema", async () => {
      await this.db.query(SCHEMA, []);
      await this.db.query(PACE_SCHEMA, []);
      await this.db.query(
        `DELETE FROM autofix_post WHERE at < now() - interval '${KEEP_DAYS} days'`,
        [],
      );
      await this.db.query(
        `DELETE FROM autofix_thread WHERE at < now() - interval '${KEEP_DAYS} days'`,
        [],
      );
      await this.db.query("DELETE FROM autofix_start WHERE at < now() - interval '1 day'", []);
      await this.db.query("DELETE FROM autofix_event WHERE at < now() - interval '1 day'", []);
    });
  }

  async intend(t: ThreadRef, meta: PostMeta): Promise<void> {
    // A write already done stays done until it is confirmed again (an update of a root).
    await this.db.query(
      `INSERT INTO autofix_post (thread, run, key, meta, pending) VALUES ($1, $2, $3, $4, true)
       ON CONFLICT (thread, run, key) DO UPDATE SET pending = true, at = now()`,
      [id(t), meta.run, meta.key, meta],
    );
  }

  async done(t: ThreadRef, post: ThreadPost): Promise<void> {
    const meta = post.meta;
    if (!meta) return;
    await this.db.query(
      `INSERT INTO autofix_post (thread, run, key, ts, meta, files, pending)
       VALUES ($1, $2, $3, $4, $5, $6, false)
       ON CONFLICT (thread, run, key) DO UPDATE
       SET ts = CASE WHEN excluded.ts = '' THEN autofix_post.ts ELSE excluded.ts END,
           meta = excluded.meta, files = excluded.files, pending = false, at = now()`,
      [id(t), meta.run, meta.key, post.ts, meta, post.fileNames],
    );
  }

  async cancel(t: ThreadRef, meta: PostMeta): Promise<void> {
    // Only a first write is undone: an update Slack refused leaves the message as it was.
    await this.db.query(
      `DELETE FROM autofix_post WHERE thread = $1 AND run = $2 AND key = $3 AND ts = ''`,
      [id(t), meta.run, meta.key],
    );
    await this.db.query(
      `UPDATE autofix_post SET pending = false WHERE thread = $1 AND run = $2 AND key = $3`,
      [id(t), meta.run, meta.key],
    );
  }

  async posted(t: ThreadRef, meta: PostMeta): Promise<boolean | undefined> {
    const { rows } = await this.db.query<{ pending: boolean }>(
      "SELECT pending FROM autofix_post WHERE thread = $1 AND run = $2 AND key = $3",
      [id(t), meta.run, meta.key],
    );
    const row = rows[0];
    if (!row) return false;
    return row.pending ? undefined : true;
  }

  async look(t: ThreadRef, run: string): Promise<JournalLook> {
    const known = await this.db.query("SELECT 1 FROM autofix_thread WHERE thread = $1", [id(t)]);
    const { rows } = await this.db.query<Row>(
      "SELECT run, key, ts, meta, files, pending FROM autofix_post WHERE thread = $1 ORDER BY at",
      [id(t)],
    );
    const doubt = known.rowCount === 0 || rows.some((r) => r.run === run && r.pending);
    // An edit waiting in the queue (postgres-edits.ts) is what its message will show: it is sent,
    // by this replica or another, or refused and reported. What it records counts already.
    const queued = await this.db.query<{ ts: string; meta: PostMeta }>(
      "SELECT ts, meta FROM autofix_edit WHERE channel = $1 AND root_ts = $2 AND meta IS NOT NULL",
      [t.channel, t.rootTs],
    );
    return {
      snapshot: snapshotOf(
        t,
        withQueued(
          rows.filter((r) => !r.pending),
          queued.rows,
        ),
      ),
      doubt,
    };
  }

  async settle(t: ThreadRef, run: string, read: ThreadSnapshot): Promise<void> {
    for (const post of read.posts) {
      if (!post.meta) continue;
      await this.db.query(
        `INSERT INTO autofix_post (thread, run, key, ts, meta, files, pending)
         VALUES ($1, $2, $3, $4, $5, $6, false)
         ON CONFLICT (thread, run, key) DO UPDATE
         SET ts = excluded.ts, meta = excluded.meta, files = excluded.files, pending = false
         WHERE autofix_post.pending`,
        [id(t), post.meta.run, post.meta.key, post.ts, post.meta, post.fileNames],
      );
    }
    // Files carry their identity in their name only: a write in doubt there is done.
    const { rows } = await this.db.query<Row>(
      "SELECT run, key, ts, meta, files, pending FROM autofix_post WHERE thread = $1 AND run = $2 AND pending",
      [id(t), run],
    );
    for (const row of rows) {
      const there = read.has(row.run, row.key);
      await this.db.query(
        there
          ? "UPDATE autofix_post SET pending = false WHERE thread = $1 AND run = $2 AND key = $3"
          : "DELETE FROM autofix_post WHERE thread = $1 AND run = $2 AND key = $3",
        [id(t), row.run, row.key],
      );
    }
    await this.created(t);
  }

  async created(t: ThreadRef): Promise<void> {
    await this.db.query(
      "INSERT INTO autofix_thread (thread) VALUES ($1) ON CONFLICT (thread) DO UPDATE SET at = now()",
      [id(t)],
    );
  }
}

/** The rows with the records of queued edits in place of what their messages show now. */
function withQueued(rows: Row[], queued: { ts: string; meta: PostMeta }[]): Row[] {
  if (queued.length === 0) return rows;
  const out = [...rows];
  for (const q of queued) {
    const at = out.findIndex((r) => r.run === q.meta.run && r.key === q.meta.key);
    const before = at >= 0 ? out.splice(at, 1)[0] : undefined;
    // Last: a queued edit of the root is its newest write (the run the root follows).
    out.push({
      run: q.meta.run,
      key: q.meta.key,
      ts: q.ts,
      meta: q.meta,
      files: before?.files ?? [],
      pending: false,
    });
  }
  return out;
}

/**
 * The thread as its rows tell it: the root first (the newest write on the root message, whose run
 * the root follows), then the other posts in the order they were made.
 */
function snapshotOf(t: ThreadRef, rows: Row[]): ThreadSnapshot {
  const onRoot = rows.filter((r) => r.ts === t.rootTs);
  const root = onRoot.at(-1);
  const posts: ThreadPost[] = [
    { ts: t.rootTs, meta: root?.meta, fileNames: [] },
    ...rows
      .filter((r) => r.ts !== t.rootTs)
      .map((r) => ({ ts: r.ts, meta: r.meta, fileNames: r.files })),
  ];
  // Earlier root writes of other runs (the root followed another run before) stay known.
  for (const r of onRoot.slice(0, -1)) posts.push({ ts: r.ts, meta: r.meta, fileNames: [] });
  return new ThreadSnapshot(posts, t.rootTs);
}

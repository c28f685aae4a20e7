import type { Message } from "../slack/blocks/types.ts";
import type { Edit, EditStore, EditTarget, QueuedEdit } from "../slack/edit-queue.ts";
import type { PostgresLock } from "./lock.ts";

// The edit queue shared by the replicas (the table comes with the journal's): one row per message
// waiting for its edit, holding the newest content. A sender claims a row for a lease; a replica
// that dies mid-send leaves it to be claimed again when the lease ends, one that dies before
// leaves it unclaimed, for whichever replica looks next.

interface Row {
  channel: string;
  ts: string;
  root_ts: string;
  message: Message;
  meta: Edit["meta"] | null;
  version: number;
  attempts: number;
}

const FREE = "(lease_until IS NULL OR lease_until < now())";

export class PostgresEditStore implements EditStore {
  private readonly db: Pick<PostgresLock, "query">;

  constructor(db: Pick<PostgresLock, "query">) {
    this.db = db;
  }

  async put(edit: Edit): Promise<void> {
    await this.db.query(
      `INSERT INTO autofix_edit AS e (channel, ts, root_ts, message, meta)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (channel, ts) DO UPDATE
       SET root_ts = excluded.root_ts, message = excluded.message, meta = excluded.meta,
           version = e.version + 1
       WHERE e.message IS DISTINCT FROM excluded.message OR e.meta IS DISTINCT FROM excluded.meta`,
      [edit.channel, edit.ts, edit.rootTs, edit.message, edit.meta ?? null],
    );
  }

  async due(): Promise<boolean> {
    const { rows } = await this.db.query<{ due: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM autofix_edit WHERE due <= now() AND ${FREE}) AS due`,
      [],
    );
    return rows[0]?.due === true;
  }

  async claim(owner: string, leaseMs: number, only?: EditTarget): Promise<QueuedEdit | undefined> {
    const { rows } = await this.db.query<Row>(
      `UPDATE autofix_edit SET lease_until = now() + make_interval(secs => $2::float8 / 1000), owner = $1
       WHERE (channel, ts) = (
         SELECT channel, ts FROM autofix_edit
         WHERE due <= now() AND ${FREE} AND ($3::text IS NULL OR (channel = $3 AND ts = $4))
         ORDER BY due LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING channel, ts, root_ts, message, meta, version, attempts`,
      [owner, leaseMs, only?.channel ?? null, only?.ts ?? null],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      channel: row.channel,
      ts: row.ts,
      rootTs: row.root_ts,
      message: row.message,
      meta: row.meta ?? undefined,
      version: row.version,
      attempts: row.attempts,
    };
  }

  async renew(edit: EditTarget, owner: string, leaseMs: number): Promise<void> {
    await this.db.query(
      `UPDATE autofix_edit SET lease_until = now() + make_interval(secs => $4::float8 / 1000)
       WHERE channel = $1 AND ts = $2 AND owner = $3`,
      [edit.channel, edit.ts, owner, leaseMs],
    );
  }

  async settle(edit: QueuedEdit): Promise<void> {
    // Gone if nothing newer came meanwhile; else the newer content is free to go, in its place.
    await this.db.query(
      `WITH gone AS (
         DELETE FROM autofix_edit WHERE channel = $1 AND ts = $2 AND version = $3 RETURNING 1)
       UPDATE autofix_edit SET lease_until = NULL, owner = NULL, attempts = 0
       WHERE channel = $1 AND ts = $2 AND NOT EXISTS (SELECT 1 FROM gone)`,
      [edit.channel, edit.ts, edit.version],
    );
  }

  async later(edit: QueuedEdit, delayMs: number): Promise<void> {
    await this.db.query(
      `UPDATE autofix_edit
       SET lease_until = NULL, owner = NULL, attempts = attempts + 1,
           due = now() + make_interval(secs => $3::float8 / 1000)
       WHERE channel = $1 AND ts = $2`,
      [edit.channel, edit.ts, delayMs],
    );
  }

  async clear(target: EditTarget): Promise<"clear" | "busy"> {
    const { rows } = await this.db.query<{ busy: boolean }>(
      `WITH gone AS (DELETE FROM autofix_edit WHERE channel = $1 AND ts = $2 AND ${FREE} RETURNING 1)
       SELECT EXISTS (
         SELECT 1 FROM autofix_edit WHERE channel = $1 AND ts = $2 AND NOT ${FREE}) AS busy`,
      [target.channel, target.ts],
    );
    return rows[0]?.busy ? "busy" : "clear";
  }
}

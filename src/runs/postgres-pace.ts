import type { PaceStore, Slot } from "../slack/pacer.ts";
import type { PostgresLock } from "./lock.ts";

// SlackPacer's lanes shared by every replica: one row per lane, its log of call times moved by
// one function call (takeSlot's rule, on the database's clock), so that the replicas together keep
// under what Slack allows the app. The table and the function come with the journal's schema.

export const PACE_SCHEMA = `
CREATE TABLE IF NOT EXISTS autofix_pace (
  lane text PRIMARY KEY,
  slots double precision[] NOT NULL DEFAULT '{}'
);
CREATE OR REPLACE FUNCTION autofix_pace_take(p_lane text, p_limit int, p_window float8, p_reserve int)
RETURNS TABLE (granted boolean, wait_ms float8, at_ms float8) LANGUAGE plpgsql AS $fn$
DECLARE
  now_ms float8 := extract(epoch from clock_timestamp()) * 1000;
  s float8[];
  n int;
  slot float8;
  room int;
BEGIN
  INSERT INTO autofix_pace (lane) VALUES (p_lane) ON CONFLICT (lane) DO NOTHING;
  SELECT array(SELECT x FROM unnest(p.slots) AS x WHERE x > now_ms - p_window ORDER BY x)
    INTO s FROM autofix_pace p WHERE p.lane = p_lane FOR UPDATE;
  n := coalesce(array_length(s, 1), 0);
  slot := now_ms;
  IF n > 0 THEN slot := greatest(slot, s[n]); END IF;
  IF n >= p_limit THEN slot := greatest(slot, s[n - p_limit + 1] + p_window); END IF;
  IF p_reserve IS NOT NULL THEN
    room := p_limit - p_reserve;
    IF slot > now_ms OR n >= room THEN
      UPDATE autofix_pace SET slots = s WHERE lane = p_lane;
      RETURN QUERY SELECT false, greatest(1, slot - now_ms,
        CASE WHEN n >= room THEN s[n - room + 1] + p_window - now_ms ELSE 0 END), NULL::float8;
      RETURN;
    END IF;
  END IF;
  UPDATE autofix_pace SET slots = s || slot WHERE lane = p_lane;
  RETURN QUERY SELECT true, slot - now_ms, slot;
END
$fn$;`;

const NOW_MS = "extract(epoch from clock_timestamp()) * 1000";

export class PostgresPaceStore implements PaceStore {
  private readonly db: Pick<PostgresLock, "query">;

  constructor(db: Pick<PostgresLock, "query">) {
    this.db = db;
  }

  async take(lane: string, limit: number, windowMs: number, reserve?: number): Promise<Slot> {
    const { rows } = await this.db.query<{ granted: boolean; wait_ms: number; at_ms: number }>(
      "SELECT granted, wait_ms, at_ms FROM autofix_pace_take($1, $2, $3, $4)",
      [lane, limit, windowMs, reserve ?? null],
    );
    const row = rows[0];
    return {
      granted: row?.granted ?? true,
      waitMs: Number(row?.wait_ms ?? 0),
      ...(typeof row?.at_ms === "number" ? { at: row.at_ms } : {}),
    };
  }

  async giveBack(lane: string): Promise<void> {
    // The latest call taken that is not still to come.
    await this.db.query(
      `UPDATE autofix_pace SET slots = array_remove(slots, (
         SELECT max(x) FROM unnest(slots) AS x WHERE x <= ${NOW_MS}))
       WHERE lane = $1`,
      [lane],
    );
  }

  async late(lane: string, at: number): Promise<void> {
    await this.db.query(
      `UPDATE autofix_pace SET slots = array(
         SELECT x FROM unnest(array_replace(slots, $2::float8, greatest($2::float8, ${NOW_MS}))) AS x
         ORDER BY x)
       WHERE lane = $1`,
      [lane, at],
    );
  }

  async hold(lane: string, ms: number): Promise<void> {
    // A call at the end of the pause: every later one comes after it.
    await this.db.query(
      `INSERT INTO autofix_pace AS p (lane, slots) VALUES ($1, ARRAY[${NOW_MS} + $2])
       ON CONFLICT (lane) DO UPDATE SET slots = p.slots || (${NOW_MS} + $2)`,
      [lane, ms],
    );
  }
}

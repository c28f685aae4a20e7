import type { PostgresLock } from "./lock.ts";

// Slack may deliver an event more than once: a retry (X-Slack-Retry-Num) after a slow or failed
// answer, possibly to another replica, or to each Socket Mode connection's process. What a message
// asks for is done once: the first delivery claims the message, later ones find the claim.

/** How long a claim is kept: Slack retries within minutes. */
const KEEP_MS = 24 * 3600_000;
/** Claims kept in memory, at most. */
const MAX_MEMORY = 10_000;

export interface EventClaims {
  /** True for the first claim of `key`; false when it was claimed before. */
  claim(key: string): Promise<boolean>;
}

/** Alone: in memory (a retry reaches this process). */
export class MemoryEventClaims implements EventClaims {
  private readonly claims = new Map<string, number>();

  async claim(key: string): Promise<boolean> {
    const now = Date.now();
    const at = this.claims.get(key);
    if (at !== undefined && now - at < KEEP_MS) return false;
    this.claims.set(key, now);
    if (this.claims.size > MAX_MEMORY) {
      const oldest = this.claims.keys().next().value;
      if (oldest !== undefined) this.claims.delete(oldest);
    }
    return true;
  }
}

/** Replicas: in PostgreSQL, whichever replica inserts first holds the claim. */
export class PostgresEventClaims implements EventClaims {
  private readonly db: Pick<PostgresLock, "query">;

  constructor(db: Pick<PostgresLock, "query">) {
    this.db = db;
  }

  async claim(key: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      "INSERT INTO autofix_event (key) VALUES ($1) ON CONFLICT (key) DO NOTHING",
      [key],
    );
    return rowCount === 1;
  }
}

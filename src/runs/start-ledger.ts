import type { PostgresLock } from "./lock.ts";

// The runs the bot just started, by issue. Kestra's search finds a new execution only once its
// indexer has written it, so two quick starts of one issue could both see none: the ledger tells
// the second one which run was just started, and it reads that one directly.

/** How long a start is remembered: far longer than the indexer's lag. */
const REMEMBER_MS = 10 * 60_000;

export interface StartLedger {
  /** The run started last for the issue within REMEMBER_MS, if any. */
  last(issue: string): Promise<string | undefined>;
  started(issue: string, executionId: string): Promise<void>;
}

/** Alone: in memory. */
export class MemoryStartLedger implements StartLedger {
  private readonly starts = new Map<string, { id: string; at: number }>();

  async last(issue: string): Promise<string | undefined> {
    const s = this.starts.get(issue);
    return s && Date.now() - s.at < REMEMBER_MS ? s.id : undefined;
  }

  async started(issue: string, executionId: string): Promise<void> {
    this.starts.delete(issue);
    this.starts.set(issue, { id: executionId, at: Date.now() });
    for (const [key, s] of this.starts) {
      if (Date.now() - s.at < REMEMBER_MS) break;
      this.starts.delete(key);
    }
  }
}

/** Replicas: next to the locks, in PostgreSQL (the table comes with the journal's). */
export class PostgresStartLedger implements StartLedger {
  private readonly db: Pick<PostgresLock, "query">;

  constructor(db: Pick<PostgresLock, "query">) {
    this.db = db;
  }

  async last(issue: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ execution: string }>(
      `SELECT execution FROM autofix_start WHERE issue = $1 AND at > now() - interval '${REMEMBER_MS / 1000} seconds'`,
      [issue],
    );
    return rows[0]?.execution;
  }

  async started(issue: string, executionId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO autofix_start (issue, execution) VALUES ($1, $2)
       ON CONFLICT (issue) DO UPDATE SET execution = excluded.execution, at = now()`,
      [issue, executionId],
    );
  }
}

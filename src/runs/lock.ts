import pg from "pg";
import type { Logger } from "../logger.ts";
import { KeyedLock } from "./keyed-lock.ts";

// One sync (or click) per run at a time. Alone, the bot serializes in memory. With DATABASE_URL
// it takes a PostgreSQL advisory lock per run as well, so that replicas (and the two versions of
// a rolling deploy) never work on the same run at once; the server drops the lock with the
// connection, so a crashed replica never leaves a run locked.

export interface RunLock {
  /** Other processes may work on the same runs: what is cached may be stale. */
  readonly shared: boolean;
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class LocalLock implements RunLock {
  readonly shared = false;
  private readonly keyed = new KeyedLock();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.keyed.run(key, work);
  }

  async close(): Promise<void> {}
}

export class PostgresLock implements RunLock {
  readonly shared = true;
  private readonly keyed = new KeyedLock();
  private readonly pool: pg.Pool;

  constructor(opts: { url: string; logger: Logger; waitMs?: number; poolSize?: number }) {
    this.pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      // A run's lock waits at most this long; the sync then fails and is tried again.
      options: `-c lock_timeout=${opts.waitMs ?? 30_000}`,
      application_name: "autofix-slack",
    });
    const log = opts.logger.child({ component: "run-lock" });
    this.pool.on("error", (err) => log.warn({ err }, "idle PostgreSQL connection failed"));
  }

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    // Waiters of this process queue in memory and hold no connection while they wait.
    return this.keyed.run(key, async () => {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [key]);
        const result = await work();
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        throw err;
      } finally {
        client.release(broken);
      }
    });
  }

  /** Checks the database answers (start-up and /readyz). */
  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

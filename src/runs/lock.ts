import { AsyncLocalStorage } from "node:async_hooks";
import pg from "pg";
import { UpstreamError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { KeyedLock } from "./keyed-lock.ts";

// One sync (or click) per run at a time. Alone, the bot serializes in memory. With DATABASE_URL
// it takes a PostgreSQL advisory lock per run as well, so that replicas (and the two versions of
// a rolling deploy) never work on the same run at once; the server drops the lock with the
// session, so a crashed replica never leaves a run locked.
//
// A process holds at most one pooled connection per outermost lock: a lock taken while another is
// held (a batch child's thread, a revision's new run) is taken on the same session. So work that
// holds a connection never waits for a second one, and a full pool only makes newcomers wait, for
// a bounded time, with an error that is tried again.

export interface RunLock {
  /** Other processes may work on the same runs: what is cached may be stale. */
  readonly shared: boolean;
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** How long the oldest lock taken now has been waiting for, in ms (0: none waits). */
  oldestWaitMs(): number;
  close(): Promise<void>;
}

/** Waits of this process, by start time: liveness tells a stuck lock from a slow one. */
class Waits {
  private readonly started = new Set<number>();
  private next = 0;
  async during<T>(work: () => Promise<T>): Promise<T> {
    const at = performance.now() + this.next++ * 1e-6;
    this.started.add(at);
    try {
      return await work();
    } finally {
      this.started.delete(at);
    }
  }
  oldestMs(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const at of this.started) oldest = Math.min(oldest, at);
    return Number.isFinite(oldest) ? Math.round(performance.now() - oldest) : 0;
  }
}

export class LocalLock implements RunLock {
  readonly shared = false;
  private readonly keyed = new KeyedLock();
  private readonly waits = new Waits();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.waits.during(() => this.keyed.run(key, work));
  }

  oldestWaitMs(): number {
    return 0;
  }

  async close(): Promise<void> {}
}

export interface PostgresLockOptions {
  url: string;
  logger: Logger;
  /** How long a lock waits for another process (lock_timeout). */
  waitMs?: number;
  /** How long a lock waits for a pooled connection. */
  connectMs?: number;
  poolSize?: number;
}

/** A session held by an outermost lock, and the nested locks riding on it. */
interface Session {
  client: pg.PoolClient;
  riders: number;
  /** The outermost lock is done: newcomers take a connection of their own. */
  closing: boolean;
  /** The connection went back to the pool. */
  released: boolean;
  ridersDone: (() => void) | undefined;
}

export class PostgresLock implements RunLock {
  readonly shared = true;
  private readonly keyed = new KeyedLock();
  private readonly pool: pg.Pool;
  /** The session this async context (and what it started) holds a lock on, if any. */
  private readonly held = new AsyncLocalStorage<Session>();
  private readonly waits = new Waits();
  private readonly log: Logger;

  constructor(opts: PostgresLockOptions) {
    this.pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: opts.connectMs ?? 10_000,
      // A run's lock waits at most this long; the sync then fails and is tried again.
      options: `-c lock_timeout=${opts.waitMs ?? 30_000}`,
      application_name: "autofix-slack",
    });
    this.log = opts.logger.child({ component: "run-lock" });
    this.pool.on("error", (err) => this.log.warn({ err }, "idle PostgreSQL connection failed"));
  }

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    // Waiters of this process queue in memory and hold no connection while they wait.
    return this.keyed.run(key, async () => {
      const outer = this.held.getStore();
      if (outer && !outer.closing) return this.ride(outer, key, work);
      const client = await this.waits.during(() => this.connect());
      const session: Session = {
        client,
        riders: 0,
        closing: false,
        released: false,
        ridersDone: undefined,
      };
      let broken = false;
      try {
        return await this.held.run(session, () =>
          this.hold(client, key, work, () => {
            broken = true;
          }),
        );
      } finally {
        // Work started under this lock and still riding on the session (a timer it set) ends first.
        session.closing = true;
        if (session.riders > 0) {
          await new Promise<void>((resolve) => {
            session.ridersDone = resolve;
          });
        }
        session.released = true;
        client.release(broken);
      }
    });
  }

  private async ride<T>(session: Session, key: string, work: () => Promise<T>): Promise<T> {
    session.riders++;
    try {
      return await this.hold(session.client, key, work);
    } finally {
      session.riders--;
      if (session.riders === 0) session.ridersDone?.();
    }
  }

  /** A query on the session this context holds a lock on, else on any pooled connection. */
  query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    const session = this.held.getStore();
    const client = session && !session.released ? session.client : undefined;
    const run = () => (client ? client.query<R>(text, values) : this.pool.query<R>(text, values));
    return run().catch((err: unknown) => {
      throw databaseError(err, "a query");
    });
  }

  oldestWaitMs(): number {
    return this.waits.oldestMs();
  }

  /** Checks the database answers (/readyz). */
  async ping(): Promise<void> {
    await this.query("SELECT 1", []);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      throw databaseError(err, "a connection");
    }
  }

  /** Takes the session-level lock, runs `work`, gives the lock back even when `work` fails. */
  private async hold<T>(
    client: pg.PoolClient,
    key: string,
    work: () => Promise<T>,
    broken: () => void = () => {},
  ): Promise<T> {
    try {
      await this.waits.during(() =>
        client.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [key]),
      );
    } catch (err) {
      throw databaseError(err, `the lock of ${key}`);
    }
    try {
      return await work();
    } finally {
      await client
        .query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key])
        .catch((err: unknown) => {
          // The session goes with the connection, and the lock with the session.
          this.log.warn({ err, key }, "cannot release a run lock; dropping its connection");
          broken();
        });
    }
  }
}

/** Waiting too long (for a connection, or a lock another replica holds) passes: tried again. */
function databaseError(err: unknown, what: string): UpstreamError {
  const message = err instanceof Error ? err.message : String(err);
  return new UpstreamError(
    "database",
    "unavailable",
    `PostgreSQL: cannot get ${what} (${message})`,
    {
      cause: err,
    },
  );
}

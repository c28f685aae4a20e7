import { LABELS } from "../contracts/flow.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Logger } from "../logger.ts";
import type { Message } from "../slack/blocks/types.ts";
import type { SlackThreads } from "../slack/thread.ts";
import { KvMap } from "./kv-value.ts";
import type { PostgresLock } from "./lock.ts";

// A run's root is posted before its execution is created (the root's ts labels the execution). A
// bot stopped in between leaves a root that nothing would ever update: each start is noted until
// its execution exists, and a note older than a few minutes is looked at. If Kestra has no run for
// that root, the root says the run never started and offers Retry.

export interface PendingStart {
  channel: string;
  rootTs: string;
  /** The person's thread the root is a reply in (a mention asked). */
  threadTs?: string;
  user: string;
  /** The run's or batch's name, for the report. */
  slug: string;
  /** A single run's issue: its Retry starts it again. */
  issueUrl: string | undefined;
  /** What the root says if the run never started (built when the root was posted). */
  failedRoot: Message;
  /** When the root was posted (ms). */
  at: number;
}

/** Where pending starts are kept: Kestra's KV store alone, PostgreSQL with replicas. */
export interface PendingStore {
  add(p: PendingStart): Promise<void>;
  remove(channel: string, rootTs: string): Promise<void>;
  all(): Promise<PendingStart[]>;
}

/** The reason a root that never got its run gives. */
export const UNSTARTED = "the bot stopped before Kestra created the run";

/** How long a start may take before it is looked at. */
const STALE_MS = 3 * 60_000;

export interface UnstartedDeps {
  store: PendingStore;
  /**
   * Other replicas start runs too: a start is looked at once it is STALE_MS old. Alone, a start
   * noted before this process began is one a stopped process left.
   */
  shared: boolean;
  kestra: KestraClient;
  threads: SlackThreads;
  /** Tells the admins of a start that never happened (the root says it to the channel). */
  report: (p: PendingStart, reason: string) => Promise<void>;
  logger: Logger;
}

export class UnstartedRuns {
  private readonly d: UnstartedDeps;
  private readonly since = Date.now();
  constructor(deps: UnstartedDeps) {
    this.d = deps;
  }

  /** The root is posted; the execution comes next. */
  noted(p: PendingStart): Promise<void> {
    return this.d.store.add(p);
  }

  /** The execution exists, or the start failed and said so itself. */
  settled(channel: string, rootTs: string): Promise<void> {
    return this.d.store.remove(channel, rootTs);
  }

  /** Starts noted long ago: a run Kestra has is forgotten, a missing one is said on its root. */
  async sweep(now = Date.now()): Promise<number> {
    let told = 0;
    for (const p of await this.d.store.all()) {
      const stale = this.d.shared ? now - p.at >= STALE_MS : p.at < this.since;
      if (!stale) continue;
      const { results } = await this.d.kestra.searchExecutions({
        labels: { [LABELS.channel]: p.channel, [LABELS.ts]: p.rootTs },
        size: 1,
      });
      if (results.length === 0) {
        this.d.logger.warn({ channel: p.channel, rootTs: p.rootTs }, "a run never started");
        await this.d.threads.update(
          { channel: p.channel, rootTs: p.rootTs },
          p.rootTs,
          p.failedRoot,
        );
        await this.d.report(p, UNSTARTED);
        told++;
      }
      await this.d.store.remove(p.channel, p.rootTs);
    }
    return told;
  }
}

const KV_KEY = "autofix-pending-starts";

/** One KV value of Kestra's (one bot process writes it), read once and then kept in memory. */
export class KvPendingStore implements PendingStore {
  private readonly map: KvMap<PendingStart>;

  constructor(kestra: KestraClient) {
    this.map = new KvMap(kestra, KV_KEY);
  }

  add(p: PendingStart): Promise<void> {
    return this.map.change((all) => {
      all[`${p.channel}:${p.rootTs}`] = p;
    });
  }

  remove(channel: string, rootTs: string): Promise<void> {
    return this.map.change((all) => {
      delete all[`${channel}:${rootTs}`];
    });
  }

  async all(): Promise<PendingStart[]> {
    return Object.values(await this.map.all());
  }
}

/** Replicas: a table next to the journal's. */
export class PostgresPendingStore implements PendingStore {
  private readonly db: Pick<PostgresLock, "query">;

  constructor(db: Pick<PostgresLock, "query">) {
    this.db = db;
  }

  async add(p: PendingStart): Promise<void> {
    await this.db.query(
      `INSERT INTO autofix_pending_start (thread, start) VALUES ($1, $2)
       ON CONFLICT (thread) DO UPDATE SET start = excluded.start`,
      [`${p.channel}:${p.rootTs}`, p],
    );
  }

  async remove(channel: string, rootTs: string): Promise<void> {
    await this.db.query("DELETE FROM autofix_pending_start WHERE thread = $1", [
      `${channel}:${rootTs}`,
    ]);
  }

  async all(): Promise<PendingStart[]> {
    const { rows } = await this.db.query<{ start: PendingStart }>(
      "SELECT start FROM autofix_pending_start",
      [],
    );
    return rows.map((r) => r.start);
  }
}

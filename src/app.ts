import { type App, webApi } from "@slack/bolt";
import type { Dispatcher } from "undici";
import type { Config } from "./config.ts";
import { createGitHubClient } from "./github/client.ts";
import { MemoryEtagStore } from "./github/conditional.ts";
import { HomePrefs } from "./home/home-prefs.ts";
import { HomeTab } from "./home/publish.ts";
import { SetupCheck } from "./home/setup-check.ts";
import { createBoltApp } from "./http/bolt-app.ts";
import { healthzHandler, Readiness } from "./http/health.ts";
import { KESTRA_EVENTS_PATH, kestraEventsHandler } from "./http/kestra-events.ts";
import { kestraProbe } from "./http/probes.ts";
import { KestraClient } from "./kestra/client.ts";
import { type ListenerDeps, registerListeners } from "./listeners/index.ts";
import type { Logger } from "./logger.ts";
import { followUpIntent, ReplyDispatcher, reviseIntent } from "./mentions/replies.ts";
import { MentionService } from "./mentions/service.ts";
import { Background } from "./runs/background.ts";
import { composeRuns, type RunServices } from "./runs/compose.ts";
import { MemoryEventClaims, PostgresEventClaims } from "./runs/event-claims.ts";
import type { FollowUps } from "./runs/follow-up.ts";
import { PostgresJournal } from "./runs/journal.ts";
import { Links } from "./runs/links.ts";
import { LocalLock, PostgresLock, type RunLock } from "./runs/lock.ts";
import { PostgresEditStore } from "./runs/postgres-edits.ts";
import { PostgresPaceStore } from "./runs/postgres-pace.ts";
import type { PrFollower } from "./runs/pr-follow.ts";
import {
  endedKeepMs,
  KvFollowStore,
  MAX_FOLLOWED,
  PostgresEtagStore,
  PostgresFollowStore,
} from "./runs/pr-follow-store.ts";
import { RunQueries } from "./runs/queries.ts";
import { Reconciler } from "./runs/reconciler.ts";
import { RunRecords } from "./runs/record.ts";
import { MemoryStartLedger, PostgresStartLedger } from "./runs/start-ledger.ts";
import { StuckDetector } from "./runs/stuck.ts";
import { KvPendingStore, PostgresPendingStore } from "./runs/unstarted.ts";
import { SettingsStore } from "./settings/settings-store.ts";
import { CLOSE_MS, DRAIN_MS, settlesWithin } from "./shutdown.ts";
import { Approvers } from "./slack/approvers.ts";
import { boltLogger } from "./slack/bolt-logger.ts";
import { SlackConversations } from "./slack/conversation.ts";
import { MemoryEditStore } from "./slack/edit-queue.ts";
import { MemoryPaceStore, SlackPacer } from "./slack/pacer.ts";
import { SlackThreads } from "./slack/thread.ts";

export interface AppDeps {
  logger: Logger;
  /** undici dispatcher for Kestra calls (tests, proxies). */
  kestraDispatcher?: Dispatcher;
  /** WebClient retry policy (5xx, network; the runs' client leaves 429s to SlackPacer). */
  slackRetryConfig?: webApi.RetryOptions;
  /** GitHub retries (Octokit plugin-retry). */
  githubRetries?: number;
  /** Clock for stuck-run detection and the reconciler (tests move it forward). */
  now?: () => number;
  /** Coalescing window of batch digest updates (default keeps chat.update inside Tier 3). */
  digestWindowMs?: number;
  /** Backoff between resume attempts while the flow reaches its Pause task. */
  resumeBackoffMs?: number;
  /** Slack's rate windows this many times shorter for the bot's own pacing (benches, fault suite). */
  slackPaceScale?: number;
  /** How long /kestra/events waits for its sync before answering 202. */
  eventDeadlineMs?: number;
  /** How often /readyz's checks of Kestra, Slack and the database run. */
  readinessIntervalMs?: number;
  /** /healthz fails once work or a lock wait has gone on this long (the bot makes no progress). */
  stuckAfterMs?: number;
  /** Socket Mode: how long a new socket may go without Slack's hello before another is opened. */
  socketHelloTimeoutMs?: number;
}

/** Longer than the slowest honest sync (Slack's retries of a rate-limited call, a lock wait). */
const LIVENESS_MS = 10 * 60_000;

/** Readiness checks run this often in the background; /readyz answers from the last round. */
const READINESS_INTERVAL_MS = 15_000;

/** Handles on the running bot, for operations and tests; the listeners never see this. */
export interface AppRuntime {
  /** Work started outside a request (event syncs, digests): drain() waits for it. */
  background: Background;
  digest: RunServices["digest"];
  /** Edits waiting for chat.update's budget: drain(ms) sends what is due. */
  edits: Pick<SlackThreads["edits"], "drain">;
  reconciler: Reconciler;
  /** Follows the PRs runs opened (checks, reviews, merge) in their threads. */
  prFollower: PrFollower;
  /** Fix the failing checks / Address the review; `fromThread` is the mentions' entry. */
  followUps: FollowUps;
  settings: SettingsStore;
  /** The bot's own clients. */
  kestra: KestraClient;
  slack: webApi.WebClient;
}

export interface AutofixApp {
  bolt: App;
  runtime: AppRuntime;
  /** Starts serving; resolves with the HTTP port in use. */
  start(): Promise<{ port: number }>;
  /** Stops accepting work, ends waits, and waits (boundedly) for work in flight. */
  stop(): Promise<void>;
}

const DEFAULT_SLACK_RETRY: webApi.RetryOptions = {
  retries: 8,
  factor: 2,
  minTimeout: 500,
  maxTimeout: 30_000,
};

/** "ok", or what has not moved for longer than the bound. */
function stalled(what: string, ms: number, bound: number): string {
  return ms < bound ? "ok" : `stuck: ${what} ${Math.round(ms / 1000)} s`;
}

/** Builds the whole bot from its configuration and injected dependencies; starts nothing. */
export function createApp(config: Config, deps: AppDeps): AutofixApp {
  const { logger } = deps;
  const stopper = new AbortController();
  const kestra = new KestraClient({
    baseUrl: config.kestra.url,
    username: config.kestra.username,
    password: config.kestra.password,
    tenant: config.kestra.tenant,
    namespace: config.kestra.namespace,
    timeoutMs: config.kestra.timeoutMs,
    logger,
    ...(deps.kestraDispatcher ? { dispatcher: deps.kestraDispatcher } : {}),
  });
  const github = createGitHubClient({
    baseUrl: config.github.apiUrl,
    token: config.github.token,
    logger,
    ...(deps.githubRetries !== undefined ? { retries: deps.githubRetries } : {}),
  });
  const background = new Background(logger);
  const lock: RunLock = config.databaseUrl
    ? new PostgresLock({ url: config.databaseUrl, logger })
    : new LocalLock();
  const links = new Links({
    publicUrl: config.kestra.publicUrl,
    tenant: config.kestra.tenant,
    namespace: config.kestra.namespace,
  });

  const clientOptions: webApi.WebClientOptions = {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: deps.slackRetryConfig ?? DEFAULT_SLACK_RETRY,
  };
  // Routes are bound late: the handlers need what is built from bolt.client below.
  const front = createBoltApp({
    config,
    logger,
    ...(deps.socketHelloTimeoutMs ? { helloTimeoutMs: deps.socketHelloTimeoutMs } : {}),
    clientOptions,
    routes: [
      {
        path: "/healthz",
        method: "GET",
        handler: (req, res) => healthzHandler(liveness)(req, res),
      },
      { path: "/readyz", method: "GET", handler: (req, res) => readiness.handler()(req, res) },
      {
        path: KESTRA_EVENTS_PATH,
        method: "POST",
        handler: (req, res) => {
          kestraEvents(req, res).catch((err: unknown) => {
            logger.error({ err }, "kestra event handler failed");
            if (!res.headersSent) res.writeHead(500).end();
          });
        },
      },
    ],
  });
  const { bolt, socket } = front;

  const slack = bolt.client;
  // Replicas keep what each run posted next to their locks (the thread is the record alone), and
  // share Slack's budget and the queue of edits there.
  const shared = lock instanceof PostgresLock ? lock : undefined;
  const journal = shared ? new PostgresJournal(shared) : undefined;
  const pacer = new SlackPacer({
    store: shared ? new PostgresPaceStore(shared) : new MemoryPaceStore(),
    logger,
    signal: stopper.signal,
    ...(deps.slackPaceScale ? { scale: deps.slackPaceScale } : {}),
  });
  const threads = new SlackThreads({
    // The runs' own client: a 429 comes back to the pacer, which retries that call alone, where
    // the WebClient would pause every call of the process for Retry-After and back off on top.
    client: new webApi.WebClient(config.slack.botToken, {
      ...clientOptions,
      logger: boltLogger(logger),
      rejectRateLimitedCalls: true,
    }),
    pacer,
    edits: shared ? new PostgresEditStore(shared) : new MemoryEditStore(),
    logger,
    journal,
    editFailed: (edit, err) => runs.unshown.failed(edit, err),
    signal: stopper.signal,
  });
  const records = new RunRecords(threads, { journal });
  // Which PRs are followed: Kestra's KV alone, PostgreSQL with replicas (with the ETags).
  // An ended PR is kept a few looks past its end, then dropped: the threads said it (pr-follow-store.ts).
  const followKept = { endedKeepMs: endedKeepMs(config.prFollow.intervalMs) };
  const followStore = shared ? new PostgresFollowStore(shared, followKept) : undefined;
  const approvers = new Approvers(slack);
  const conversations = new SlackConversations(slack, logger);
  const claims = shared ? new PostgresEventClaims(shared) : new MemoryEventClaims();
  const settings = new SettingsStore(kestra, config.policy, logger);
  const webHost = config.github.webHost;
  const runs = composeRuns({
    kestra,
    github,
    threads,
    conversations,
    records,
    lock,
    ledger: shared ? new PostgresStartLedger(shared) : new MemoryStartLedger(),
    pending: shared ? new PostgresPendingStore(shared) : new KvPendingStore(kestra),
    settings,
    approvers,
    links,
    background,
    logger,
    webHost,
    signal: stopper.signal,
    resumeBackoffMs: deps.resumeBackoffMs ?? 500,
    digestWindowMs: deps.digestWindowMs,
    prFollow: {
      store:
        followStore ??
        new KvFollowStore(kestra, {
          ...followKept,
          now: deps.now,
          onDrop: (dropped) =>
            logger.warn(
              { prs: dropped.map((p) => p.prUrl), max: MAX_FOLLOWED },
              "too many PRs followed: the oldest are no longer followed",
            ),
        }),
      etags: shared ? new PostgresEtagStore(shared) : new MemoryEtagStore(),
      options: config.prFollow,
    },
    now: deps.now,
  });
  const {
    reader,
    failures,
    views,
    digest,
    starter,
    syncer,
    decisions,
    operations,
    revisions,
    unstarted,
    followUps,
    prFollower,
    threadStarter,
    filings,
  } = runs;
  const stuck = new StuckDetector({
    kestra,
    threads,
    records,
    settings,
    links,
    lock,
    logger,
    stuckAfterMs: config.stuckAfterMs,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const reconciler = new Reconciler({
    kestra,
    sync: (id) => syncer.sync(id),
    records,
    logger,
    lookbackHours: config.reconcile.lookbackHours,
    stuck,
    unstarted,
    alert: (key, headline, detail) => failures.adminAlert(key, headline, detail),
    intervalMs: config.reconcile.intervalMs,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const queries = new RunQueries({
    kestra,
    reader,
    settings,
    approvers,
    views,
    slack,
    links,
    logger,
  });
  const prefs = new HomePrefs(kestra, logger);
  const setup = new SetupCheck({ kestra, slack, settings, links, logger });
  const home = new HomeTab({
    kestra,
    github,
    queries,
    links,
    slack,
    logger,
    webHost,
    settings,
    prefs,
    setup,
  });
  const mentions = new MentionService({
    settings,
    threadStarter,
    conversations,
    // Replies in a run's thread, by intent; revise takes what no other intent takes.
    replies: new ReplyDispatcher([followUpIntent(followUps), reviseIntent(revisions)]),
    filings,
    logger,
    webHost,
  });
  const asked = { mentions, conversations, claims, outages: failures, logger, webHost };
  const listeners: ListenerDeps = {
    commands: {
      outages: failures,
      settings,
      starter,
      batchStarter: { kestra, threads, records, failures, settings, digest, unstarted, logger },
      queries,
      operations,
      kestra,
      links,
      logger,
      webHost,
    },
    actions: {
      outages: failures,
      slack,
      logger,
      decisions,
      operations,
      revisions,
      followUps,
      queries,
      kestra,
      settings,
      starter,
      approvers,
      home,
      prefs,
      setup,
      webHost,
      mentions,
      conversations,
    },
    events: { home, prefs, slack, ...asked },
    shortcuts: { slack, logger, settings, starter, webHost },
    views: { revisions, home, settings, approvers, slack, ...asked },
  };

  /** Slack reached and the database ready: notifications are taken (503 before). */
  let started = false;
  const kestraEvents = kestraEventsHandler({
    accepting: () => started,
    token: config.webhookToken,
    // setup-check's report goes to the Home of whoever started it, file-issue's outcome to the
    // thread it was filed from; every other event is a run's.
    sync: (id, hint) =>
      hint.event === "setup_check"
        ? home.setupCheckReported(id)
        : hint.event === "file_issue"
          ? filings.reported(id)
          : syncer.sync(id, { hint }),
    background,
    logger,
    signal: stopper.signal,
    ...(deps.eventDeadlineMs !== undefined ? { deadlineMs: deps.eventDeadlineMs } : {}),
  });
  const stuckAfter = deps.stuckAfterMs ?? LIVENESS_MS;
  const liveness = {
    work: () => stalled("work has run", background.oldestMs(), stuckAfter),
    locks: () => stalled("a run lock has waited", lock.oldestWaitMs(), stuckAfter),
  };
  const readiness = new Readiness(
    {
      kestra: kestraProbe({
        kestra,
        logger,
        alert: (key, headline, detail) => failures.adminAlert(key, headline, detail),
      }),
      slack: async () => {
        await slack.auth.test();
        return undefined;
      },
      ...(shared
        ? {
            database: async () => {
              await shared.ping();
              return undefined;
            },
          }
        : {}),
    },
    // Not ready while the Socket Mode connection is not up: Slack cannot reach the bot then.
    socket ? { socketMode: () => socket.state } : {},
  );
  // A listener's work goes on after its ack (a command's start): shutdown waits for it too.
  bolt.use(async ({ next }) => {
    await background.watch(next());
  });
  registerListeners(bolt, listeners);

  return {
    bolt,
    runtime: {
      background,
      digest,
      edits: threads.edits,
      reconciler,
      prFollower,
      followUps,
      settings,
      kestra,
      slack,
    },
    async start() {
      // HTTP first: /healthz answers while Slack and the database are reached.
      const port = await front.listen();
      logger.info({ port }, "listening");
      try {
        await front.init();
        await journal?.init();
        await followStore?.init();
        threads.edits.start();
        started = true;
        // Checks run while Socket Mode connects: /readyz tells them apart.
        readiness.start(deps.readinessIntervalMs ?? READINESS_INTERVAL_MS);
        await front.connect();
      } catch (err) {
        readiness.stop();
        await front.stop().catch(() => {});
        throw err;
      }
      background.run("reconcile at start-up", () => reconciler.runOnce());
      reconciler.start(config.reconcile.intervalMs);
      background.run("PR follow at start-up", () => prFollower.runOnce());
      prFollower.start();
      return { port };
    },
    async stop() {
      reconciler.stop();
      prFollower.stop();
      readiness.stop();
      // Stops taking requests at once; resolves when the open ones are answered, which a request
      // waiting for its sync only is once that wait ends (below), so it is not awaited first.
      const closed = front
        .stop()
        .catch((err: unknown) => logger.warn({ err }, "cannot stop the Slack receiver"));
      digest.flushNow();
      // Work in flight first, then the edits it queued (with replicas, what is left waits in
      // PostgreSQL for another; alone, the next start's catch-up draws it again).
      const drained = (async () => {
        await background.drain();
        await threads.edits.drain(DRAIN_MS);
      })();
      if (!(await settlesWithin(drained, DRAIN_MS))) {
        logger.warn("work still running at shutdown; the reconciler finishes it after a restart");
      }
      // Ends the waits (resume backoff, Slack's pacing, /kestra/events) of what is left.
      stopper.abort(new Error("shutting down"));
      digest.stop();
      const closing = Promise.all([
        closed,
        threads.edits.stop(),
        lock.close().catch((err: unknown) => logger.warn({ err }, "cannot close the lock")),
      ]);
      // Work still holding a request or a database connection ends with the process.
      if (!(await settlesWithin(closing, CLOSE_MS))) logger.warn("connections still open at exit");
    },
  };
}

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, type webApi } from "@slack/bolt";
import type { Dispatcher } from "undici";
import type { Config } from "./config.ts";
import { createGitHubClient } from "./github/client.ts";
import { healthzHandler, readyzHandler } from "./http/health.ts";
import { KESTRA_EVENTS_PATH, kestraEventsHandler } from "./http/kestra-events.ts";
import { KestraClient } from "./kestra/client.ts";
import { registerListeners } from "./listeners/index.ts";
import type { Logger } from "./logger.ts";
import { Background } from "./runs/background.ts";
import { BatchDigest } from "./runs/batch/digest.ts";
import { RunDecisions } from "./runs/decisions.ts";
import { KeyedLock } from "./runs/keyed-lock.ts";
import { Links } from "./runs/links.ts";
import { Reconciler } from "./runs/reconciler.ts";
import { RunStore } from "./runs/record.ts";
import { RunStarter } from "./runs/starter.ts";
import { StuckDetector } from "./runs/stuck.ts";
import { RunSyncer } from "./runs/sync.ts";
import type { Services } from "./services.ts";
import { SettingsStore } from "./settings/settings-store.ts";
import { Approvers } from "./slack/approvers.ts";
import { boltLogger } from "./slack/bolt-logger.ts";

export interface AppDeps {
  logger: Logger;
  /** undici dispatcher for Kestra calls (tests, proxies). */
  kestraDispatcher?: Dispatcher;
  /** WebClient retry policy; the default retries for a few minutes, honouring Retry-After. */
  slackRetryConfig?: webApi.RetryOptions;
  /** GitHub retries (Octokit plugin-retry). */
  githubRetries?: number;
  /** Waits between re-reads of a run that sent its closing notifications but has not ended. */
  settleDelaysMs?: readonly number[];
  /** Clock for stuck-run detection (tests move it forward). */
  now?: () => number;
  /** Coalescing window of batch digest updates (default keeps chat.update inside Tier 3). */
  digestWindowMs?: number;
  /** Backoff between resume attempts while the flow reaches its Pause task. */
  resumeBackoffMs?: number;
}

export interface AutofixApp {
  bolt: App;
  services: Services;
  /** Starts serving; resolves with the HTTP port in use. */
  start(): Promise<{ port: number }>;
  /** Stops accepting work and waits for work in flight. */
  stop(): Promise<void>;
}

const DEFAULT_SLACK_RETRY: webApi.RetryOptions = {
  retries: 8,
  factor: 2,
  minTimeout: 500,
  maxTimeout: 30_000,
};

/** Builds the whole bot from its configuration and injected dependencies; starts nothing. */
export function createApp(config: Config, deps: AppDeps): AutofixApp {
  const { logger } = deps;
  const appToken = config.slack.appToken;
  const socketMode = appToken !== undefined;
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
  const lock = new KeyedLock();
  const links = new Links({
    publicUrl: config.kestra.publicUrl,
    tenant: config.kestra.tenant,
    namespace: config.kestra.namespace,
  });

  // Routes are bound late: the handlers need services built from bolt.client.
  let servicesRef: Services | undefined;
  const services = (): Services => {
    if (!servicesRef) throw new Error("app not built");
    return servicesRef;
  };
  const bolt = new App({
    token: config.slack.botToken,
    signingSecret: config.slack.signingSecret,
    ...(appToken !== undefined ? { socketMode: true, appToken } : {}),
    port: config.port,
    deferInitialization: true,
    logger: boltLogger(logger),
    clientOptions: {
      slackApiUrl: config.slack.apiUrl,
      retryConfig: deps.slackRetryConfig ?? DEFAULT_SLACK_RETRY,
    },
    customRoutes: [
      { path: "/healthz", method: "GET", handler: healthzHandler() },
      {
        path: "/readyz",
        method: "GET",
        handler: (req, res) => void readyz(req, res),
      },
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

  const slack = bolt.client;
  const approvers = new Approvers(slack, logger);
  const settings = new SettingsStore(kestra, config.policy, logger);
  const store = new RunStore(kestra);
  const digest = new BatchDigest({
    kestra,
    store,
    slack,
    links,
    lock,
    settings,
    background,
    logger,
  });
  const syncer = new RunSyncer({
    kestra,
    store,
    slack,
    approvers,
    links,
    lock,
    logger,
    settings,
    digest,
    ...(deps.settleDelaysMs ? { settleDelaysMs: deps.settleDelaysMs } : {}),
  });
  const starter = new RunStarter({
    kestra,
    github,
    slack,
    syncer,
    logger,
    settings,
    links,
  });
  const decisions = new RunDecisions({
    kestra,
    store,
    slack,
    approvers,
    links,
    lock,
    syncer,
    logger,
    settings,
    ...(deps.resumeBackoffMs !== undefined ? { resumeBackoffMs: deps.resumeBackoffMs } : {}),
  });
  const stuck = new StuckDetector({
    kestra,
    store,
    slack,
    settings,
    links,
    lock,
    logger,
    stuckAfterMs: config.stuckAfterMs,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const reconciler = new Reconciler({
    kestra,
    syncer,
    logger,
    lookbackHours: config.reconcile.lookbackHours,
    stuck,
  });
  servicesRef = {
    config,
    logger,
    slack,
    kestra,
    github,
    webHost: config.github.webHost,
    links,
    approvers,
    settings,
    syncer,
    starter,
    digest,
    batchStarter: { kestra, slack, settings, digest, links, logger },
    decisions,
    reconciler,
    background,
  };

  const kestraEvents = kestraEventsHandler({
    token: config.webhookToken,
    kestra,
    syncer,
    background,
    logger,
  });
  const readyz = readyzHandler({ kestra: () => kestra.version(), slack: () => slack.auth.test() });
  registerListeners(bolt, services());

  return {
    bolt,
    services: services(),
    async start() {
      await bolt.init();
      const started: unknown = await bolt.start(config.port);
      const address = socketMode ? undefined : (started as Server).address();
      const port =
        address && typeof address === "object" ? (address as AddressInfo).port : config.port;
      background.run("reconcile at start-up", () => reconciler.runOnce());
      reconciler.start(config.reconcile.intervalMs);
      return { port };
    },
    async stop() {
      reconciler.stop();
      syncer.stop();
      await bolt.stop();
      await digest.idle();
      await background.drain();
    },
  };
}

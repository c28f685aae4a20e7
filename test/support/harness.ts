import { readdirSync, readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { type AutofixApp, createApp } from "../../src/app.ts";
import { parseConfig, secretValues } from "../../src/config.ts";
import type { NotificationInput } from "../../src/contracts/notification.ts";
import { createLogger } from "../../src/logger.ts";
import { type FakeGitHub, startFakeGitHub } from "../fakes/github.ts";
import { type FakeKestra, startFakeKestra } from "../fakes/kestra.ts";
import { type FakeSlack, startFakeSlack } from "../fakes/slack.ts";
import { type EventTarget, greeted } from "./slack-events.ts";
import {
  blockActionPayload,
  commandPayload,
  type SlackHttpResponse,
  sendBlockAction,
  sendCommand,
  sendViewSubmission,
  type ViewSubmissionInput,
  viewSubmissionPayload,
} from "./slack-requests.ts";

export const SIGNING_SECRET = "test-signing-secret-0123456789";
export const WEBHOOK_TOKEN = "webhook-token-0123456789abcdef";
export const KESTRA_USER = "admin@kestra.io";
export const KESTRA_PASSWORD = "Kestra-Passw0rd-xyz";
export const GITHUB_TOKEN = "ghp_readonly_token_for_bot_123";
export const ISSUE_URL = "https://github.com/acme/api/issues/42";
export const CHANNEL = "C0GENERAL";
export const ALERTS = "C0ALERTS";
export const REQUESTER = "U0REQ";

const FLOWS_DIR = new URL("../../kestra/workflows/", import.meta.url);

export interface HarnessOptions {
  env?: Record<string, string>;
  /** Start the app (default true); tests of start-up failures start it themselves. */
  start?: boolean;
  slackTiers?: boolean | { windowMs?: number };
  digestWindowMs?: number;
  /** First wait before a resume refused (409) while the run is about to pause is tried again. */
  resumeBackoffMs?: number;
  /** The bot's clock for stuck-run detection. */
  now?: () => number;
  /** Slack's windows this many times shorter for the bot's own pacing (default: production's). */
  slackPaceScale?: number;
  /** Slack's retry policy for the bot's WebClient (default: quick retries). */
  slackRetry?: { retries: number; factor: number; minTimeout: number; maxTimeout: number };
  /** Socket Mode: SLACK_APP_TOKEN is the fake's app-level token. */
  socketMode?: boolean;
  /** The version the fake Kestra answers on GET /api/v1/configs (default 2.0.0). */
  kestraVersion?: string;
  /** The fake Kestra's search lag behind its writes (its indexer). */
  kestraIndexLagMs?: number;
  /** How often /readyz's checks run (default once a minute). */
  readinessIntervalMs?: number;
  /** /healthz's bound on work and lock waits (default: production's). */
  stuckAfterMs?: number;
  /** Socket Mode: the wait for Slack's hello on a new socket (default: production's). */
  socketHelloTimeoutMs?: number;
  /** Flow files of kestra/workflows the fake Kestra does not load (default: it loads them all). */
  withoutFlows?: string[];
}

export interface Harness {
  slack: FakeSlack;
  kestra: FakeKestra;
  github: FakeGitHub;
  readonly app: AutofixApp;
  readonly url: string;
  /** Where a person's messages to the bot go: signed HTTP, or the Socket Mode connection. */
  readonly asker: EventTarget;
  /** Stops the bot (like a crash or a deploy), keeping the fakes and their state. */
  stopApp(): Promise<void>;
  /** Builds and starts a fresh bot process against the same fakes. */
  startNewApp(): Promise<void>;
  logs: string[];
  env: Record<string, string>;
  command(
    text: string,
    fields?: Record<string, string>,
    opts?: { retryNum?: number },
  ): ReturnType<typeof sendCommand>;
  /** A button click: signed HTTP, or an `interactive` envelope in Socket Mode (its ack's payload). */
  click(
    input: Omit<Parameters<typeof sendBlockAction>[2], "channel"> & { channel?: string },
  ): ReturnType<typeof sendBlockAction>;
  /** A modal's submission, as click. */
  submit(input: ViewSubmissionInput): Promise<SlackHttpResponse>;
  notify(
    body: NotificationInput | Record<string, unknown>,
    token?: string,
  ): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/**
 * The bot's own Slack pacing keeps the proportions of the fake's tiers when they are on (windows
 * scaled alike); without tiers it is 100 times faster, so that tests of many posts in one channel
 * are not paced at Slack's 1 a second.
 */
function paceScaleFor(tiers: HarnessOptions["slackTiers"]): number {
  if (tiers === undefined || tiers === false) return 100;
  return typeof tiers === "object" && tiers.windowMs ? 60_000 / tiers.windowMs : 1;
}

/** The real app over HTTP on 127.0.0.1, wired to strict fakes of Slack, Kestra and GitHub. */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const slack = await startFakeSlack(
    opts.slackTiers !== undefined ? { tiers: opts.slackTiers } : {},
  );
  const kestra = await startFakeKestra({
    username: KESTRA_USER,
    password: KESTRA_PASSWORD,
    ...(opts.kestraVersion ? { version: opts.kestraVersion } : {}),
    ...(opts.kestraIndexLagMs ? { indexLagMs: opts.kestraIndexLagMs } : {}),
  });
  const flowFiles = readdirSync(FLOWS_DIR).filter((f) => f.endsWith(".yml"));
  for (const file of flowFiles.filter((f) => !opts.withoutFlows?.includes(f))) {
    kestra.addFlowYaml(readFileSync(new URL(file, FLOWS_DIR), "utf8"));
  }
  for (const id of ["U0OTHER", "U0STRANGER", "U0REVIEWER", "U0LEAD"]) slack.addUser(id);
  const github = await startFakeGitHub({ token: GITHUB_TOKEN });
  github.addRepo("acme", "api");
  github.addIssue("acme", "api", { number: 42, title: "Login fails with <!channel> & friends" });
  github.addIssue("acme", "api", { number: 7, title: "A pull request", isPullRequest: true });

  const env: Record<string, string> = {
    PORT: "0",
    LOG_LEVEL: "debug",
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    KESTRA_URL: kestra.url,
    KESTRA_USERNAME: KESTRA_USER,
    KESTRA_PASSWORD: KESTRA_PASSWORD,
    KESTRA_PUBLIC_URL: "https://kestra.example.com",
    KESTRA_TIMEOUT_MS: "1500",
    AUTOFIX_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    GITHUB_TOKEN,
    GITHUB_API_URL: github.url,
    GITHUB_WEB_URL: "https://github.com",
    AUTOFIX_ALERT_CHANNEL: ALERTS,
    AUTOFIX_RECONCILE_INTERVAL_SECONDS: "0",
    // The PR follower's timer: tests run its passes themselves (runtime.prFollower.runOnce).
    AUTOFIX_PR_POLL_SECONDS: "0",
    ...(opts.socketMode ? { SLACK_APP_TOKEN: slack.appToken } : {}),
    ...opts.env,
  };
  const logs: string[] = [];
  const config = parseConfig(env);
  const logger = createLogger({
    level: config.logLevel,
    secrets: secretValues(config),
    destination: new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  });
  const build = () =>
    createApp(config, {
      logger,
      slackRetryConfig: opts.slackRetry ?? {
        retries: 5,
        factor: 1,
        minTimeout: 10,
        maxTimeout: 50,
      },
      githubRetries: 0,
      resumeBackoffMs: opts.resumeBackoffMs ?? 20,
      digestWindowMs: opts.digestWindowMs ?? 100,
      // Rare by default: the checks' Slack calls would count in tests that count calls.
      readinessIntervalMs: opts.readinessIntervalMs ?? 60_000,
      ...(opts.stuckAfterMs ? { stuckAfterMs: opts.stuckAfterMs } : {}),
      ...(opts.socketHelloTimeoutMs ? { socketHelloTimeoutMs: opts.socketHelloTimeoutMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
      slackPaceScale: opts.slackPaceScale ?? paceScaleFor(opts.slackTiers),
    });
  let app = build();
  let url = "";
  const boot = async () => {
    const { port } = await app.start();
    url = `http://127.0.0.1:${port}`;
  };
  if (opts.start !== false) await boot();
  return {
    slack,
    kestra,
    github,
    get app() {
      return app;
    },
    get url() {
      return url;
    },
    get asker() {
      return { slack, url, secret: SIGNING_SECRET, socketMode: opts.socketMode === true };
    },
    async stopApp() {
      await app.stop();
      url = "";
    },
    async startNewApp() {
      app = build();
      await boot();
    },
    logs,
    env,
    command: (text, fields = {}, o = {}) =>
      opts.socketMode
        ? overSocket(
            slack,
            commandPayload({
              text,
              channel_id: CHANNEL,
              user_id: REQUESTER,
              response_url: slack.responseUrl(),
              ...fields,
            }),
            "slash_commands",
          )
        : sendCommand(
            url,
            SIGNING_SECRET,
            {
              text,
              channel_id: CHANNEL,
              user_id: REQUESTER,
              response_url: slack.responseUrl(),
              ...fields,
            },
            o,
          ),
    click: (input) =>
      opts.socketMode
        ? overSocket(slack, blockActionPayload({ channel: CHANNEL, ...input }), "interactive")
        : sendBlockAction(url, SIGNING_SECRET, { channel: CHANNEL, ...input }),
    submit: (input) =>
      opts.socketMode
        ? overSocket(slack, viewSubmissionPayload(input), "interactive")
        : sendViewSubmission(url, SIGNING_SECRET, input),
    notify: async (body, token = WEBHOOK_TOKEN) => {
      const res = await fetch(`${url}/kestra/events`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      if (url) await app.stop();
      await Promise.allSettled([slack.close(), kestra.close(), github.close()]);
    },
  };
}

/** A command or an interaction over the Socket Mode connection, answered by the bot's ack there. */
async function overSocket(
  slack: FakeSlack,
  payload: Record<string, unknown>,
  type: "interactive" | "slash_commands",
): Promise<SlackHttpResponse> {
  await greeted(slack);
  const id = slack.socketMode.deliver(type, payload);
  const ack = await slack.waitFor(() => slack.socketMode.acks.find((a) => a.envelope_id === id), {
    description: "the bot's ack on the socket",
  });
  return { status: 200, body: ack.payload ?? "", headers: {} };
}

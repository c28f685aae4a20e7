import { App, HTTPReceiver, type Receiver, SocketModeReceiver, type webApi } from "@slack/bolt";
import type { Config } from "../config.ts";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { boltLogger } from "../slack/bolt-logger.ts";
import { SocketConnection } from "../slack/socket-connection.ts";
import { refusedToken } from "../slack/token-errors.ts";
import { type Route, type RouteServer, sendUnavailable, startRouteServer } from "./route-server.ts";

// The Bolt app in either mode, behind one HTTP server of ours that serves `routes` from the start
// (/healthz answers while Slack is still being reached). HTTP mode: Slack's requests go to Bolt's
// HTTPReceiver once the bot token is checked (503 before). Socket Mode (SLACK_APP_TOKEN set):
// they come over the WebSocket, whose state is kept for /readyz.

export interface BoltApp {
  bolt: App;
  /** Socket Mode's connection; undefined in HTTP mode. */
  socket: SocketConnection | undefined;
  /** Serves HTTP: `routes` at once, Slack's requests once init() is done. Resolves with the port. */
  listen(): Promise<number>;
  /**
   * Checks the bot token (auth.test). A token Slack refuses, or a Slack that cannot be reached
   * (after the WebClient's retries), is a ConfigError.
   */
  init(): Promise<void>;
  /** Socket Mode: opens the connection; resolves once Slack accepted SLACK_APP_TOKEN. */
  connect(): Promise<void>;
  /** Stops taking requests; resolves when the open HTTP requests are answered. */
  stop(): Promise<void>;
}

export function createBoltApp(opts: {
  config: Config;
  logger: Logger;
  clientOptions: webApi.WebClientOptions;
  routes: Route[];
  /** How long Socket Mode waits for Slack's hello on a new socket before trying another. */
  helloTimeoutMs?: number;
}): BoltApp {
  const { config, logger, clientOptions, routes } = opts;
  const appToken = config.slack.appToken;
  const common = {
    token: config.slack.botToken,
    deferInitialization: true,
    logger: boltLogger(logger),
    clientOptions,
  };
  const receiver: Receiver = appToken
    ? new SocketModeReceiver({
        appToken,
        logger: common.logger,
        autoReconnectEnabled: false,
        installerOptions: { clientOptions: { ...clientOptions } },
      })
    : new HTTPReceiver({ signingSecret: config.slack.signingSecret, logger: common.logger });
  const socketReceiver = receiver instanceof SocketModeReceiver ? receiver : undefined;
  const httpReceiver = receiver instanceof HTTPReceiver ? receiver : undefined;
  const bolt = new App({ ...common, receiver });
  // What a listener throws and does not handle itself ends here, with its message and stack.
  bolt.error(async (error) => {
    const cause = (error as { original?: unknown }).original ?? error;
    logger.error({ err: cause, code: error.code }, "a Slack listener failed");
  });
  const socket = socketReceiver
    ? new SocketConnection(socketReceiver.client, logger, opts.helloTimeoutMs)
    : undefined;
  let server: RouteServer | undefined;
  let initialized = false;

  return {
    bolt,
    socket,
    async listen() {
      server = await startRouteServer(routes, config.port, (req, res) => {
        if (!httpReceiver) return false;
        // Slack retries what is refused: nothing is lost while the token is being checked.
        if (!initialized) sendUnavailable(res, "starting");
        else httpReceiver.requestListener(req, res);
        return true;
      });
      return server.port;
    },
    async init() {
      logger.info({ slack: config.slack.apiUrl }, "checking the bot token with Slack");
      let timer: NodeJS.Timeout | undefined;
      const tooLong = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new ConfigError([
                `cannot reach Slack at ${config.slack.apiUrl} within ${config.slack.startTimeoutMs / 1000} s (SLACK_START_TIMEOUT_SECONDS): check the network, a proxy, or SLACK_API_URL`,
              ]),
            ),
          config.slack.startTimeoutMs,
        );
      });
      const checked = bolt.init().catch((err: unknown) => {
        throw refusedToken(err, "SLACK_BOT_TOKEN") ?? unreachable(err, config) ?? err;
      });
      try {
        await Promise.race([checked, tooLong]);
      } finally {
        clearTimeout(timer);
        checked.catch(() => {});
      }
      initialized = true;
    },
    async connect() {
      await socket?.start();
    },
    async stop() {
      socket?.stop();
      await Promise.all([socketReceiver ? bolt.stop() : undefined, server?.close()]);
    },
  };
}

/** A Slack that cannot be reached at start-up, said plainly (exit status 2, as a refused token). */
function unreachable(err: unknown, config: Config): ConfigError | undefined {
  const e = err as { code?: unknown; original?: { message?: unknown }; statusCode?: unknown };
  if (e?.code === "slack_webapi_request_error") {
    const cause = typeof e.original?.message === "string" ? e.original.message : String(err);
    return new ConfigError([
      `cannot reach Slack at ${config.slack.apiUrl} (${cause}): check the network, a proxy, or SLACK_API_URL`,
    ]);
  }
  if (e?.code === "slack_webapi_http_error") {
    return new ConfigError([
      `Slack at ${config.slack.apiUrl} answered ${String(e.statusCode)} to auth.test: try again later, or check SLACK_API_URL`,
    ]);
  }
  return undefined;
}

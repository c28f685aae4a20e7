import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, SocketModeReceiver, type webApi } from "@slack/bolt";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { boltLogger } from "../slack/bolt-logger.ts";
import { SocketConnection } from "../slack/socket-connection.ts";
import { refusedToken } from "../slack/token-errors.ts";
import { type Route, type RouteServer, startRouteServer } from "./route-server.ts";

// The Bolt app in either mode. HTTP mode: Bolt's server takes Slack's requests and `routes`.
// Socket Mode (SLACK_APP_TOKEN set): Slack's requests come over the WebSocket, `routes` get a
// server of their own, and the connection's state is kept for /readyz.

export interface BoltApp {
  bolt: App;
  /** Socket Mode's connection; undefined in HTTP mode. */
  socket: SocketConnection | undefined;
  /** Checks the bot token (auth.test); a refused token is a ConfigError. */
  init(): Promise<void>;
  /**
   * Serves HTTP and, in Socket Mode, opens the connection; resolves with the HTTP port once Slack
   * accepted the tokens. A refused token is a ConfigError.
   */
  start(): Promise<number>;
  /** Stops taking requests; resolves when the open HTTP requests are answered. */
  stop(): Promise<void>;
}

export function createBoltApp(opts: {
  config: Config;
  logger: Logger;
  clientOptions: webApi.WebClientOptions;
  routes: Route[];
}): BoltApp {
  const { config, logger, clientOptions, routes } = opts;
  const appToken = config.slack.appToken;
  const common = {
    token: config.slack.botToken,
    deferInitialization: true,
    logger: boltLogger(logger),
    clientOptions,
  };
  const receiver = appToken
    ? new SocketModeReceiver({
        appToken,
        logger: common.logger,
        autoReconnectEnabled: false,
        installerOptions: { clientOptions: { ...clientOptions } },
      })
    : undefined;
  const bolt = receiver
    ? new App({ ...common, receiver })
    : new App({
        ...common,
        signingSecret: config.slack.signingSecret,
        port: config.port,
        customRoutes: routes,
      });
  // What a listener throws and does not handle itself ends here, with its message and stack.
  bolt.error(async (error) => {
    const cause = (error as { original?: unknown }).original ?? error;
    logger.error({ err: cause, code: error.code }, "a Slack listener failed");
  });
  const socket = receiver ? new SocketConnection(receiver.client, logger) : undefined;
  let server: RouteServer | undefined;

  return {
    bolt,
    socket,
    async init() {
      await bolt.init().catch((err: unknown) => {
        throw refusedToken(err, "SLACK_BOT_TOKEN") ?? err;
      });
    },
    async start() {
      if (!socket) {
        const address = ((await bolt.start(config.port)) as Server).address() as AddressInfo;
        return address.port;
      }
      server = await startRouteServer(routes, config.port);
      await socket.start();
      return server.port;
    },
    async stop() {
      socket?.stop();
      await Promise.all([bolt.stop(), server?.close()]);
    },
  };
}

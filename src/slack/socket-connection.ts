import type { SocketModeReceiver } from "@slack/bolt";
import type { ConfigError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { refusedToken, slackErrorCode } from "./token-errors.ts";

// Keeps the Socket Mode connection up and says whether it is (for /readyz). The SDK's own
// reconnect is turned off (autoReconnectEnabled: false): it retries refused tokens forever or
// crashes on them from a timer, and hides its state. Here a refused token is a ConfigError,
// anything else is retried with backoff, and a dropped connection is reopened at once.

type SocketClient = SocketModeReceiver["client"];

/** "ok" once Slack said hello; "refused" when the app-level token was refused (no retry). */
export type SocketState = "connecting" | "ok" | "reconnecting" | "refused" | "stopped";

const BACKOFF_MS = [1000, 2000, 5000, 10_000, 30_000];
/** A socket Slack accepted but never said hello on is given up after this, and another opened. */
const HELLO_TIMEOUT_MS = 30_000;

export class SocketConnection {
  #state: SocketState = "connecting";
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #started: { resolve: () => void; reject: (err: ConfigError) => void } | undefined;
  #hello: NodeJS.Timeout | undefined;
  readonly #client: SocketClient;
  readonly #log: Logger;
  readonly #helloTimeoutMs: number;

  constructor(client: SocketClient, logger: Logger, helloTimeoutMs = HELLO_TIMEOUT_MS) {
    this.#client = client;
    this.#log = logger.child({ component: "socket-mode" });
    this.#helloTimeoutMs = helloTimeoutMs;
    // apps.connections.open accepted the token: start() is done, the hello (readiness) follows.
    client.on("authenticated", () => {
      this.#settle();
      this.#awaitHello();
    });
    client.on("connected", () => {
      clearTimeout(this.#hello);
      this.#state = "ok";
      this.#failures = 0;
      this.#log.info("Socket Mode connected");
    });
    client.on("disconnected", () => {
      // A failed attempt also ends here; its own rejection schedules the retry.
      if (this.#state !== "ok") return;
      this.#state = "reconnecting";
      this.#log.warn("Socket Mode connection lost; reconnecting");
      this.#attempt();
    });
  }

  get state(): SocketState {
    return this.#state;
  }

  /** Resolves once Slack accepts SLACK_APP_TOKEN; rejects with a ConfigError if it refuses it. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#started = { resolve, reject };
      this.#attempt();
    });
  }

  stop(): void {
    this.#state = "stopped";
    clearTimeout(this.#timer);
    clearTimeout(this.#hello);
  }

  /** No hello on the new socket in time: drop it and open another (with the usual backoff). */
  #awaitHello(): void {
    clearTimeout(this.#hello);
    this.#hello = setTimeout(() => {
      if (this.#state === "stopped" || this.#state === "ok") return;
      const delay = BACKOFF_MS[Math.min(this.#failures, BACKOFF_MS.length - 1)] ?? 30_000;
      this.#failures += 1;
      this.#log.warn(
        { waitedMs: this.#helloTimeoutMs, retryInMs: delay },
        "Slack never said hello on the Socket Mode connection; opening another",
      );
      void this.#client.disconnect().catch(() => {});
      this.#timer = setTimeout(() => this.#attempt(), delay);
    }, this.#helloTimeoutMs);
    this.#hello.unref();
  }

  #attempt(): void {
    this.#client.start().catch((err: unknown) => {
      if (this.#state === "stopped") return;
      const refused = refusedToken(err, "SLACK_APP_TOKEN");
      if (refused) {
        this.#state = "refused";
        // At start-up the ConfigError says it all; later, only the log can.
        if (this.#started) this.#settle(refused);
        else
          this.#log.error(
            { slackError: slackErrorCode(err) },
            "Slack refused SLACK_APP_TOKEN; Socket Mode stays down until the token is replaced and the bot restarted",
          );
        return;
      }
      const delay = BACKOFF_MS[Math.min(this.#failures, BACKOFF_MS.length - 1)] ?? 30_000;
      this.#failures += 1;
      this.#log.warn({ err, retryInMs: delay }, "Socket Mode connection failed; retrying");
      this.#timer = setTimeout(() => this.#attempt(), delay);
    });
  }

  #settle(err?: ConfigError): void {
    const started = this.#started;
    this.#started = undefined;
    if (err) started?.reject(err);
    else started?.resolve();
  }
}

import { createApp } from "./app.ts";
import { parseConfig, secretValues } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { createLogger } from "./logger.ts";
import { prettyDestination } from "./pretty-logs.ts";
import { exitOnSignals } from "./shutdown.ts";

// Process entry: parse config, wire dependencies, serve, and shut down cleanly on SIGTERM.

/** Configuration problems, including tokens Slack refuses at start-up, end here: exit status 2. */
function cannotStart(err: unknown): never {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(
    `autofix-slack cannot start.\n${err.message}\nSee the configuration table in README.md.\n`,
  );
  process.exit(2);
}

let config: ReturnType<typeof parseConfig>;
try {
  config = parseConfig(process.env);
} catch (err) {
  cannotStart(err);
}

const logger = createLogger({
  level: config.logLevel,
  secrets: secretValues(config),
  ...(config.logFormat === "pretty" ? { destination: prettyDestination() } : {}),
});
const app = createApp(config, { logger });

exitOnSignals(app, logger);

const { port } = await app.start().catch(cannotStart);
logger.info({ port, mode: config.slack.appToken ? "socket" : "http" }, "autofix-slack is up");

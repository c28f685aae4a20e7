import { createApp } from "./app.ts";
import { parseConfig, secretValues } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { createLogger } from "./logger.ts";

// Process entry: parse config, wire dependencies, serve, and shut down cleanly on SIGTERM.

let config: ReturnType<typeof parseConfig>;
try {
  config = parseConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(
      `autofix-slack cannot start.\n${err.message}\nSee the configuration table in README.md.\n`,
    );
    process.exit(2);
  }
  throw err;
}

const logger = createLogger({ level: config.logLevel, secrets: secretValues(config) });
const app = createApp(config, { logger });
const { port } = await app.start();
logger.info({ port, mode: config.slack.appToken ? "socket" : "http" }, "autofix-slack is up");

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 25_000);
    force.unref();
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}

import { createApp } from "../../src/app.ts";
import { parseConfig, secretValues } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { DIGEST_WINDOW_MS } from "../../src/runs/batch/digest.ts";
import { exitOnSignals } from "../../src/shutdown.ts";

// src/main.ts with Slack's pace FAULTS_SLACK_SCALE times faster: the same configuration and
// createApp, with the app's own Slack pacing scaled (every lane of SlackPacer: chat.update's
// budget, chat.postMessage's per channel..., and the batch digest's coalescing window), as
// bench/load.ts does in-process. The fleet
// test runs it against a fake Slack whose rate windows are scaled alike, so that the bot and Slack
// keep their proportions; the soak, so that Tier 3 does not set the pace of 2,000 runs.

const scale = Number(process.env["FAULTS_SLACK_SCALE"] ?? 1);
if (!(scale >= 1)) throw new Error("FAULTS_SLACK_SCALE must be 1 or more");

const config = parseConfig(process.env);
const logger = createLogger({ level: config.logLevel, secrets: secretValues(config) });
const app = createApp(config, {
  logger,
  slackPaceScale: scale,
  digestWindowMs: DIGEST_WINDOW_MS / scale,
});

exitOnSignals(app, logger);

const { port } = await app.start();
logger.info(
  { port, mode: config.slack.appToken ? "socket" : "http", scale },
  "autofix-slack is up",
);

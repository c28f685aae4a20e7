import { readFileSync } from "node:fs";
import pg from "pg";
import { type FakeGitHub, startFakeGitHub } from "../fakes/github.ts";
import { type FakeKestra, startFakeKestra } from "../fakes/kestra.ts";
import { type FakeSlack, startFakeSlack } from "../fakes/slack.ts";
import {
  ALERTS,
  GITHUB_TOKEN,
  KESTRA_PASSWORD,
  KESTRA_USER,
  SIGNING_SECRET,
  WEBHOOK_TOKEN,
} from "../support/harness.ts";
import { BotProcess, type BotProcessOptions, freePort } from "./bot-process.ts";

// Everything the bot processes talk to: the fakes of Slack, Kestra and GitHub, shared by every
// process of a test, and the environment the processes start with.

const FLOWS_DIR = new URL("../../kestra/workflows/", import.meta.url);

/** Requests the drivers themselves make to the fake Kestra (a batch's Subflow tasks) carry it. */
export const DRIVER_HEADER = "x-fault-driver";

export interface World {
  slack: FakeSlack;
  kestra: FakeKestra;
  github: FakeGitHub;
  /** A bot process (not started) on a port of its own, kept across restarts. */
  bot(name: string, env?: Record<string, string>, options?: BotProcessOptions): Promise<BotProcess>;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** The fake Slack's rate tiers (off by default). */
  slackTiers?: boolean | { windowMs?: number };
}

export async function startWorld(
  issueNumbers: number[],
  options: WorldOptions = {},
): Promise<World> {
  const slack = await startFakeSlack(
    options.slackTiers !== undefined ? { tiers: options.slackTiers } : {},
  );
  const kestra = await startFakeKestra({ username: KESTRA_USER, password: KESTRA_PASSWORD });
  for (const file of [
    "main_dev.autofix_ai-issue-autofix.yml",
    "main_dev.autofix_batch-issue-autofix.yml",
    "main_dev.autofix_file-issue.yml",
  ]) {
    kestra.addFlowYaml(readFileSync(new URL(file, FLOWS_DIR), "utf8"));
  }
  const github = await startFakeGitHub({ token: GITHUB_TOKEN });
  github.addRepo("acme", "api");
  for (const number of issueNumbers) {
    github.addIssue("acme", "api", { number, title: `Issue ${number}`, labels: ["bug"] });
  }
  const bots: BotProcess[] = [];
  const baseEnv: Record<string, string> = {
    LOG_LEVEL: "info",
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    KESTRA_URL: kestra.url,
    KESTRA_USERNAME: KESTRA_USER,
    KESTRA_PASSWORD: KESTRA_PASSWORD,
    KESTRA_PUBLIC_URL: "https://kestra.example.com",
    KESTRA_TIMEOUT_MS: "3000",
    AUTOFIX_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    GITHUB_TOKEN,
    GITHUB_API_URL: github.url,
    GITHUB_WEB_URL: "https://github.com",
    AUTOFIX_ALERT_CHANNEL: ALERTS,
    // Only the start-up catch-up: what a restart recovers is what these tests prove.
    AUTOFIX_RECONCILE_INTERVAL_SECONDS: "0",
  };
  return {
    slack,
    kestra,
    github,
    async bot(name, env = {}, options = {}) {
      const bot = new BotProcess(name, await freePort(), { ...baseEnv, ...env }, options);
      bots.push(bot);
      return bot;
    },
    async close() {
      slack.beforeReply(undefined);
      kestra.beforeReply(undefined);
      await Promise.allSettled(bots.map((b) => b.stop()));
      await Promise.allSettled([slack.close(), kestra.close(), github.close()]);
    },
  };
}

/**
 * A database of its own for one test (the journal's rows of one world must not meet another's:
 * the fake Slack's message ts start over in every world). Dropped by the returned function.
 */
export async function freshDatabase(
  url: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `autofix_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return {
    url: fresh.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

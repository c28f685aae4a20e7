import { z } from "zod";
import { DEFAULT_NAMESPACE } from "./contracts/flow.ts";
import { ConfigError } from "./errors.ts";
import {
  APPROVER_PATTERN,
  CHANNEL_PATTERN,
  MODEL_PATTERN,
  type Policy,
  REPO_OR_WILDCARD,
  REPO_PATTERN,
  splitApprovers,
} from "./settings/channel-settings.ts";
import { webHostForApi } from "./shared/issue-url.ts";

// The bot's configuration, parsed once from an env object. The entry points pass the environment in; nothing else reads it.

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );

/** A whole number in [min, max]: one message for every way it can be wrong ("ten", -1, 1.5). */
const wholeNumber = (what: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
  const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `${min}-${max}`;
  const error = `must be ${what} (${range})`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

/** A comma-separated list whose entries match `pattern`; a bad entry is named, not its index. */
const listOf = (pattern: RegExp, what: string) =>
  csv.pipe(
    z.array(
      z.string().regex(pattern, {
        error: (issue) => `has "${String(issue.input).slice(0, 40)}", which is not ${what}`,
      }),
    ),
  );

/** The model a run gets when neither the command nor the channel names one. */
export const DEFAULT_MODEL = "gpt-4.1";

const httpUrl = (hint: string) =>
  z.url({ protocol: /^https?$/, error: `must be an http(s) URL, e.g. ${hint}` });

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const envSchema = z.object({
  PORT: wholeNumber("a port number", 0, 65535).default(3000),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })
    .default("info"),
  /** json for machines (the default), pretty for a person at a terminal (npm run dev). */
  LOG_FORMAT: z.enum(["json", "pretty"], { error: "must be json or pretty" }).default("json"),

  SLACK_BOT_TOKEN: z
    .string({ error: "is required: the bot token (xoxb-…) from OAuth & Permissions" })
    .regex(/^xoxb-/, { error: "must be a bot token starting with xoxb-" }),
  SLACK_SIGNING_SECRET: z
    .string({ error: "is required: Basic Information → App Credentials → Signing Secret" })
    .min(8, { error: "looks too short; copy the Signing Secret from Basic Information" }),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, { error: "must be an app-level token starting with xapp- (or unset)" })
    .optional(),
  SLACK_API_URL: httpUrl("https://slack.com/api/")
    .default("https://slack.com/api/")
    .transform((u) => (u.endsWith("/") ? u : `${u}/`)),
  /** How long the bot keeps trying to reach Slack at start-up before it gives up (exit 2). */
  SLACK_START_TIMEOUT_SECONDS: wholeNumber("a number of seconds", 1).default(90),

  KESTRA_URL: httpUrl("http://kestra:8080").transform((u) => u.replace(/\/+$/, "")),
  KESTRA_USERNAME: z.string({ error: "is required: the Kestra basic-auth user (an email)" }).min(1),
  KESTRA_PASSWORD: z.string({ error: "is required: the Kestra basic-auth password" }).min(1),
  KESTRA_TENANT: z
    .string()
    .regex(/^[a-z0-9_-]+$/, { error: "must be a tenant id such as main" })
    .default("main"),
  KESTRA_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/i, { error: "must be a Kestra namespace such as dev.autofix" })
    .default(DEFAULT_NAMESPACE),
  KESTRA_PUBLIC_URL: httpUrl("https://kestra.example.com")
    .transform((u) => u.replace(/\/+$/, ""))
    .optional(),

  AUTOFIX_WEBHOOK_TOKEN: z
    .string({ error: "is required: a random secret shared with Kestra (openssl rand -hex 32)" })
    .min(16, { error: "must be at least 16 characters (use openssl rand -hex 32)" }),

  GITHUB_TOKEN: z.string().min(1).optional(),
  GITHUB_API_URL: httpUrl("https://api.github.com")
    .default("https://api.github.com")
    .transform((u) => u.replace(/\/+$/, "")),

  GITHUB_WEB_URL: httpUrl("https://github.com").optional(),

  AUTOFIX_ALERT_CHANNEL: z
    .string()
    .regex(CHANNEL_PATTERN, { error: "must be a channel id such as C0123456789 (not a #name)" })
    .optional(),
  AUTOFIX_APPROVERS: listOf(APPROVER_PATTERN, "a Slack user id (U…/W…) or user group id (S…)"),
  AUTOFIX_ALLOWED_REPOS: listOf(REPO_OR_WILDCARD, "owner/repo or owner/*"),
  AUTOFIX_DEFAULT_REPO: z.string().regex(REPO_PATTERN, { error: "must be owner/repo" }).optional(),
  AUTOFIX_DEFAULT_LABELS: listOf(/^.{1,50}$/, "a label of at most 50 characters"),
  AUTOFIX_MODEL: z
    .string()
    .regex(MODEL_PATTERN, {
      error: "must be a model id such as gpt-4.1 (letters, digits, . _ : / @ -)",
    })
    .default(DEFAULT_MODEL),
  AUTOFIX_REQUIRE_APPROVAL: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("true")
    .transform((v) => v === "true"),
  AUTOFIX_STUCK_MINUTES: wholeNumber("a number of minutes, 0 for off", 0).default(30),
  AUTOFIX_RECONCILE_INTERVAL_SECONDS: wholeNumber("a number of seconds, 0 for off", 0).default(300),
  AUTOFIX_RECONCILE_LOOKBACK_HOURS: wholeNumber("a number of hours", 1).default(48),
  KESTRA_TIMEOUT_MS: wholeNumber("a number of milliseconds", 100).default(10_000),
  AUTOFIX_PR_FOLLOW_DAYS: wholeNumber("a number of days, 0 to not follow PRs", 0).default(14),
  AUTOFIX_PR_POLL_SECONDS: wholeNumber("a number of seconds, 0 for only at start-up", 0).default(
    120,
  ),
  AUTOFIX_PR_CHECKS_TIMEOUT_MINUTES: wholeNumber("a number of minutes", 1).default(120),
  /** PostgreSQL for the per-run lock across replicas; unset = one replica (see README). */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, {
      error:
        "must be a PostgreSQL URL such as postgres://autofix:…@postgres:5432/kestra (or unset)",
    })
    .optional(),
});

export type Env = z.input<typeof envSchema>;

/** Every environment variable the bot reads (deployment files are checked against this list). */
export const CONFIG_ENV_KEYS = Object.keys(envSchema.shape) as (keyof typeof envSchema.shape)[];

export interface Config {
  port: number;
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat: "json" | "pretty";
  slack: {
    botToken: string;
    signingSecret: string;
    appToken: string | undefined;
    apiUrl: string;
    startTimeoutMs: number;
  };
  kestra: {
    url: string;
    publicUrl: string;
    username: string;
    password: string;
    tenant: string;
    namespace: string;
    timeoutMs: number;
  };
  webhookToken: string;
  github: { token: string | undefined; apiUrl: string; webHost: string };
  policy: Policy;
  stuckAfterMs: number;
  reconcile: { intervalMs: number; lookbackHours: number };
  /** Following the PRs runs open: for how long, how often, when hanging checks are said. */
  prFollow: { days: number; intervalMs: number; checksTimeoutMs: number };
  databaseUrl: string | undefined;
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  // Treat empty strings as unset so `FOO=` in .env means "use the default".
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        // The variable, never a list index: listOf names the bad entry itself.
        const field = String(issue.path[0] ?? "(environment)");
        return `${field} ${issue.message}`;
      }),
    );
  }
  const e = result.data;
  return {
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      startTimeoutMs: e.SLACK_START_TIMEOUT_SECONDS * 1000,
    },
    kestra: {
      url: e.KESTRA_URL,
      publicUrl: e.KESTRA_PUBLIC_URL ?? e.KESTRA_URL,
      username: e.KESTRA_USERNAME,
      password: e.KESTRA_PASSWORD,
      tenant: e.KESTRA_TENANT,
      namespace: e.KESTRA_NAMESPACE,
      timeoutMs: e.KESTRA_TIMEOUT_MS,
    },
    webhookToken: e.AUTOFIX_WEBHOOK_TOKEN,
    github: {
      token: e.GITHUB_TOKEN,
      apiUrl: e.GITHUB_API_URL,
      webHost: e.GITHUB_WEB_URL
        ? new URL(e.GITHUB_WEB_URL).host.toLowerCase()
        : webHostForApi(e.GITHUB_API_URL),
    },
    policy: {
      alertChannel: e.AUTOFIX_ALERT_CHANNEL,
      approvers: splitApprovers(e.AUTOFIX_APPROVERS),
      allowedRepos: e.AUTOFIX_ALLOWED_REPOS,
      defaultRepo: e.AUTOFIX_DEFAULT_REPO,
      defaultLabels: e.AUTOFIX_DEFAULT_LABELS.length > 0 ? e.AUTOFIX_DEFAULT_LABELS : ["bug"],
      requireApproval: e.AUTOFIX_REQUIRE_APPROVAL,
      model: e.AUTOFIX_MODEL,
      // Where /autofix is allowed, so are mentions and issues filed from a thread.
      mentions: true,
      fileIssues: true,
    },
    stuckAfterMs: e.AUTOFIX_STUCK_MINUTES * 60_000,
    reconcile: {
      intervalMs: e.AUTOFIX_RECONCILE_INTERVAL_SECONDS * 1000,
      lookbackHours: e.AUTOFIX_RECONCILE_LOOKBACK_HOURS,
    },
    prFollow: {
      days: e.AUTOFIX_PR_FOLLOW_DAYS,
      intervalMs: e.AUTOFIX_PR_POLL_SECONDS * 1000,
      checksTimeoutMs: e.AUTOFIX_PR_CHECKS_TIMEOUT_MINUTES * 60_000,
    },
    databaseUrl: e.DATABASE_URL,
  };
}

/** Every secret value in the config, for log and message scrubbing. */
export function secretValues(config: Config): string[] {
  return [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    config.kestra.password,
    config.webhookToken,
    config.github.token,
    config.databaseUrl ? passwordOf(config.databaseUrl) : undefined,
  ].filter((s): s is string => typeof s === "string" && s.length >= 6);
}

function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

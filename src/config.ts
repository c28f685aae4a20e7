import { z } from "zod";
import { DEFAULT_NAMESPACE } from "./contracts/flow.ts";
import { ConfigError } from "./errors.ts";
import { type Policy, splitApprovers } from "./settings/channel-settings.ts";
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

const httpUrl = (hint: string) =>
  z.url({ protocol: /^https?$/, error: `must be an http(s) URL, e.g. ${hint}` });

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const envSchema = z.object({
  PORT: z.coerce
    .number({ error: "must be a port number" })
    .int()
    .min(0)
    .max(65535, { error: "must be a port number (0-65535)" })
    .default(3000),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })
    .default("info"),

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
  SLACK_START_TIMEOUT_SECONDS: z.coerce
    .number({ error: "must be a number of seconds" })
    .int()
    .min(1, { error: "must be 1 or more seconds" })
    .default(90),

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
    .regex(/^[CG][A-Z0-9]+$/, { error: "must be a channel id such as C0123456789 (not a #name)" })
    .optional(),
  AUTOFIX_APPROVERS: csv.pipe(
    z.array(
      z.string().regex(/^[UWS][A-Z0-9]+$/, {
        error: "entries must be Slack user ids (U…/W…) or user group ids (S…)",
      }),
    ),
  ),
  AUTOFIX_ALLOWED_REPOS: csv.pipe(
    z.array(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*\/(\*|[A-Za-z0-9._-]+)$/, {
        error: "entries must be owner/repo or owner/*",
      }),
    ),
  ),
  AUTOFIX_DEFAULT_REPO: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/, { error: "must be owner/repo" })
    .optional(),
  AUTOFIX_DEFAULT_LABELS: csv.pipe(
    z.array(z.string().max(50, { error: "labels must be at most 50 characters" })),
  ),
  AUTOFIX_REQUIRE_APPROVAL: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("true")
    .transform((v) => v === "true"),
  AUTOFIX_STUCK_MINUTES: z.coerce
    .number({ error: "must be a number of minutes" })
    .int()
    .min(0, { error: "must be 0 (off) or more minutes" })
    .default(30),
  AUTOFIX_RECONCILE_INTERVAL_SECONDS: z.coerce
    .number({ error: "must be a number of seconds" })
    .int()
    .min(0, { error: "must be 0 (off) or more seconds" })
    .default(300),
  AUTOFIX_RECONCILE_LOOKBACK_HOURS: z.coerce
    .number({ error: "must be a number of hours" })
    .int()
    .min(1)
    .default(48),
  KESTRA_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
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
        const field = issue.path.join(".") || "(environment)";
        return `${field} ${issue.message}`;
      }),
    );
  }
  const e = result.data;
  return {
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
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
      // Where /autofix is allowed, so are mentions and issues filed from a thread.
      mentions: true,
      fileIssues: true,
    },
    stuckAfterMs: e.AUTOFIX_STUCK_MINUTES * 60_000,
    reconcile: {
      intervalMs: e.AUTOFIX_RECONCILE_INTERVAL_SECONDS * 1000,
      lookbackHours: e.AUTOFIX_RECONCILE_LOOKBACK_HOURS,
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

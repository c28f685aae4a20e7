import { z } from "zod";
import { ConfigError } from "../errors.ts";
import { webHostForApi } from "../shared/issue-url.ts";

// The worker's configuration, read once from the environment the CLI entry passes in.

export const DEFAULT_API_URL = "https://api.github.com";
/** Cline's provider for any OpenAI-compatible endpoint; it honours a base URL (see agent.ts). */
export const DEFAULT_PROVIDER = "openai-compatible";
export const DEFAULT_AGENT_TIMEOUT_S = 1200;
export const DEFAULT_AUTHOR_NAME = "autofix-bot";
export const DEFAULT_AUTHOR_EMAIL = "autofix-bot@users.noreply.github.com";

/** Provider credentials and endpoints the agent may see (never a GitHub token). */
const PROVIDER_ENV = [
  "OPENAI_API_KEY",
  "OPENAI_BASE_URL",
  "OPENROUTER_API_KEY",
  "ANTHROPIC_API_KEY",
  "CLINE_API_KEY",
  "CEREBRAS_API_KEY",
  "GROQ_API_KEY",
  "DEEPSEEK_API_KEY",
  "GEMINI_API_KEY",
] as const;

/**
 * Every variable holding a GitHub credential: the ones read below, and gh's, which the worker never
 * uses but must not leave readable either. The CLI entry moves them out of the process environment.
 */
export const GITHUB_CREDENTIAL_ENV = [
  "GITHUB_TOKEN",
  "GITHUB_READ_TOKEN",
  "GH_TOKEN",
  "GITHUB_ENTERPRISE_TOKEN",
  "GH_ENTERPRISE_TOKEN",
] as const;

/** Values shorter than this are not treated as secrets to scrub (they would mangle plain text). */
export const MIN_SECRET_LENGTH = 8;

/** Plain process settings the worker's children (git, the agent) inherit. */
const BASE_ENV = [
  "PATH",
  "HOME",
  "LANG",
  "LC_ALL",
  "TMPDIR",
  "TZ",
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "https_proxy",
  "http_proxy",
  "no_proxy",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "GIT_SSL_CAINFO",
] as const;

const LOG_LEVELS = ["silent", "error", "warn", "info", "debug"] as const;

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const httpUrl = (name: string) =>
  z.url({
    protocol: /^https?$/,
    error: `${name} must be an http(s) URL, e.g. https://api.github.com`,
  });

const envSchema = z.object({
  GITHUB_TOKEN: optional,
  GITHUB_READ_TOKEN: optional,
  GITHUB_WEB_URL: optional.pipe(httpUrl("GITHUB_WEB_URL").optional()),
  GITHUB_API_URL: optional.pipe(httpUrl("GITHUB_API_URL").optional()),
  AUTOFIX_AGENT_COMMAND: optional,
  AUTOFIX_CLINE_PATH: optional,
  AUTOFIX_MODEL: optional,
  AUTOFIX_PROVIDER: optional.pipe(
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, {
        error: "AUTOFIX_PROVIDER must be a Cline provider id such as openai-compatible",
      })
      .optional(),
  ),
  OPENAI_BASE_URL: optional.pipe(httpUrl("OPENAI_BASE_URL").optional()),
  AUTOFIX_AGENT_TIMEOUT: optional.pipe(
    z.coerce
      .number<string>({ error: "AUTOFIX_AGENT_TIMEOUT must be a number of seconds, e.g. 1200" })
      .int({ error: "AUTOFIX_AGENT_TIMEOUT must be a whole number of seconds, e.g. 1200" })
      .min(1, { error: "AUTOFIX_AGENT_TIMEOUT must be at least 1 second" })
      .max(86_400, { error: "AUTOFIX_AGENT_TIMEOUT must be at most 86400 seconds (a day)" })
      .optional(),
  ),
  AUTOFIX_GIT_AUTHOR_NAME: optional,
  AUTOFIX_GIT_AUTHOR_EMAIL: optional.pipe(
    z
      .email({ error: "AUTOFIX_GIT_AUTHOR_EMAIL must be an e-mail address, e.g. bot@example.com" })
      .optional(),
  ),
  AUTOFIX_CLONE_URL: optional.pipe(
    z
      .string()
      .refine((v) => v.includes("{owner}") && v.includes("{repo}"), {
        error:
          "AUTOFIX_CLONE_URL must contain {owner} and {repo}, e.g. https://git.example.com/{owner}/{repo}.git",
      })
      .refine((v) => /^(https?|file):\/\//.test(v), {
        error: "AUTOFIX_CLONE_URL must start with https://, http:// or file://",
      })
      .optional(),
  ),
  AUTOFIX_LOG_LEVEL: optional.pipe(
    z
      .enum(LOG_LEVELS, { error: `AUTOFIX_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}` })
      .optional(),
  ),
});

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface WorkerConfig {
  /** For reads and clones: GITHUB_TOKEN, else the read-only GITHUB_READ_TOKEN. */
  githubToken: string | undefined;
  /** For pushes and PRs: GITHUB_TOKEN only. */
  githubWriteToken: string | undefined;
  /** GITHUB_READ_TOKEN alone, for `autofix check`. */
  githubReadToken: string | undefined;
  /** API base without a trailing slash. */
  apiUrl: string;
  /** Host of issue and repository URLs (github.com for api.github.com). */
  webHost: string;
  /** Clone/push URL template with {owner} and {repo}. */
  cloneUrlTemplate: string;
  agent: {
    /** A shell command that replaces Cline, or undefined for Cline. */
    command: string | undefined;
    clinePath: string;
    provider: string;
    model: string | undefined;
    baseUrl: string | undefined;
    timeoutMs: number;
  };
  author: { name: string; email: string };
  logLevel: LogLevel;
  /** Variables children inherit (PATH, HOME, proxies…). */
  baseEnv: Record<string, string>;
  /** Provider credentials and endpoints, passed to the agent only. */
  providerEnv: Record<string, string>;
  /** Secret values (GitHub tokens, provider keys) to scrub from text the agent produced. */
  secrets: readonly string[];
}

/** Parses the environment; throws ConfigError listing every problem with how to fix it. */
export function loadWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const field = issue.path.join(".");
        return issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  const apiUrl = (e.GITHUB_API_URL ?? DEFAULT_API_URL).replace(/\/+$/, "");
  const webHost = e.GITHUB_WEB_URL
    ? new URL(e.GITHUB_WEB_URL).host.toLowerCase()
    : webHostForApi(apiUrl);
  return {
    // Reads and clones may use the read-only token the fix task gets; pushes need GITHUB_TOKEN.
    githubToken: e.GITHUB_TOKEN ?? e.GITHUB_READ_TOKEN,
    githubWriteToken: e.GITHUB_TOKEN,
    githubReadToken: e.GITHUB_READ_TOKEN,
    apiUrl,
    webHost,
    cloneUrlTemplate: e.AUTOFIX_CLONE_URL ?? `https://${webHost}/{owner}/{repo}.git`,
    agent: {
      command: e.AUTOFIX_AGENT_COMMAND,
      clinePath: e.AUTOFIX_CLINE_PATH ?? "cline",
      provider: e.AUTOFIX_PROVIDER ?? DEFAULT_PROVIDER,
      model: e.AUTOFIX_MODEL,
      baseUrl: e.OPENAI_BASE_URL,
      timeoutMs: (e.AUTOFIX_AGENT_TIMEOUT ?? DEFAULT_AGENT_TIMEOUT_S) * 1000,
    },
    author: {
      name: e.AUTOFIX_GIT_AUTHOR_NAME ?? DEFAULT_AUTHOR_NAME,
      email: e.AUTOFIX_GIT_AUTHOR_EMAIL ?? DEFAULT_AUTHOR_EMAIL,
    },
    logLevel: e.AUTOFIX_LOG_LEVEL ?? "silent",
    baseEnv: pick(env, BASE_ENV),
    providerEnv: pick(env, PROVIDER_ENV),
    secrets: knownSecrets(env),
  };
}

/**
 * The GitHub tokens and the provider API keys in `env`, longest first (so a secret containing
 * another is replaced whole). Needs no valid configuration: the CLI scrubs its errors with it.
 */
export function knownSecrets(env: Record<string, string | undefined>): string[] {
  const names = [...GITHUB_CREDENTIAL_ENV, ...PROVIDER_ENV.filter((n) => n.endsWith("_KEY"))];
  const values = new Set<string>();
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined) continue;
    for (const value of [raw, raw.trim()]) {
      if (value.length >= MIN_SECRET_LENGTH) values.add(value);
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** The token, or a ConfigError saying which command needs it. */
export function requireToken(config: WorkerConfig, what: string): string {
  if (!config.githubWriteToken) {
    throw new ConfigError([
      `GITHUB_TOKEN is required to ${what}: set it to a token with contents:write and pull_requests:write`,
    ]);
  }
  return config.githubWriteToken;
}

/** The clone/push URL of a repository. */
export function cloneUrl(config: WorkerConfig, owner: string, repo: string): string {
  return config.cloneUrlTemplate.replaceAll("{owner}", owner).replaceAll("{repo}", repo);
}

function pick(
  env: Record<string, string | undefined>,
  names: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== "") out[name] = value;
  }
  return out;
}

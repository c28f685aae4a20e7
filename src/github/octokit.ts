import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import type { Logger } from "pino";
import { UpstreamError, upstreamKindForStatus } from "../errors.ts";

// The project's one Octokit, for the bot and the worker alike: the class is composed with its
// plugins here, once, and createOctokit builds an instance. Every attempt is logged from a hook
// (method, route, status, time; never a header, so never the token), and githubError is the one
// mapping of a failed call to UpstreamError("github", kind).

/**
 * Logs each attempt to the `logger` option (this plugin sits inside plugin-retry, so a retried
 * call logs every try).
 */
function requestLogging(octokit: Pick<Octokit, "hook">, options: Record<string, unknown>): void {
  const log = options["logger"] as Logger | undefined;
  if (!log) return;
  octokit.hook.wrap("request", async (request, req) => {
    const started = performance.now();
    const fields = () => ({
      method: req.method,
      url: req.url,
      ms: Math.round(performance.now() - started),
    });
    try {
      const res = await request(req);
      log.debug({ ...fields(), status: res.status }, "github call");
      return res;
    } catch (err) {
      log.warn({ ...fields(), status: (err as { status?: unknown }).status }, "github call failed");
      throw err;
    }
  });
}

const ComposedOctokit = Octokit.plugin(requestLogging, retry, throttling);
export type GitHubOctokit = InstanceType<typeof ComposedOctokit>;

export interface OctokitOptions {
  /** API base, e.g. https://api.github.com or https://ghes.example.com/api/v3. */
  baseUrl: string;
  token: string | undefined;
  userAgent: string;
  logger: Logger;
  /** plugin-retry's retries of a 5xx or a network failure (default 2). */
  retries?: number;
  /** Base of plugin-retry's backoff: retry n waits n² × this (default 1000); tests lower it. */
  retryBaseMs?: number;
  /**
   * plugin-throttling paces writes per id, across every instance of the process (default: one
   * id for all). Tests that run several CLIs in one process give each its own, as processes have.
   */
  throttleId?: string;
}

export function createOctokit(opts: OctokitOptions): GitHubOctokit {
  const log = opts.logger.child({ service: "github" });
  return new ComposedOctokit({
    baseUrl: opts.baseUrl,
    ...(opts.token ? { auth: opts.token } : {}),
    userAgent: opts.userAgent,
    logger: log,
    // Octokit's own request log hands its debug hook the request options, headers included:
    // only warnings (deprecations, throttling handler errors) get through.
    log: {
      debug: () => {},
      info: () => {},
      warn: (msg: string) => log.warn(msg),
      error: () => {},
    },
    retry: { retries: opts.retries ?? 2, retryAfterBaseValue: opts.retryBaseMs ?? 1000 },
    throttle: {
      ...(opts.throttleId === undefined ? {} : { id: opts.throttleId }),
      onRateLimit: (retryAfter: number, options: { method: string; url: string }, _o, count) => {
        log.warn({ retryAfter, method: options.method, url: options.url }, "github rate limit");
        return count < 1;
      },
      onSecondaryRateLimit: (retryAfter: number, options: { method: string; url: string }) => {
        log.warn(
          { retryAfter, method: options.method, url: options.url },
          "github secondary rate limit",
        );
        return false;
      },
    },
  });
}

/** Turns a failed Octokit call into UpstreamError("github"); `what` names the call for the message. */
export function githubError(err: unknown, what: string): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const status = (err as { status?: unknown }).status;
  const response = (err as { response?: GitHubErrorResponse }).response;
  if (typeof status === "number" && status > 0 && response !== undefined) {
    const message = response.data?.message;
    const detail = typeof message === "string" ? message : `HTTP ${status}`;
    const kind = isRateLimit(status, response) ? "rate_limited" : upstreamKindForStatus(status);
    return new UpstreamError("github", kind, `${what}: ${detail}`, { cause: err, status });
  }
  // No answer (connection refused, timeout): Octokit reports these without a response.
  const reason = err instanceof Error ? err.message : String(err);
  return new UpstreamError("github", "unavailable", `${what}: ${reason}`, { cause: err });
}

interface GitHubErrorResponse {
  data?: { message?: unknown };
  headers?: Record<string, unknown>;
}

/** GitHub answers an exhausted rate limit with 403 (or 429), not only with 429. */
function isRateLimit(status: number, response: GitHubErrorResponse): boolean {
  if (status === 429) return true;
  if (status !== 403) return false;
  const message = response.data?.message;
  return (
    response.headers?.["x-ratelimit-remaining"] === "0" ||
    (typeof message === "string" && /rate limit/i.test(message))
  );
}

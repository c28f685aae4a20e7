import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { UpstreamError, upstreamKindForStatus } from "../errors.ts";
import type { Logger } from "../logger.ts";

const BotOctokit = Octokit.plugin(retry, throttling);
export type GitHubClient = InstanceType<typeof BotOctokit>;

/** Octokit with retry and throttling; requests are logged from hooks, never with the token. */
export function createGitHubClient(opts: {
  baseUrl: string;
  token: string | undefined;
  logger: Logger;
  retries?: number;
}): GitHubClient {
  const log = opts.logger.child({ client: "github" });
  const octokit = new BotOctokit({
    baseUrl: opts.baseUrl,
    ...(opts.token ? { auth: opts.token } : {}),
    userAgent: "autofix-slack",
    log: {
      debug: () => {},
      info: () => {},
      warn: (msg: string) => log.warn(msg),
      error: (msg: string) => log.error(msg),
    },
    retry: { retries: opts.retries ?? 2 },
    throttle: {
      onRateLimit: (
        retryAfter: number,
        options: { method: string; url: string },
        _o,
        retryCount,
      ) => {
        log.warn({ retryAfter, url: options.url }, "github rate limit");
        return retryCount < 1;
      },
      onSecondaryRateLimit: (retryAfter: number, options: { method: string; url: string }) => {
        log.warn({ retryAfter, url: options.url }, "github secondary rate limit");
        return false;
      },
    },
  });
  octokit.hook.wrap("request", async (req, options) => {
    const started = performance.now();
    try {
      const res = await req(options);
      log.debug(
        { method: options.method, url: options.url, status: res.status, ms: elapsed(started) },
        "github call",
      );
      return res;
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      log.warn(
        { method: options.method, url: options.url, status, ms: elapsed(started) },
        "github call failed",
      );
      throw err;
    }
  });
  return octokit;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

export interface IssueInfo {
  title: string;
  state: string;
  isPullRequest: boolean;
}

/** Reads an issue; maps Octokit failures to UpstreamError("github", …). */
export async function getIssue(
  github: GitHubClient,
  ref: { owner: string; repo: string; number: number },
): Promise<IssueInfo> {
  try {
    const { data } = await github.rest.issues.get({
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.number,
    });
    return { title: data.title, state: data.state, isPullRequest: Boolean(data.pull_request) };
  } catch (cause) {
    const status = (cause as { status?: unknown }).status;
    const kind = typeof status === "number" ? upstreamKindForStatus(status) : "unavailable";
    throw new UpstreamError(
      "github",
      kind,
      `GitHub refused to read the issue (${status ?? "no answer"})`,
      {
        cause,
        ...(typeof status === "number" ? { status } : {}),
      },
    );
  }
}

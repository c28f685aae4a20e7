import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import type { Logger } from "pino";
import { InputError, UpstreamError, upstreamKindForStatus } from "../errors.ts";

// The worker's GitHub calls. Requests are logged from Octokit hooks (never a header, so never
// the token); every failure leaves this module as UpstreamError("github", kind).

const WorkerOctokit = Octokit.plugin(retry, throttling);
export type WorkerOctokit = InstanceType<typeof WorkerOctokit>;

// A type alias, not an interface: Octokit's parameters need an implicit index signature.
export type RepoRef = {
  owner: string;
  repo: string;
};

export interface IssueDetails {
  number: number;
  title: string;
  body: string;
  url: string;
  labels: string[];
  comments: { author: string; body: string }[];
}

export interface RepoInfo {
  defaultBranch: string;
  private: boolean;
}

export interface PullRequestRef {
  number: number;
  url: string;
}

export interface IssueSummary {
  number: number;
  title: string;
  url: string;
}

export interface GitHubOptions {
  baseUrl: string;
  token: string | undefined;
  logger: Logger;
  /** Base of plugin-retry's backoff (retry n waits n² × this); tests lower it. */
  retryBaseMs?: number;
}

export const MAX_COMMENTS = 50;

export function createOctokit(opts: GitHubOptions): WorkerOctokit {
  const log = opts.logger.child({ service: "github" });
  const octokit = new WorkerOctokit({
    baseUrl: opts.baseUrl,
    ...(opts.token ? { auth: opts.token } : {}),
    userAgent: "autofix-worker",
    log: {
      debug: () => {},
      info: () => {},
      warn: (msg: string) => log.warn(msg),
      error: (msg: string) => log.error(msg),
    },
    retry: { retries: 2, retryAfterBaseValue: opts.retryBaseMs ?? 1000 },
    throttle: {
      onRateLimit: (retryAfter: number, options: { method: string; url: string }, _o, count) => {
        log.warn({ retryAfter, method: options.method, url: options.url }, "rate limited");
        return count < 1;
      },
      onSecondaryRateLimit: (retryAfter: number, options: { method: string; url: string }) => {
        log.warn({ retryAfter, method: options.method, url: options.url }, "secondary rate limit");
        return false;
      },
    },
  });
  const started = new WeakMap<object, number>();
  octokit.hook.before("request", (options) => {
    started.set(options, performance.now());
    log.debug({ method: options.method, url: options.url }, "github request");
  });
  octokit.hook.after("request", (response, options) => {
    log.info(
      {
        method: options.method,
        url: options.url,
        status: response.status,
        ms: ms(started, options),
      },
      "github response",
    );
  });
  octokit.hook.error("request", (error, options) => {
    const status = (error as { status?: unknown }).status;
    log.warn(
      { method: options.method, url: options.url, status, ms: ms(started, options) },
      "github request failed",
    );
    throw error;
  });
  return octokit;
}

function ms(started: WeakMap<object, number>, options: object): number | undefined {
  const t = started.get(options);
  return t === undefined ? undefined : Math.round(performance.now() - t);
}

/** Turns an Octokit failure into UpstreamError("github"); `what` names the call for the message. */
export function githubError(err: unknown, what: string): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const status = (err as { status?: unknown }).status;
  if (typeof status === "number" && status > 0) {
    const message = (err as { response?: { data?: { message?: unknown } } }).response?.data
      ?.message;
    const detail = typeof message === "string" ? message : `HTTP ${status}`;
    return new UpstreamError("github", upstreamKindForStatus(status), `${what}: ${detail}`, {
      cause: err,
      status,
    });
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new UpstreamError("github", "unavailable", `${what}: ${reason}`, { cause: err });
}

export class GitHub {
  readonly octokit: WorkerOctokit;
  constructor(octokit: WorkerOctokit) {
    this.octokit = octokit;
  }

  /** The issue with its comments. A pull request is refused: it is not an issue. */
  async issue(ref: RepoRef & { number: number }): Promise<IssueDetails> {
    const slug = `${ref.owner}/${ref.repo}#${ref.number}`;
    let data: Awaited<ReturnType<WorkerOctokit["rest"]["issues"]["get"]>>["data"];
    try {
      data = (await this.octokit.rest.issues.get({ ...split(ref), issue_number: ref.number })).data;
    } catch (err) {
      const e = githubError(err, `cannot read issue ${slug}`);
      if (e.kind === "not_found") {
        throw new UpstreamError("github", "not_found", `issue ${slug} not found`, {
          cause: err,
          status: 404,
        });
      }
      throw e;
    }
    if (data.pull_request) {
      throw new InputError(`${slug} is a pull request, not an issue`);
    }
    let comments: IssueDetails["comments"] = [];
    if (data.comments > 0) {
      try {
        const all = await this.octokit.paginate(
          this.octokit.rest.issues.listComments,
          { ...split(ref), issue_number: ref.number, per_page: 100 },
          (response, done) => {
            if (response.data.length >= MAX_COMMENTS) done();
            return response.data;
          },
        );
        comments = all.slice(0, MAX_COMMENTS).map((c) => ({
          author: c.user?.login ?? "unknown",
          body: c.body ?? "",
        }));
      } catch (err) {
        throw githubError(err, `cannot read the comments of ${slug}`);
      }
    }
    return {
      number: data.number,
      title: data.title,
      body: data.body ?? "",
      url: data.html_url,
      labels: data.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))),
      comments,
    };
  }

  async repo(ref: RepoRef): Promise<RepoInfo> {
    try {
      const { data } = await this.octokit.rest.repos.get(split(ref));
      return { defaultBranch: data.default_branch, private: data.private };
    } catch (err) {
      const e = githubError(err, `cannot read repository ${ref.owner}/${ref.repo}`);
      if (e.kind === "not_found") {
        throw new UpstreamError(
          "github",
          "not_found",
          `repository ${ref.owner}/${ref.repo} not found`,
          { cause: err, status: 404 },
        );
      }
      throw e;
    }
  }

  /** The open PR whose head is `<owner>:<branch>` in the repository, if any. */
  async openPullFromBranch(ref: RepoRef, branch: string): Promise<PullRequestRef | undefined> {
    try {
      // GitHub ignores a head filter without "owner:", so the owner is required here.
      const { data } = await this.octokit.rest.pulls.list({
        ...split(ref),
        state: "open",
        head: `${ref.owner}:${branch}`,
        per_page: 10,
      });
      const pr = data.find((p) => p.head.ref === branch);
      return pr ? { number: pr.number, url: pr.html_url } : undefined;
    } catch (err) {
      throw githubError(err, `cannot list pull requests of ${ref.owner}/${ref.repo}`);
    }
  }

  async createPull(
    ref: RepoRef,
    pr: { title: string; body: string; head: string; base: string; draft: boolean },
  ): Promise<PullRequestRef> {
    try {
      const { data } = await this.octokit.rest.pulls.create({ ...split(ref), ...pr });
      return { number: data.number, url: data.html_url };
    } catch (err) {
      throw githubError(err, `cannot open the pull request on ${ref.owner}/${ref.repo}`);
    }
  }

  /**
   * Open issues carrying every label, pull requests left out, newest first, up to `max`.
   * `keep` can drop more (e.g. issues that already have a fix PR).
   */
  async openIssues(
    ref: RepoRef,
    labels: string[],
    max: number,
    keep: (issue: IssueSummary) => Promise<boolean> = async () => true,
  ): Promise<IssueSummary[]> {
    const out: IssueSummary[] = [];
    for await (const summary of this.openIssueStream(ref, labels, max)) {
      if (!(await keep(summary))) continue;
      out.push(summary);
      if (out.length >= max) return out;
    }
    return out;
  }

  /** Open issues with every label, newest first, pull requests left out; pages are read on demand. */
  async *openIssueStream(
    ref: RepoRef,
    labels: string[],
    pageHint: number,
  ): AsyncGenerator<IssueSummary, void, undefined> {
    const pages = this.octokit.paginate.iterator(this.octokit.rest.issues.listForRepo, {
      ...split(ref),
      state: "open",
      ...(labels.length > 0 ? { labels: labels.join(",") } : {}),
      per_page: Math.min(100, Math.max(pageHint, 30)),
    });
    const iterator = pages[Symbol.asyncIterator]();
    for (;;) {
      let next: Awaited<ReturnType<typeof iterator.next>>;
      try {
        next = await iterator.next();
      } catch (err) {
        throw githubError(err, `cannot list issues of ${ref.owner}/${ref.repo}`);
      }
      if (next.done) return;
      for (const issue of next.value.data) {
        if (issue.pull_request) continue;
        yield { number: issue.number, title: issue.title, url: issue.html_url };
      }
    }
  }
}

function split(ref: RepoRef): RepoRef {
  return { owner: ref.owner, repo: ref.repo };
}

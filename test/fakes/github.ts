// A strict fake of the GitHub REST API (the part autofix uses) on 127.0.0.1 with a random port.
//
// Exports:
//   startFakeGitHub(opts?) -> Promise<FakeGitHub>
//   FakeGitHub {
//     url                      API base, e.g. http://127.0.0.1:PORT (GITHUB_API_URL)
//     webHost                  host of html_url links: webHostForApi(url), i.e. 127.0.0.1:PORT
//     token                    the write token (default "ghp_testtoken")
//     addRepo(owner, repo, {defaultBranch?, private?})
//     addIssue(owner, repo, {number?, title, body?, state?, labels?, isPullRequest?, comments?}) -> FakeIssue
//     addPull(owner, repo, {head, base?, title?, state?, draft?, headOwner?, headRepo?,
//             maintainerCanModify?, headSha?})  -> FakePull (an open PR without a push)
//     pulls(owner, repo)       PRs of the repository, oldest first
//     pull(owner, repo, n)     one PR (live object); headShaOf(owner, repo, n) its head commit
//     setHead(owner, repo, n, sha)   a push to the PR's branch (without a git repository)
//     mergePull(owner, repo, n, by?) / closePull(owner, repo, n)
//     addCheckRun(owner, repo, {sha, name, status?, conclusion?, app?, output?, log?}) -> FakeCheckRun
//     updateCheckRun(owner, repo, id, {status?, conclusion?, output?, log?})
//     addReview(owner, repo, n, {user, state, body?, comments?}) -> FakeReview
//     rate                     {limit, used, notModified}: what counted against the rate limit
//     requests                 every request: {method, path (with query), headers, body, status}
//     issues(owner, repo)      issues of the repository (PRs left out), filed ones included
//     failNext(match, status, times?)  the next `times` requests matching "METHOD /path" fail
//     close()
//   }
//
// Pull requests, check runs and reviews (what the PR follower reads) follow octokit/openapi's
// api.github.com description: GET /repos/{o}/{r}/pulls/{n} (state, merged, merged_by, head.sha,
// head.repo, maintainer_can_modify), GET …/commits/{ref}/check-runs ({total_count, check_runs},
// filter=latest by default: the newest run of each name), GET …/pulls/{n}/reviews (chronological),
// GET …/pulls/{n}/reviews/{id}/comments, and GET …/actions/jobs/{id}/logs, which answers 302 to a
// short-lived download URL (a GitHub Actions check run's id is its job's id; other apps have no
// job: 404). Every GET answered 200 carries an ETag and is answered 304 to a matching
// If-None-Match, which does not count against the rate limit (github/conditional.ts).
//
// Faithful to api.github.com where autofix depends on it (checked against GitHub's docs and real
// responses): PRs are issues (they share numbers and appear in the issues API with a
// `pull_request` key), `head` filters of the pulls list need "owner:branch" or are ignored,
// creating a second open PR for the same head/base is a 422 with
// {message:"Validation Failed", errors:[{resource:"PullRequest", code:"custom", message:
// "A pull request already exists for owner:branch."}], documentation_url, status:"422"},
// a head branch that does not exist is a 422 {resource:"PullRequest", field:"head", code:"invalid"},
// a bad token is 401 "Bad credentials" on every endpoint, a private repository is 404 without a
// token, POST without a token is 401 "Requires authentication", a read-only token gets 403
// "Resource not accessible by personal access token", requests without User-Agent are 403, and
// GET /repos/{owner}/{repo} carries the token's `permissions` (push only for the write token).

import type { IncomingMessage, ServerResponse } from "node:http";
import { webHostForApi } from "../../src/shared/issue-url.ts";
import { answerConditionally, type RateLimit } from "./github/conditional.ts";
import {
  checkRunJson,
  type FakeCheckRun,
  type FakeCheckRunInput,
  type FakeReview,
  type FakeReviewInput,
  fakeSha,
  latestPerName,
  reviewCommentJson,
  reviewJson,
} from "./github/pulls.ts";
import { headerValue, readBody, sendJson, sendText, startHttpServer } from "./http-server.ts";

export type { FakeCheckRun, FakeReview } from "./github/pulls.ts";

export interface FakeGitHubOptions {
  /** The token with write access (default "ghp_testtoken"). */
  token?: string;
  /** Tokens that may read but get 403 on writes. */
  readOnlyTokens?: string[];
  /** Whether a branch exists in the repository; POST /pulls checks head with it (default: yes). */
  branchExists?: (owner: string, repo: string, branch: string) => boolean | Promise<boolean>;
  /** A branch's head commit (a git repository behind the fake); else setHead's, or a fixed sha. */
  headSha?: (owner: string, repo: string, branch: string) => string | undefined;
}

export interface FakeComment {
  author?: string;
  body: string;
}

export interface FakeIssueInput {
  number?: number;
  title: string;
  body?: string;
  state?: "open" | "closed";
  labels?: string[];
  isPullRequest?: boolean;
  comments?: (string | FakeComment)[];
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  labels: string[];
  isPullRequest: boolean;
  comments: FakeComment[];
  htmlUrl: string;
}

export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  headOwner: string;
  /** The repository of the branch: the PR's own, or a fork's name under headOwner. */
  headRepo: string;
  base: string;
  draft: boolean;
  state: "open" | "closed";
  merged: boolean;
  mergedBy: string | undefined;
  maintainerCanModify: boolean;
  /** Set by setHead; otherwise the headSha option, or a fixed sha of the branch's name. */
  headSha: string | undefined;
  htmlUrl: string;
}

export interface FakePullInput {
  head: string;
  base?: string;
  title?: string;
  state?: "open" | "closed";
  draft?: boolean;
  /** A PR from a fork: its owner and name, and whether maintainers may push to it. */
  headOwner?: string;
  headRepo?: string;
  maintainerCanModify?: boolean;
  headSha?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** The answer's status, once sent (304: not modified). */
  status?: number;
}

export interface FakeGitHub {
  url: string;
  webHost: string;
  token: string;
  /** `pushable: false`: the write token gets permissions.push false there (a fork it cannot push to). */
  addRepo(
    owner: string,
    repo: string,
    opts?: { defaultBranch?: string; private?: boolean; pushable?: boolean },
  ): void;
  addIssue(owner: string, repo: string, issue: FakeIssueInput): FakeIssue;
  addPull(owner: string, repo: string, pull: FakePullInput): FakePull;
  pulls(owner: string, repo: string): FakePull[];
  pull(owner: string, repo: string, number: number): FakePull;
  headShaOf(owner: string, repo: string, number: number): string;
  setHead(owner: string, repo: string, number: number, sha: string): void;
  mergePull(owner: string, repo: string, number: number, by?: string): void;
  closePull(owner: string, repo: string, number: number): void;
  addCheckRun(owner: string, repo: string, run: FakeCheckRunInput): FakeCheckRun;
  updateCheckRun(
    owner: string,
    repo: string,
    id: number,
    change: Partial<Pick<FakeCheckRun, "status" | "conclusion" | "output" | "log">>,
  ): void;
  addReview(owner: string, repo: string, number: number, review: FakeReviewInput): FakeReview;
  rate: RateLimit;
  /** Issues of the repository (pull requests left out), by number. */
  issues(owner: string, repo: string): FakeIssue[];
  requests: RecordedRequest[];
  failNext(match: string | RegExp, status: number, times?: number): void;
  close(): Promise<void>;
}

interface RepoState {
  owner: string;
  name: string;
  id: number;
  defaultBranch: string;
  private: boolean;
  pushable: boolean;
  issues: Map<number, FakeIssue>;
  pulls: FakePull[];
  checkRuns: FakeCheckRun[];
  reviews: FakeReview[];
  nextNumber: number;
}

const DOCS = "https://docs.github.com/rest";
type Access = "none" | "read" | "write";

export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const token = opts.token ?? "ghp_testtoken";
  const readOnly = new Set(opts.readOnlyTokens ?? []);
  const repos = new Map<string, RepoState>();
  const requests: RecordedRequest[] = [];
  const failures: { match: string | RegExp; status: number; left: number }[] = [];
  const rate: RateLimit = { limit: 5000, used: 0, notModified: 0 };
  let nextRepoId = 1000;
  let nextId = 5000;
  let webHost = "";
  let apiUrl = "";

  const key = (owner: string, repo: string) => `${owner.toLowerCase()}/${repo.toLowerCase()}`;
  const mustRepo = (owner: string, repo: string): RepoState => {
    const r = repos.get(key(owner, repo));
    if (!r) throw new Error(`fake GitHub: add the repository ${owner}/${repo} first`);
    return r;
  };

  const server = await startHttpServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const raw = await readBody(req);
    const text = raw.toString("utf8");
    const method = req.method ?? "GET";
    const recorded: RecordedRequest = {
      method,
      path: `${url.pathname}${url.search}`,
      headers: flatHeaders(req),
      body: parseMaybeJson(text),
    };
    requests.push(recorded);
    res.on("finish", () => {
      recorded.status = res.statusCode;
    });
    // The signed download URL of a job log: no token needed (GitHub's redirect target).
    const logMatch = /^\/_job-logs\/(\d+)$/.exec(url.pathname);
    if (method === "GET" && logMatch) return jobLogDownload(res, Number(logMatch[1]));

    const failure = failures.find((f) => matches(f.match, `${method} ${url.pathname}`));
    if (failure) {
      failure.left--;
      if (failure.left <= 0) failures.splice(failures.indexOf(failure), 1);
      return error(res, failure.status, statusMessage(failure.status));
    }

    if (!headerValue(req, "user-agent")) {
      return error(
        res,
        403,
        "Request forbidden by administrative rules. Please make sure your request has a User-Agent header",
      );
    }
    const access = authenticate(headerValue(req, "authorization"));
    if (access === "bad") return error(res, 401, "Bad credentials");
    if (method === "GET") answerConditionally(req, res, rate, access !== "none");

    const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
    if (parts[0] !== "repos" || parts.length < 3) return notFound(res);
    const [, owner = "", name = "", ...restParts] = parts;
    const repo = repos.get(key(owner, name));
    if (!repo || (repo.private && access === "none")) return notFound(res);
    const rest = restParts.join("/");

    if (method === "GET" && rest === "") return sendJson(res, 200, repoJson(repo, access));
    if (method === "GET" && rest === "issues") return listIssues(res, url, repo);
    let m = /^issues\/(\d+)$/.exec(rest);
    if (method === "GET" && m) {
      const issue = repo.issues.get(Number(m[1]));
      return issue ? sendJson(res, 200, issueJson(repo, issue)) : notFound(res);
    }
    m = /^issues\/(\d+)\/comments$/.exec(rest);
    if (method === "GET" && m) {
      const issue = repo.issues.get(Number(m[1]));
      if (!issue) return notFound(res);
      return page(
        res,
        url,
        issue.comments.map((c, i) => commentJson(repo, issue, c, i)),
      );
    }
    if (method === "GET" && rest === "pulls") return listPulls(res, url, repo);
    m = /^pulls\/(\d+)$/.exec(rest);
    if (method === "GET" && m) {
      const pr = repo.pulls.find((p) => p.number === Number(m?.[1]));
      return pr ? sendJson(res, 200, pullJson(repo, pr)) : notFound(res);
    }
    m = /^pulls\/(\d+)\/reviews$/.exec(rest);
    if (method === "GET" && m) {
      const pr = repo.pulls.find((p) => p.number === Number(m?.[1]));
      if (!pr) return notFound(res);
      const at = { apiUrl, prUrl: pr.htmlUrl, full: `${repo.owner}/${repo.name}` };
      const reviews = repo.reviews.filter((r) => r.number === pr.number);
      return page(
        res,
        url,
        reviews.map((r) => reviewJson(r, at)),
      );
    }
    m = /^pulls\/(\d+)\/reviews\/(\d+)\/comments$/.exec(rest);
    if (method === "GET" && m) {
      const pr = repo.pulls.find((p) => p.number === Number(m?.[1]));
      const review = repo.reviews.find((r) => r.id === Number(m?.[2]) && r.number === pr?.number);
      if (!pr || !review) return notFound(res);
      const at = { apiUrl, prUrl: pr.htmlUrl, full: `${repo.owner}/${repo.name}` };
      return page(
        res,
        url,
        review.comments.map((c, i) => reviewCommentJson(review, c, i, at)),
      );
    }
    m = /^commits\/([^/]+)\/check-runs$/.exec(rest);
    if (method === "GET" && m) return listCheckRuns(res, url, repo, m[1] ?? "");
    m = /^actions\/jobs\/(\d+)\/logs$/.exec(rest);
    if (method === "GET" && m) return jobLog(res, repo, Number(m[1]));
    if (method === "POST" && rest === "pulls") {
      if (access === "none") {
        return error(
          res,
          401,
          "Requires authentication",
          `${DOCS}/pulls/pulls#create-a-pull-request`,
        );
      }
      if (access === "read") {
        return error(res, 403, "Resource not accessible by personal access token");
      }
      return createPull(res, text, repo);
    }
    if (method === "POST" && rest === "issues") {
      if (access === "none") {
        return error(res, 401, "Requires authentication", `${DOCS}/issues/issues#create-an-issue`);
      }
      if (access === "read") {
        return error(res, 403, "Resource not accessible by personal access token");
      }
      return createIssue(res, text, repo);
    }
    return notFound(res);
  });

  apiUrl = server.url;
  webHost = webHostForApi(apiUrl);

  function authenticate(header: string | undefined): Access | "bad" {
    if (header === undefined) return "none";
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim());
    if (!m) return "bad";
    if (m[1] === token) return "write";
    if (m[1] !== undefined && readOnly.has(m[1])) return "read";
    return "bad";
  }

  /** GitHub adds `permissions` (the token's own) only to an authenticated request. */
  function repoJson(repo: RepoState, access: Access) {
    const full = `${repo.owner}/${repo.name}`;
    const write = access === "write" && repo.pushable;
    return {
      ...(access === "none"
        ? {}
        : {
            permissions: { admin: false, maintain: false, push: write, triage: write, pull: true },
          }),
      id: repo.id,
      node_id: `R_${repo.id}`,
      name: repo.name,
      full_name: full,
      private: repo.private,
      visibility: repo.private ? "private" : "public",
      owner: { login: repo.owner, type: "Organization" },
      html_url: `https://${webHost}/${full}`,
      url: `${apiUrl}/repos/${full}`,
      clone_url: `https://${webHost}/${full}.git`,
      default_branch: repo.defaultBranch,
      archived: false,
      disabled: false,
      has_issues: true,
    };
  }

  function issueJson(repo: RepoState, issue: FakeIssue) {
    const full = `${repo.owner}/${repo.name}`;
    return {
      id: repo.id * 100_000 + issue.number,
      node_id: `I_${repo.id}_${issue.number}`,
      url: `${apiUrl}/repos/${full}/issues/${issue.number}`,
      repository_url: `${apiUrl}/repos/${full}`,
      html_url: issue.htmlUrl,
      number: issue.number,
      state: issue.state,
      title: issue.title,
      body: issue.body === "" ? null : issue.body,
      user: { login: "reporter", type: "User" },
      labels: issue.labels.map((name, i) => ({
        id: i + 1,
        node_id: `LA_${i + 1}`,
        name,
        color: "d73a4a",
        default: false,
        description: null,
      })),
      assignees: [],
      locked: false,
      comments: issue.comments.length,
      created_at: "2024-01-01T00:00:00Z",
      updated_at: "2024-01-02T00:00:00Z",
      closed_at: issue.state === "closed" ? "2024-01-03T00:00:00Z" : null,
      author_association: "NONE",
      ...(issue.isPullRequest
        ? {
            pull_request: {
              url: `${apiUrl}/repos/${full}/pulls/${issue.number}`,
              html_url: `https://${webHost}/${full}/pull/${issue.number}`,
              diff_url: `https://${webHost}/${full}/pull/${issue.number}.diff`,
              patch_url: `https://${webHost}/${full}/pull/${issue.number}.patch`,
              merged_at: null,
            },
          }
        : {}),
    };
  }

  function commentJson(repo: RepoState, issue: FakeIssue, c: FakeComment, i: number) {
    const id = repo.id * 1_000_000 + issue.number * 1000 + i;
    return {
      id,
      node_id: `IC_${id}`,
      html_url: `${issue.htmlUrl}#issuecomment-${id}`,
      body: c.body,
      user: { login: c.author ?? "commenter", type: "User" },
      created_at: `2024-01-01T00:${String(i % 60).padStart(2, "0")}:00Z`,
      author_association: "NONE",
    };
  }

  function pullJson(repo: RepoState, pr: FakePull) {
    const full = `${repo.owner}/${repo.name}`;
    const headRepo =
      pr.headOwner.toLowerCase() === repo.owner.toLowerCase() && pr.headRepo === repo.name
        ? repoJson(repo, "none")
        : forkJson(pr.headOwner, pr.headRepo);
    return {
      id: repo.id * 100_000 + pr.number,
      node_id: `PR_${repo.id}_${pr.number}`,
      number: pr.number,
      state: pr.state,
      title: pr.title,
      body: pr.body === "" ? null : pr.body,
      draft: pr.draft,
      url: `${apiUrl}/repos/${full}/pulls/${pr.number}`,
      html_url: pr.htmlUrl,
      head: {
        label: `${pr.headOwner}:${pr.head}`,
        ref: pr.head,
        sha: headSha(pr),
        repo: headRepo,
      },
      base: {
        label: `${repo.owner}:${pr.base}`,
        ref: pr.base,
        sha: fakeSha(`${full}:${pr.base}`),
        repo: repoJson(repo, "none"),
      },
      user: { login: "autofix-bot", type: "User" },
      merged: pr.merged,
      merged_at: pr.merged ? "2024-01-03T00:00:00Z" : null,
      merged_by: pr.merged ? { login: pr.mergedBy ?? "maintainer", type: "User" } : null,
      closed_at: pr.state === "closed" ? "2024-01-03T00:00:00Z" : null,
      maintainer_can_modify: pr.maintainerCanModify,
      created_at: "2024-01-01T00:00:00Z",
    };
  }

  /** A fork the fake has as a repository, else its minimal JSON. */
  function forkJson(owner: string, name: string) {
    const known = repos.get(key(owner, name));
    if (known) return { ...repoJson(known, "none"), fork: true };
    return {
      name,
      full_name: `${owner}/${name}`,
      owner: { login: owner, type: "User" },
      private: false,
      fork: true,
    };
  }

  function headSha(pr: FakePull): string {
    return (
      pr.headSha ??
      opts.headSha?.(pr.headOwner, pr.headRepo, pr.head) ??
      fakeSha(`${pr.headOwner}/${pr.headRepo}:${pr.head}`)
    );
  }

  function listCheckRuns(res: ServerResponse, url: URL, repo: RepoState, ref: string) {
    // A ref that is a branch of an open PR stands for its head; else it is taken as a sha.
    const filter = url.searchParams.get("filter") ?? "latest";
    if (filter !== "latest" && filter !== "all") {
      return validationFailed(res, [{ resource: "CheckRun", field: "filter", code: "invalid" }]);
    }
    const branchOf = repo.pulls.find((p) => p.state === "open" && p.head === ref);
    const sha = /^[0-9a-f]{40}$/.test(ref) || !branchOf ? ref : headSha(branchOf);
    const mine = repo.checkRuns.filter((r) => r.sha === sha);
    const runs = filter === "latest" ? latestPerName(mine) : mine;
    const perPage = clampInt(url.searchParams.get("per_page"), 30, 1, 100);
    const pageNo = clampInt(url.searchParams.get("page"), 1, 1, Number.MAX_SAFE_INTEGER);
    const at = { apiUrl, webHost, full: `${repo.owner}/${repo.name}` };
    return sendJson(res, 200, {
      total_count: runs.length,
      check_runs: runs
        .slice((pageNo - 1) * perPage, pageNo * perPage)
        .map((r) => checkRunJson(r, at)),
    });
  }

  /** GitHub answers 302 to a download URL that expires after a minute. */
  function jobLog(res: ServerResponse, repo: RepoState, id: number) {
    const run = repo.checkRuns.find((r) => r.id === id && r.app === "github-actions");
    if (!run) return notFound(res);
    if (run.log === "forbidden") {
      return error(res, 403, "Resource not accessible by personal access token");
    }
    res.writeHead(302, { location: `${apiUrl}/_job-logs/${id}?expires=60`, "content-length": 0 });
    res.end();
  }

  function jobLogDownload(res: ServerResponse, id: number) {
    for (const repo of repos.values()) {
      const run = repo.checkRuns.find((r) => r.id === id);
      if (run && typeof run.log === "string" && run.log !== "forbidden") {
        return sendText(res, 200, run.log);
      }
    }
    return sendText(res, 404, "The specified blob does not exist.");
  }

  function listIssues(res: ServerResponse, url: URL, repo: RepoState) {
    const state = url.searchParams.get("state") ?? "open";
    if (!["open", "closed", "all"].includes(state)) {
      return validationFailed(res, [{ resource: "Issue", field: "state", code: "invalid" }]);
    }
    const labels = (url.searchParams.get("labels") ?? "")
      .split(",")
      .map((l) => l.trim().toLowerCase())
      .filter((l) => l !== "");
    const selected = [...repo.issues.values()]
      .filter((i) => state === "all" || i.state === state)
      .filter((i) => labels.every((l) => i.labels.some((x) => x.toLowerCase() === l)))
      .sort((a, b) => b.number - a.number) // newest first, GitHub's default sort
      .map((i) => issueJson(repo, i));
    return page(res, url, selected);
  }

  function listPulls(res: ServerResponse, url: URL, repo: RepoState) {
    const state = url.searchParams.get("state") ?? "open";
    const head = url.searchParams.get("head");
    const base = url.searchParams.get("base");
    let selected = repo.pulls.filter((p) => state === "all" || p.state === state);
    // GitHub applies head only in the documented "owner:branch" form and ignores it otherwise.
    if (head?.includes(":")) {
      const [owner = "", ...branch] = head.split(":");
      selected = selected.filter(
        (p) => p.headOwner.toLowerCase() === owner.toLowerCase() && p.head === branch.join(":"),
      );
    }
    if (base) selected = selected.filter((p) => p.base === base);
    return page(
      res,
      url,
      [...selected].reverse().map((p) => pullJson(repo, p)),
    );
  }

  async function createPull(res: ServerResponse, text: string, repo: RepoState) {
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error();
      body = parsed as Record<string, unknown>;
    } catch {
      return error(res, 400, "Problems parsing JSON");
    }
    const missing = ["title", "head", "base"].filter(
      (f) => typeof body[f] !== "string" || body[f] === "",
    );
    if (missing.length > 0) {
      return validationFailed(
        res,
        missing.map((field) => ({ resource: "PullRequest", field, code: "missing_field" })),
      );
    }
    if (body["draft"] !== undefined && typeof body["draft"] !== "boolean") {
      return error(
        res,
        422,
        "Invalid request.\n\nFor 'properties/draft', \"" +
          String(body["draft"]) +
          '" is not a boolean.',
      );
    }
    const headText = body["head"] as string;
    const [headOwner, head] = headText.includes(":")
      ? [headText.slice(0, headText.indexOf(":")), headText.slice(headText.indexOf(":") + 1)]
      : [repo.owner, headText];
    const base = body["base"] as string;
    const exists = opts.branchExists ?? (() => true);
    if (!(await exists(repo.owner, repo.name, base))) {
      return validationFailed(res, [{ resource: "PullRequest", field: "base", code: "invalid" }]);
    }
    if (
      headOwner.toLowerCase() !== repo.owner.toLowerCase() ||
      !(await exists(repo.owner, repo.name, head))
    ) {
      return validationFailed(res, [{ resource: "PullRequest", field: "head", code: "invalid" }]);
    }
    const duplicate = repo.pulls.find(
      (p) => p.state === "open" && p.head === head && p.base === base,
    );
    if (duplicate) {
      return validationFailed(res, [
        {
          resource: "PullRequest",
          code: "custom",
          message: `A pull request already exists for ${headOwner}:${head}.`,
        },
      ]);
    }
    const pr = insertPull(repo, {
      head,
      headOwner,
      headRepo: repo.name,
      base,
      title: body["title"] as string,
      body: typeof body["body"] === "string" ? body["body"] : "",
      draft: body["draft"] === true,
      state: "open",
      merged: false,
      mergedBy: undefined,
      maintainerCanModify: false,
      headSha: undefined,
    });
    return sendJson(res, 201, pullJson(repo, pr), {
      location: `${apiUrl}/repos/${repo.owner}/${repo.name}/pulls/${pr.number}`,
    });
  }

  /** POST /repos/{owner}/{repo}/issues: a title is required; body, labels optional. */
  function createIssue(res: ServerResponse, text: string, repo: RepoState) {
    const body = parseMaybeJson(text);
    if (!body || typeof body !== "object" || Array.isArray(body)) {
      return error(res, 400, "Problems parsing JSON");
    }
    const b = body as Record<string, unknown>;
    if (typeof b["title"] !== "string" || b["title"].trim() === "") {
      return validationFailed(
        res,
        [{ resource: "Issue", field: "title", code: "missing_field" }],
        `${DOCS}/issues/issues#create-an-issue`,
      );
    }
    const number = repo.nextNumber++;
    const issue: FakeIssue = {
      number,
      title: b["title"],
      body: typeof b["body"] === "string" ? b["body"] : "",
      state: "open",
      labels: Array.isArray(b["labels"]) ? (b["labels"] as unknown[]).map(String) : [],
      isPullRequest: false,
      comments: [],
      htmlUrl: `https://${webHost}/${repo.owner}/${repo.name}/issues/${number}`,
    };
    repo.issues.set(number, issue);
    return sendJson(res, 201, issueJson(repo, issue), {
      location: `${apiUrl}/repos/${repo.owner}/${repo.name}/issues/${number}`,
    });
  }

  function insertPull(repo: RepoState, p: Omit<FakePull, "number" | "htmlUrl">): FakePull {
    const number = repo.nextNumber++;
    const htmlUrl = `https://${webHost}/${repo.owner}/${repo.name}/pull/${number}`;
    const pr: FakePull = { ...p, number, htmlUrl };
    repo.pulls.push(pr);
    // Every PR is an issue too, with the same number.
    repo.issues.set(number, {
      number,
      title: p.title,
      body: p.body,
      state: p.state,
      labels: [],
      isPullRequest: true,
      comments: [],
      htmlUrl,
    });
    return pr;
  }

  /** Paginates like GitHub: per_page (default 30, max 100), page, and a Link header. */
  function page(res: ServerResponse, url: URL, items: unknown[]) {
    const perPage = clampInt(url.searchParams.get("per_page"), 30, 1, 100);
    const pageNo = clampInt(url.searchParams.get("page"), 1, 1, Number.MAX_SAFE_INTEGER);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((pageNo - 1) * perPage, pageNo * perPage);
    const link = (n: number) => {
      const u = new URL(`${apiUrl}${url.pathname}${url.search}`);
      u.searchParams.set("page", String(n));
      return `<${u.toString()}>`;
    };
    const rels: string[] = [];
    if (pageNo > 1) rels.push(`${link(pageNo - 1)}; rel="prev"`);
    if (pageNo < last) rels.push(`${link(pageNo + 1)}; rel="next"`);
    if (pageNo < last) rels.push(`${link(last)}; rel="last"`);
    if (pageNo > 1) rels.push(`${link(1)}; rel="first"`);
    return sendJson(res, 200, slice, rels.length > 0 ? { link: rels.join(", ") } : {});
  }

  const mustPull = (owner: string, repo: string, number: number): FakePull => {
    const pr = mustRepo(owner, repo).pulls.find((p) => p.number === number);
    if (!pr) throw new Error(`fake GitHub: no PR #${number} in ${owner}/${repo}`);
    return pr;
  };

  return {
    url: apiUrl,
    webHost,
    token,
    requests,
    rate,
    addRepo(owner, repo, o = {}) {
      repos.set(key(owner, repo), {
        owner,
        name: repo,
        id: nextRepoId++,
        defaultBranch: o.defaultBranch ?? "main",
        private: o.private ?? false,
        pushable: o.pushable ?? true,
        issues: new Map(),
        pulls: [],
        checkRuns: [],
        reviews: [],
        nextNumber: 1,
      });
    },
    addIssue(owner, repo, input) {
      const r = mustRepo(owner, repo);
      const number = input.number ?? r.nextNumber;
      if (r.issues.has(number))
        throw new Error(`fake GitHub: #${number} exists in ${owner}/${repo}`);
      r.nextNumber = Math.max(r.nextNumber, number + 1);
      const kind = input.isPullRequest ? "pull" : "issues";
      const issue: FakeIssue = {
        number,
        title: input.title,
        body: input.body ?? "",
        state: input.state ?? "open",
        labels: input.labels ?? [],
        isPullRequest: input.isPullRequest ?? false,
        comments: (input.comments ?? []).map((c) => (typeof c === "string" ? { body: c } : c)),
        htmlUrl: `https://${webHost}/${r.owner}/${r.name}/${kind}/${number}`,
      };
      r.issues.set(number, issue);
      return issue;
    },
    addPull(owner, repo, p) {
      const r = mustRepo(owner, repo);
      return insertPull(r, {
        head: p.head,
        headOwner: p.headOwner ?? r.owner,
        headRepo: p.headRepo ?? r.name,
        base: p.base ?? r.defaultBranch,
        title: p.title ?? `Changes from ${p.head}`,
        body: "",
        draft: p.draft ?? false,
        state: p.state ?? "open",
        merged: false,
        mergedBy: undefined,
        maintainerCanModify: p.maintainerCanModify ?? false,
        headSha: p.headSha,
      });
    },
    issues(owner, repo) {
      return [...mustRepo(owner, repo).issues.values()]
        .filter((i) => !i.isPullRequest)
        .map((i) => ({ ...i }));
    },
    pulls(owner, repo) {
      return mustRepo(owner, repo).pulls.map((p) => ({ ...p }));
    },
    pull: mustPull,
    headShaOf: (owner, repo, number) => headSha(mustPull(owner, repo, number)),
    setHead(owner, repo, number, sha) {
      mustPull(owner, repo, number).headSha = sha;
    },
    mergePull(owner, repo, number, by = "maintainer") {
      const pr = mustPull(owner, repo, number);
      pr.state = "closed";
      pr.merged = true;
      pr.mergedBy = by;
      const issue = mustRepo(owner, repo).issues.get(number);
      if (issue) issue.state = "closed";
    },
    closePull(owner, repo, number) {
      const pr = mustPull(owner, repo, number);
      pr.state = "closed";
      const issue = mustRepo(owner, repo).issues.get(number);
      if (issue) issue.state = "closed";
    },
    addCheckRun(owner, repo, input) {
      const run: FakeCheckRun = {
        id: nextId++,
        sha: input.sha,
        name: input.name,
        status: input.status ?? (input.conclusion ? "completed" : "queued"),
        conclusion: input.conclusion ?? null,
        app: input.app ?? "github-actions",
        output: { title: null, summary: null, text: null, ...input.output },
        log: input.log,
      };
      mustRepo(owner, repo).checkRuns.push(run);
      return run;
    },
    updateCheckRun(owner, repo, id, change) {
      const run = mustRepo(owner, repo).checkRuns.find((r) => r.id === id);
      if (!run) throw new Error(`fake GitHub: no check run ${id} in ${owner}/${repo}`);
      Object.assign(run, change);
      if (change.conclusion && !change.status) run.status = "completed";
    },
    addReview(owner, repo, number, input) {
      const pr = mustPull(owner, repo, number);
      const review: FakeReview = {
        id: nextId++,
        number: pr.number,
        user: input.user,
        state: input.state,
        body: input.body ?? "",
        commitId: headSha(pr),
        comments: input.comments ?? [],
      };
      mustRepo(owner, repo).reviews.push(review);
      return review;
    },
    failNext(match, status, times = 1) {
      failures.push({ match, status, left: times });
    },
    close: () => server.close(),
  };
}

function error(res: ServerResponse, status: number, message: string, documentationUrl = DOCS) {
  sendJson(res, status, { message, documentation_url: documentationUrl, status: String(status) });
}

function notFound(res: ServerResponse) {
  error(res, 404, "Not Found");
}

function validationFailed(
  res: ServerResponse,
  errors: Record<string, string>[],
  documentationUrl = `${DOCS}/pulls/pulls#create-a-pull-request`,
) {
  sendJson(res, 422, {
    message: "Validation Failed",
    errors,
    documentation_url: documentationUrl,
    status: "422",
  });
}

function statusMessage(status: number): string {
  if (status === 401) return "Bad credentials";
  if (status === 403) return "Forbidden";
  if (status === 404) return "Not Found";
  if (status === 422) return "Validation Failed";
  if (status === 429) return "API rate limit exceeded";
  if (status >= 500) return "Server Error";
  return "Error";
}

function matches(match: string | RegExp, line: string): boolean {
  return typeof match === "string" ? line === match : match.test(line);
}

function clampInt(text: string | null, fallback: number, min: number, max: number): number {
  const n = text === null ? Number.NaN : Number.parseInt(text, 10);
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, n));
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function parseMaybeJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

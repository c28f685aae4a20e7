import type { PrState } from "../shared/run-status.ts";
import { conditionalGet, type EtagStore } from "./conditional.ts";
import { type GitHubOctokit, githubError } from "./octokit.ts";

// What the bot reads of a pull request, with its read-only token: the PR itself, the check runs
// of its head commit, its reviews (all conditional: polled), and, when someone asks for a fix, the
// failing checks' logs and a review's comments.

export interface PullRef {
  owner: string;
  repo: string;
  number: number;
}

export interface PullInfo {
  number: number;
  url: string;
  state: PrState;
  mergedBy: string | undefined;
  headSha: string;
  headRef: string;
  /** owner/repo of the branch; undefined when the fork was deleted. */
  headRepo: string | undefined;
  baseRepo: string;
  /** A fork's owner lets the base repository's maintainers push to the branch. */
  maintainerCanModify: boolean;
}

export interface CheckRunInfo {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  url: string | undefined;
  /** The GitHub App that runs it: "github-actions" has a job log behind the same id. */
  app: string | undefined;
  output: { title: string; summary: string; text: string };
}

export interface ReviewInfo {
  id: number;
  user: string;
  state: string;
  body: string;
  url: string;
  commit: string | undefined;
}

export interface ReviewComment {
  path: string;
  line: number | undefined;
  body: string;
}

/** GitHub's per_page maximum: one page of check runs or reviews is read (see README). */
const PER_PAGE = 100;

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" ? (v as Record<string, unknown>) : {};

function pullOf(data: unknown): PullInfo {
  const d = obj(data);
  const head = obj(d["head"]);
  const base = obj(d["base"]);
  const merged = d["merged"] === true || typeof d["merged_at"] === "string";
  const state: PrState = merged ? "merged" : d["state"] === "closed" ? "closed" : "open";
  const mergedBy = str(obj(d["merged_by"])["login"]);
  const headRepo = str(obj(head["repo"])["full_name"]);
  return {
    number: Number(d["number"]),
    url: str(d["html_url"]),
    state,
    mergedBy: mergedBy || undefined,
    headSha: str(head["sha"]),
    headRef: str(head["ref"]),
    headRepo: headRepo || undefined,
    baseRepo: str(obj(base["repo"])["full_name"]),
    maintainerCanModify: d["maintainer_can_modify"] === true,
  };
}

function checkRunsOf(data: unknown): CheckRunInfo[] {
  const runs = obj(data)["check_runs"];
  if (!Array.isArray(runs)) return [];
  return runs.map((raw) => {
    const r = obj(raw);
    const output = obj(r["output"]);
    return {
      id: Number(r["id"]),
      name: str(r["name"]),
      status: str(r["status"]),
      conclusion: typeof r["conclusion"] === "string" ? r["conclusion"] : null,
      url: str(r["html_url"]) || str(r["details_url"]) || undefined,
      app: str(obj(r["app"])["slug"]) || undefined,
      output: {
        title: str(output["title"]),
        summary: str(output["summary"]),
        text: str(output["text"]),
      },
    };
  });
}

function reviewsOf(data: unknown): ReviewInfo[] {
  if (!Array.isArray(data)) return [];
  return data.map((raw) => {
    const r = obj(raw);
    return {
      id: Number(r["id"]),
      user: str(obj(r["user"])["login"]) || "someone",
      state: str(r["state"]),
      body: str(r["body"]),
      url: str(r["html_url"]),
      commit: str(r["commit_id"]) || undefined,
    };
  });
}

const name = (p: PullRef) => `${p.owner}/${p.repo}#${p.number}`;

export function readPull(gh: GitHubOctokit, etags: EtagStore, p: PullRef): Promise<PullInfo> {
  return conditionalGet(
    gh,
    etags,
    "GET /repos/{owner}/{repo}/pulls/{pull_number}",
    { owner: p.owner, repo: p.repo, pull_number: p.number },
    pullOf,
    `cannot read pull request ${name(p)}`,
  );
}

/** The newest check run of each name on the commit (filter=latest). */
export function readCheckRuns(
  gh: GitHubOctokit,
  etags: EtagStore,
  p: Omit<PullRef, "number">,
  sha: string,
): Promise<CheckRunInfo[]> {
  return conditionalGet(
    gh,
    etags,
    "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
    { owner: p.owner, repo: p.repo, ref: sha, filter: "latest", per_page: PER_PAGE },
    checkRunsOf,
    `cannot read the checks of ${p.owner}/${p.repo}@${sha.slice(0, 7)}`,
  );
}

/** Reviews in the order they were submitted. */
export function readReviews(
  gh: GitHubOctokit,
  etags: EtagStore,
  p: PullRef,
): Promise<ReviewInfo[]> {
  return conditionalGet(
    gh,
    etags,
    "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
    { owner: p.owner, repo: p.repo, pull_number: p.number, per_page: PER_PAGE },
    reviewsOf,
    `cannot read the reviews of ${name(p)}`,
  );
}

export async function readReviewComments(
  gh: GitHubOctokit,
  p: PullRef,
  reviewId: number,
): Promise<ReviewComment[]> {
  try {
    const { data } = await gh.request(
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments",
      {
        owner: p.owner,
        repo: p.repo,
        pull_number: p.number,
        review_id: reviewId,
        per_page: PER_PAGE,
      },
    );
    return (data as unknown[]).map((raw) => {
      const c = obj(raw);
      const line = c["line"] ?? c["original_line"];
      return {
        path: str(c["path"]),
        line: typeof line === "number" ? line : undefined,
        body: str(c["body"]),
      };
    });
  } catch (err) {
    throw githubError(err, `cannot read the comments of review ${reviewId} on ${name(p)}`);
  }
}

/**
 * A GitHub Actions job's log (the job id is its check run's id). GitHub answers with a redirect
 * to a short-lived download URL, which is followed.
 */
export async function readJobLog(
  gh: GitHubOctokit,
  p: Omit<PullRef, "number">,
  jobId: number,
): Promise<string> {
  try {
    const { data } = await gh.request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs", {
      owner: p.owner,
      repo: p.repo,
      job_id: jobId,
    });
    if (typeof data === "string") return data;
    if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
    return String(data ?? "");
  } catch (err) {
    throw githubError(err, `cannot read the log of job ${jobId} of ${p.owner}/${p.repo}`);
  }
}

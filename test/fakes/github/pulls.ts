// The fake's check runs and reviews, in GitHub's shapes (octokit/openapi: check-run,
// pull-request-review, review-comment), and the rules the list endpoints follow.

import { createHash } from "node:crypto";

export type CheckStatus = "queued" | "in_progress" | "completed";
export type CheckConclusion =
  | "success"
  | "failure"
  | "neutral"
  | "cancelled"
  | "skipped"
  | "timed_out"
  | "action_required";

export interface FakeCheckRun {
  id: number;
  sha: string;
  name: string;
  status: CheckStatus;
  conclusion: CheckConclusion | null;
  /** The GitHub App's slug: "github-actions" check runs are jobs, whose log has the same id. */
  app: string;
  output: { title: string | null; summary: string | null; text: string | null };
  /** A job's log (GitHub Actions); "forbidden": the token may not read Actions logs. */
  log: string | "forbidden" | undefined;
}

export interface FakeCheckRunInput {
  sha: string;
  name: string;
  status?: CheckStatus;
  conclusion?: CheckConclusion | null;
  app?: string;
  output?: Partial<FakeCheckRun["output"]>;
  log?: string | "forbidden";
}

export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";

export interface FakeReviewComment {
  path: string;
  line: number;
  body: string;
}

export interface FakeReview {
  id: number;
  number: number;
  user: string;
  state: ReviewState;
  body: string;
  commitId: string;
  comments: FakeReviewComment[];
}

export interface FakeReviewInput {
  user: string;
  state: ReviewState;
  body?: string;
  comments?: FakeReviewComment[];
}

/** A stable 40-hex sha for a branch without a git repository behind it. */
export function fakeSha(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** filter=latest (GitHub's default): the newest check run of each name. */
export function latestPerName(runs: readonly FakeCheckRun[]): FakeCheckRun[] {
  const byName = new Map<string, FakeCheckRun>();
  for (const run of runs) {
    const seen = byName.get(run.name);
    if (!seen || seen.id < run.id) byName.set(run.name, run);
  }
  return [...byName.values()].sort((a, b) => a.id - b.id);
}

export function checkRunJson(
  run: FakeCheckRun,
  at: { apiUrl: string; webHost: string; full: string },
) {
  const actions = run.app === "github-actions";
  return {
    id: run.id,
    head_sha: run.sha,
    node_id: `CR_${run.id}`,
    external_id: null,
    url: `${at.apiUrl}/repos/${at.full}/check-runs/${run.id}`,
    html_url: actions
      ? `https://${at.webHost}/${at.full}/actions/runs/${run.id * 10}/job/${run.id}`
      : `https://${at.webHost}/${at.full}/runs/${run.id}`,
    details_url: actions
      ? `https://${at.webHost}/${at.full}/actions/runs/${run.id * 10}/job/${run.id}`
      : "https://ci.example.com/build",
    status: run.status,
    conclusion: run.conclusion,
    started_at: "2024-01-01T00:00:00Z",
    completed_at: run.status === "completed" ? "2024-01-01T00:05:00Z" : null,
    output: {
      ...run.output,
      annotations_count: 0,
      annotations_url: `${at.apiUrl}/repos/${at.full}/check-runs/${run.id}/annotations`,
    },
    name: run.name,
    check_suite: { id: run.id * 100 },
    app: { id: actions ? 15368 : 9999, slug: run.app, name: run.app },
    pull_requests: [],
  };
}

export function reviewJson(
  review: FakeReview,
  at: { apiUrl: string; prUrl: string; full: string },
) {
  return {
    id: review.id,
    node_id: `PRR_${review.id}`,
    user: { login: review.user, type: "User" },
    body: review.body,
    state: review.state,
    html_url: `${at.prUrl}#pullrequestreview-${review.id}`,
    pull_request_url: `${at.apiUrl}/repos/${at.full}/pulls/${review.number}`,
    _links: {
      html: { href: `${at.prUrl}#pullrequestreview-${review.id}` },
      pull_request: { href: `${at.apiUrl}/repos/${at.full}/pulls/${review.number}` },
    },
    submitted_at: "2024-01-02T00:00:00Z",
    commit_id: review.commitId,
    author_association: "MEMBER",
  };
}

export function reviewCommentJson(
  review: FakeReview,
  c: FakeReviewComment,
  i: number,
  at: { apiUrl: string; prUrl: string; full: string },
) {
  const id = review.id * 100 + i;
  return {
    url: `${at.apiUrl}/repos/${at.full}/pulls/comments/${id}`,
    pull_request_review_id: review.id,
    id,
    node_id: `PRRC_${id}`,
    diff_hunk: "@@ -1 +1 @@",
    path: c.path,
    position: c.line,
    original_position: c.line,
    commit_id: review.commitId,
    original_commit_id: review.commitId,
    user: { login: review.user, type: "User" },
    body: c.body,
    html_url: `${at.prUrl}#discussion_r${id}`,
    line: c.line,
    original_line: c.line,
    side: "RIGHT",
    author_association: "MEMBER",
  };
}

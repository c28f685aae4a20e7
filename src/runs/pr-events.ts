import type { CheckRunInfo, PullInfo, ReviewInfo } from "../github/pulls.ts";

// What there is to say about a followed PR, from what GitHub shows and what the thread was told
// (each said once: one reply per state change per head commit, one per review, one end).

/** Keys of the posts about a PR, on the record of the run that opened it. */
export const PR_KEYS = {
  checks: (sha: string, verdict: ChecksVerdict) => `pr-checks:${sha}:${verdict}`,
  review: (id: number) => `pr-review:${id}`,
  end: (state: "merged" | "closed") => `pr-end:${state}`,
  unfollowed: "pr-unfollowed",
  unreadable: (code: string) => `pr-unreadable:${code}`,
  /** A Fix the failing checks / Address the review that started a run (`ref`: see followUpRef). */
  followUp: (ref: string) => `pr-follow-up:${ref}`,
} as const;

export type ChecksVerdict = "passed" | "failed" | "timeout";

/** The conclusions that fail a PR; success, neutral and skipped do not. */
const FAILING = ["failure", "timed_out", "cancelled", "action_required", "stale"];

export interface ChecksOutcome {
  sha: string;
  verdict: ChecksVerdict;
  total: number;
  failed: CheckRunInfo[];
  pending: CheckRunInfo[];
}

export function isFailing(run: CheckRunInfo): boolean {
  return run.status === "completed" && FAILING.includes(run.conclusion ?? "");
}

/**
 * The checks' outcome on one commit once they have all finished, or once some have run longer
 * than `timeoutMs` since the commit was first seen; undefined while they run, or when there is no
 * check at all (a repository without CI says nothing).
 */
export function checksOutcome(
  runs: readonly CheckRunInfo[],
  sha: string,
  opts: { seenAt: number; now: number; timeoutMs: number },
): ChecksOutcome | undefined {
  if (runs.length === 0) return undefined;
  const pending = runs.filter((r) => r.status !== "completed");
  const failed = runs.filter(isFailing);
  const base = { sha, total: runs.length, failed: [...failed], pending: [...pending] };
  if (pending.length === 0) return { ...base, verdict: failed.length > 0 ? "failed" : "passed" };
  if (opts.now - opts.seenAt >= opts.timeoutMs) return { ...base, verdict: "timeout" };
  return undefined;
}

export type PrEvent =
  | { kind: "checks"; key: string; outcome: ChecksOutcome }
  | { kind: "review"; key: string; review: ReviewInfo }
  | { kind: "end"; key: string; state: "merged" | "closed"; by: string | undefined };

/** What the thread has not been told yet, in the order to tell it. */
export function prEvents(input: {
  pull: PullInfo;
  checks: ChecksOutcome | undefined;
  reviews: readonly ReviewInfo[];
  said: (key: string) => boolean;
}): PrEvent[] {
  const { pull, said } = input;
  const events: PrEvent[] = [];
  if (input.checks) {
    const key = PR_KEYS.checks(input.checks.sha, input.checks.verdict);
    if (!said(key)) events.push({ kind: "checks", key, outcome: input.checks });
  }
  for (const review of input.reviews) {
    if (review.state !== "APPROVED" && review.state !== "CHANGES_REQUESTED") continue;
    const key = PR_KEYS.review(review.id);
    if (!said(key)) events.push({ kind: "review", key, review });
  }
  if (pull.state !== "open") {
    const key = PR_KEYS.end(pull.state);
    if (!said(key)) events.push({ kind: "end", key, state: pull.state, by: pull.mergedBy });
  }
  return events;
}

/** The head commit's checks need no more looks once they were said to pass. */
export function checksSettled(sha: string, said: (key: string) => boolean): boolean {
  return said(PR_KEYS.checks(sha, "passed"));
}

/** What a follow-up answers, in a Kestra label value and a post key: one run per commit or review. */
export function followUpRef(kind: "checks" | "review", id: string | number): string {
  return kind === "checks" ? `checks-${String(id).slice(0, 12)}` : `review-${id}`;
}

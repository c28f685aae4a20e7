// What a run looks like to a person. The derivation lives in runs/status.ts; the words and emoji
// for each status live with the Slack builders (slack/blocks/status-text.ts).

export const RUN_STATUSES = [
  "queued",
  "running",
  "awaiting_approval",
  "creating_pr",
  "pr_opened",
  "pr_merged",
  "pr_closed",
  "finished",
  "rejected",
  "expired",
  "cancelling",
  "cancelled",
  "failed",
] as const;

export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses after which nothing more happens to the run (unless it is restarted). */
export const FINAL_STATUSES: readonly RunStatus[] = [
  "pr_opened",
  "pr_merged",
  "pr_closed",
  "finished",
  "rejected",
  "expired",
  "cancelled",
  "failed",
];

export function isFinalStatus(status: RunStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** A person's answer to a patch; revise also means "not this patch". */
export type Verdict = "approve" | "reject" | "revise";

/** The run opened its PR (or pushed to it): what happened to the PR since is said by the rest. */
export const PR_STATUSES: readonly RunStatus[] = ["pr_opened", "pr_merged", "pr_closed"];

export function hasPr(status: RunStatus): boolean {
  return PR_STATUSES.includes(status);
}

/** A pull request's state on GitHub, as the bot follows it. */
export type PrState = "open" | "merged" | "closed";

import type { RunStatus } from "../../../shared/run-status.ts";
import type { FixStatus, RunGroup, RunRow } from "./model.ts";

// How run statuses map to the dashboard's groups and to an issue's fix status.

export const GROUP_OF: Record<RunStatus, RunGroup> = {
  awaiting_approval: "awaiting",
  queued: "active",
  running: "active",
  creating_pr: "active",
  cancelling: "active",
  failed: "failed",
  // Ended without the work being done: not "finished", not a failure of the run either.
  expired: "stopped",
  rejected: "stopped",
  cancelled: "stopped",
  pr_opened: "done",
  pr_merged: "done",
  // Closed without merging: the fix was turned down on GitHub.
  pr_closed: "stopped",
  finished: "done",
};

export const GROUP_ORDER: readonly RunGroup[] = ["awaiting", "active", "failed", "stopped", "done"];

export const GROUP_TITLE: Record<RunGroup, string> = {
  awaiting: "👀 Awaiting approval",
  active: "⚙️ Running",
  failed: "❌ Failed",
  stopped: "🚫 Rejected, expired or cancelled",
  done: "✅ Finished",
};

/** The page's runs by group, groups in display order, runs keeping their (newest first) order. */
export function groupRuns(rows: readonly RunRow[]): { group: RunGroup; rows: RunRow[] }[] {
  return GROUP_ORDER.map((group) => ({
    group,
    rows: rows.filter((r) => GROUP_OF[r.status] === group),
  })).filter((g) => g.rows.length > 0);
}

export function fixStatusOf(status: RunStatus | undefined): FixStatus {
  switch (status) {
    case undefined:
      return "none";
    case "queued":
    case "running":
    case "creating_pr":
    case "cancelling":
      return "running";
    case "awaiting_approval":
      return "awaiting_approval";
    case "pr_opened":
      return "pr_open";
    case "pr_merged":
      return "pr_merged";
    case "pr_closed":
      return "pr_closed";
    case "failed":
    case "expired":
      return "failed";
    default:
      return "ended";
  }
}

export const FIX_TEXT: Record<FixStatus, string> = {
  none: "no run",
  running: "⚙️ running",
  awaiting_approval: "👀 awaiting approval",
  pr_open: "✅ PR open",
  pr_merged: "🟣 PR merged",
  pr_closed: "🚪 PR closed without merging",
  failed: "❌ failed",
  ended: "ended without a PR",
  // Kestra did not answer: saying "no run" could start a second one.
  unknown: "❔ unknown: Kestra did not answer, Refresh to try again",
};

/** Whether a new run may be started for an issue from the dashboard. */
export function canFix(status: FixStatus): boolean {
  return status === "none" || status === "failed" || status === "ended" || status === "pr_closed";
}

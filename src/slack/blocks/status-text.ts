import type { RunStatus } from "../../shared/run-status.ts";

export const STATUS_TEXT: Record<RunStatus, string> = {
  queued: "Queued",
  running: "Running",
  awaiting_approval: "Patch ready, awaiting approval",
  creating_pr: "Creating PR",
  pr_opened: "PR opened",
  pr_merged: "PR merged",
  pr_closed: "PR closed",
  finished: "Finished: patch only, nothing pushed",
  rejected: "Rejected",
  expired: "Expired: nobody decided in time",
  cancelling: "Cancelling",
  cancelled: "Cancelled",
  failed: "Failed",
};

export const STATUS_EMOJI: Record<RunStatus, string> = {
  queued: "⏳",
  running: "⚙️",
  awaiting_approval: "👀",
  creating_pr: "🔧",
  pr_opened: "✅",
  pr_merged: "🟣",
  pr_closed: "🚪",
  finished: "📝",
  rejected: "🚫",
  expired: "⌛",
  // One meaning per emoji: stopping is not stopped.
  cancelling: "✋",
  cancelled: "⏹️",
  failed: "❌",
};

/** "👀 *Patch ready — awaiting approval*" */
export function statusLabel(status: RunStatus): string {
  return `${STATUS_EMOJI[status]} *${STATUS_TEXT[status]}*`;
}

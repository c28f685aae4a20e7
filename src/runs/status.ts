import { SINGLE_INPUTS, TASKS } from "../contracts/flow.ts";
import { type Execution, isTerminal, type TaskRun } from "../kestra/types.ts";

export type RunStatus =
  | "queued"
  | "running"
  | "awaiting_approval"
  | "creating_pr"
  | "pr_opened"
  | "finished"
  | "rejected"
  | "expired"
  | "cancelled"
  | "failed";

export const STATUS_TEXT: Record<RunStatus, string> = {
  queued: "Queued",
  running: "Running",
  awaiting_approval: "Patch ready — awaiting approval",
  creating_pr: "Creating PR",
  pr_opened: "PR opened",
  finished: "Finished — patch only, nothing pushed",
  rejected: "Rejected",
  expired: "Expired — approval window closed",
  cancelled: "Cancelled",
  failed: "Failed",
};

export const STATUS_EMOJI: Record<RunStatus, string> = {
  queued: "⏳",
  running: "⚙️",
  awaiting_approval: "👀",
  creating_pr: "🔧",
  pr_opened: "✅",
  finished: "📝",
  rejected: "🚫",
  expired: "⌛",
  cancelled: "⏹️",
  failed: "❌",
};

/** Statuses after which nothing more happens to the run (unless it is restarted). */
export const FINAL_STATUSES: readonly RunStatus[] = [
  "pr_opened",
  "finished",
  "rejected",
  "expired",
  "cancelled",
  "failed",
];

export interface RunView {
  status: RunStatus;
  /** The task that failed, when status is failed. */
  failedTask: string | undefined;
  /** The worker finished and its patch can be read. */
  patchAvailable: boolean;
  /** Buttons make sense: the run waits, or is about to wait, for a decision. */
  approvable: boolean;
  fixTaskRun: TaskRun | undefined;
  prTaskRun: TaskRun | undefined;
}

const QUEUED = ["CREATED", "QUEUED", "SUBMITTED"];
const UNRESOLVED_PAUSE = ["FAILED", "CANCELLED", "KILLED", "WARNING", "SKIPPED"];

function lastRun(execution: Execution, taskId: string): TaskRun | undefined {
  return execution.taskRunList.filter((t) => t.taskId === taskId).at(-1);
}

/** What the run looks like to a person, derived only from Kestra's execution. */
export function deriveView(execution: Execution): RunView {
  const state = execution.state.current;
  const fix = lastRun(execution, TASKS.fix);
  const approval = lastRun(execution, TASKS.approval);
  const pr = lastRun(execution, TASKS.createPr);
  const waits = execution.inputs?.[SINGLE_INPUTS.waitForApproval] === true;
  const fixDone = fix?.state.current === "SUCCESS";
  const approvalState = approval?.state.current;
  const base = {
    failedTask: undefined,
    patchAvailable: fixDone,
    approvable: false,
    fixTaskRun: fix,
    prTaskRun: pr,
  };

  if (QUEUED.includes(state)) return { ...base, status: "queued" };

  if (isTerminal(state)) {
    if (pr?.state.current === "SUCCESS") return { ...base, status: "pr_opened" };
    if (approvalState && UNRESOLVED_PAUSE.includes(approvalState) && state !== "KILLED") {
      return { ...base, status: "expired" };
    }
    if (state === "KILLED" || state === "CANCELLED") return { ...base, status: "cancelled" };
    if (state === "FAILED") {
      const failed = execution.taskRunList.find((t) => t.state.current === "FAILED");
      return { ...base, status: "failed", failedTask: failed?.taskId };
    }
    if (approvalState === "SUCCESS") return { ...base, status: "rejected" };
    return { ...base, status: "finished" };
  }

  if (pr && !isTerminal(pr.state.current)) return { ...base, status: "creating_pr" };
  if (approvalState === "SUCCESS") return { ...base, status: "creating_pr" };
  if (approvalState === "PAUSED" || (fixDone && waits && !approval)) {
    return { ...base, status: "awaiting_approval", approvable: true };
  }
  return { ...base, status: "running" };
}

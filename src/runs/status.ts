import { BATCH_FLOW_ID, NOTIFY_TASK_PREFIX, SINGLE_INPUTS, TASKS } from "../contracts/flow.ts";
import { type Execution, isTerminal, type TaskRun } from "../kestra/types.ts";
import type { PrState, RunStatus, Verdict } from "../shared/run-status.ts";

// The one derivation of a run's status, from Kestra's task runs rather than the execution state
// alone: the thread, the batch digest, the App Home, `status` and `list` all use it.

export type RunMode = "dry-run" | "approval" | "direct-pr" | "patch-only";

export interface RunView {
  status: RunStatus;
  mode: RunMode;
  /** The step to blame when status is failed: the failing task that is not a notification. */
  failedTask: string | undefined;
  /** The worker finished and its patch can be read. */
  patchAvailable: boolean;
  /** Buttons make sense: the run waits, or is about to wait, for a decision. */
  approvable: boolean;
  /**
   * The approval was given but neither the bot's record nor the task runs say which way: the
   * caller reads the Pause's `onResume.approved` and derives again.
   */
  needsVerdict: boolean;
  /** Restarts of the execution: what is reported once per attempt counts from here. */
  attempt: number;
  fix: TaskRun | undefined;
  approval: TaskRun | undefined;
  createPr: TaskRun | undefined;
}

/** What Kestra's task runs cannot say alone. */
export interface RunFacts {
  /** The decision the bot recorded, or the Pause's `onResume.approved`. */
  verdict?: Verdict | undefined;
  /** What became of the run's PR on GitHub (the PR follower's last look). */
  pr?: PrState | undefined;
}

const QUEUED = ["CREATED", "QUEUED", "SUBMITTED"];
const STOPPED = ["KILLED", "CANCELLED"];

export function modeOf(execution: Pick<Execution, "inputs">): RunMode {
  const inputs = execution.inputs ?? {};
  const on = (id: string) => inputs[id] === true || inputs[id] === "true";
  if (!on(SINGLE_INPUTS.applyFix)) return "dry-run";
  if (on(SINGLE_INPUTS.waitForApproval)) return "approval";
  if (on(SINGLE_INPUTS.createPr)) return "direct-pr";
  return "patch-only";
}

/**
 * Restarts of the execution. Kestra marks a resume RESTARTED too, so only a RESTARTED that
 * follows an ended state counts (a restart is only allowed once the run has ended).
 */
export function attemptOf(execution: Pick<Execution, "state">): number {
  const h = execution.state.histories;
  return h.filter((entry, i) => entry.state === "RESTARTED" && isTerminal(h[i - 1]?.state ?? ""))
    .length;
}

/** When Kestra created the execution (ms; NaN when it does not say). */
export function startOf(execution: Pick<Execution, "state">): number {
  return Date.parse(execution.state.startDate ?? execution.state.histories[0]?.date ?? "");
}

function lastRun(execution: Execution, taskId: string): TaskRun | undefined {
  return execution.taskRunList.filter((t) => t.taskId === taskId).at(-1);
}

/**
 * The failed step: a FAILED task run that is neither a notification nor a flowable task whose
 * child failed (an If fails with its branch), so `fix` is blamed, not `notify_failed` or `pr_gate`.
 */
export function failedStep(execution: Execution): TaskRun | undefined {
  const failed = execution.taskRunList.filter(
    (t) => t.state.current === "FAILED" && !t.taskId.startsWith(NOTIFY_TASK_PREFIX),
  );
  const parents = new Set(failed.map((t) => t.parentTaskRunId).filter(Boolean));
  return failed.find((t) => !parents.has(t.id)) ?? failed[0];
}

/** What the run looks like to a person, from Kestra's execution and the facts given. */
export function deriveView(execution: Execution, facts: RunFacts = {}): RunView {
  const fix = lastRun(execution, TASKS.fix);
  const approval = lastRun(execution, TASKS.approval);
  const createPr = lastRun(execution, TASKS.createPr);
  const mode = modeOf(execution);
  const view: RunView = {
    status: "running",
    mode,
    failedTask: undefined,
    patchAvailable: fix?.state.current === "SUCCESS",
    approvable: false,
    needsVerdict: false,
    attempt: attemptOf(execution),
    fix,
    approval,
    createPr,
  };
  const state = execution.state.current;
  const ended = isTerminal(state);
  const is = (status: RunStatus, more: Partial<RunView> = {}): RunView => ({
    ...view,
    status,
    ...more,
  });

  if (execution.flowId === BATCH_FLOW_ID) return batchView(execution, view);
  // A PR that was opened stays opened, whatever the flow does afterwards, until GitHub says more.
  if (createPr?.state.current === "SUCCESS") {
    if (facts.pr === "merged") return is("pr_merged");
    if (facts.pr === "closed") return is("pr_closed");
    return is("pr_opened");
  }
  if (state === "KILLING") return is("cancelling");
  if (STOPPED.includes(state)) return is("cancelled");
  if (QUEUED.includes(state)) return is("queued");

  const failed = failedStep(execution);
  // The approval window closed: Pause with behavior FAIL.
  if (failed?.taskId === TASKS.approval) return is("expired");
  // Failed as soon as a step failed, before the run has ended.
  if (failed || state === "FAILED") return is("failed", { failedTask: failed?.taskId });

  if (approval?.state.current === "SUCCESS") {
    if (facts.verdict === "approve") return is("creating_pr");
    if (facts.verdict === "reject" || facts.verdict === "revise") return is("rejected");
    // Approved means pr_gate runs create_pr; a run that ended without it was rejected.
    if (ended) return is("rejected");
    if (createPr) return is("creating_pr");
    return is("running", { needsVerdict: true });
  }
  const waiting = approval?.state.current === "PAUSED" || approval?.state.current === "CREATED";
  if (waiting && !ended) {
    // The bot recorded a decision that Kestra has not applied yet.
    if (facts.verdict === "approve") return is("creating_pr");
    if (facts.verdict) return is("rejected");
    return is("awaiting_approval", { approvable: true });
  }
  if (ended) return is("finished");
  if (view.patchAvailable) {
    // patch_ready is sent just before the Pause task starts: already awaiting the decision.
    if (mode === "approval") {
      if (facts.verdict === "approve") return is("creating_pr");
      if (facts.verdict) return is("rejected");
      return is("awaiting_approval", { approvable: true });
    }
    if (mode === "direct-pr") return is("creating_pr");
  }
  return is("running");
}

function batchView(execution: Execution, view: RunView): RunView {
  const state = execution.state.current;
  const failed = failedStep(execution);
  const status: RunStatus =
    state === "KILLING"
      ? "cancelling"
      : STOPPED.includes(state)
        ? "cancelled"
        : QUEUED.includes(state)
          ? "queued"
          : failed || state === "FAILED"
            ? "failed"
            : isTerminal(state)
              ? "finished"
              : "running";
  return { ...view, status, failedTask: status === "failed" ? failed?.taskId : undefined };
}

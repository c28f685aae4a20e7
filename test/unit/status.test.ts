// The one derivation of a run's status (runs/status.ts), as a table: Kestra state, task runs,
// inputs and the facts the bot knows → what a person is shown.
import { describe, expect, it } from "vitest";
import type { Execution } from "../../src/kestra/types.ts";
import { deriveView, type RunFacts } from "../../src/runs/status.ts";
import type { RunStatus } from "../../src/shared/run-status.ts";

type Mode = "approval" | "direct-pr" | "dry-run" | "patch-only";
type Task = [taskId: string, state: string, parent?: string];

const INPUTS: Record<Mode, Record<string, unknown>> = {
  approval: { apply_fix: true, create_pr: false, wait_for_approval: true },
  "direct-pr": { apply_fix: true, create_pr: true, wait_for_approval: false },
  "dry-run": { apply_fix: false, create_pr: false, wait_for_approval: true },
  "patch-only": { apply_fix: true, create_pr: false, wait_for_approval: false },
};

function exec(state: string, tasks: Task[], mode: Mode = "approval", restarts = 0): Execution {
  return {
    id: "e1",
    namespace: "dev.autofix",
    flowId: "ai-issue-autofix",
    labels: [],
    inputs: INPUTS[mode],
    state: {
      current: state,
      histories: Array.from({ length: restarts }, () => [
        { state: "FAILED", date: "x" },
        { state: "RESTARTED", date: "x" },
      ]).flat(),
    },
    taskRunList: tasks.map(([taskId, s, parent]) => ({
      id: `tr-${taskId}`,
      taskId,
      state: { current: s },
      ...(parent ? { parentTaskRunId: `tr-${parent}` } : {}),
    })),
  };
}

const FIXED: Task[] = [
  ["validate", "SUCCESS"],
  ["notify_started", "SUCCESS"],
  ["fix", "SUCCESS"],
  ["notify_patch_ready", "SUCCESS"],
];
const PAUSED: Task[] = [
  ...FIXED,
  ["approval_gate", "RUNNING"],
  ["approval", "PAUSED", "approval_gate"],
];
const RESUMED: Task[] = [
  ...FIXED,
  ["approval_gate", "SUCCESS"],
  ["approval", "SUCCESS", "approval_gate"],
];
const PR_DONE: Task[] = [
  ...RESUMED,
  ["pr_gate", "RUNNING"],
  ["create_pr", "SUCCESS", "pr_gate"],
  ["notify_pr_created", "RUNNING", "pr_gate"],
];

interface Row {
  name: string;
  execution: Execution;
  facts?: RunFacts;
  status: RunStatus;
  failedTask?: string | undefined;
  approvable?: boolean;
  needsVerdict?: boolean;
}

const rows: Row[] = [
  { name: "created, nothing ran yet", execution: exec("CREATED", []), status: "queued" },
  {
    name: "the worker runs",
    execution: exec("RUNNING", [...FIXED.slice(0, 2), ["fix", "RUNNING"]]),
    status: "running",
  },
  {
    name: "patch ready, the Pause is about to start",
    execution: exec("RUNNING", FIXED),
    status: "awaiting_approval",
    approvable: true,
  },
  {
    name: "paused for approval",
    execution: exec("PAUSED", PAUSED),
    status: "awaiting_approval",
    approvable: true,
  },
  {
    name: "a dry run is never approvable, even with wait_for_approval",
    execution: exec("RUNNING", FIXED, "dry-run"),
    status: "running",
    approvable: false,
  },
  {
    name: "a dry run ends finished",
    execution: exec("SUCCESS", FIXED, "dry-run"),
    status: "finished",
  },
  {
    name: "direct PR: after the patch the PR is on its way, not back to running",
    execution: exec("RUNNING", FIXED, "direct-pr"),
    status: "creating_pr",
  },
  {
    name: "create_pr succeeded while the flow still runs: PR opened at once",
    execution: exec("RUNNING", PR_DONE),
    status: "pr_opened",
  },
  {
    name: "create_pr succeeded, then a later notification failed the run: still PR opened",
    execution: exec("FAILED", [
      ...PR_DONE.slice(0, -1),
      ["notify_pr_created", "FAILED", "pr_gate"],
    ]),
    status: "pr_opened",
  },
  {
    name: "direct PR opened",
    execution: exec(
      "SUCCESS",
      [...FIXED, ["pr_gate", "SUCCESS"], ["create_pr", "SUCCESS", "pr_gate"]],
      "direct-pr",
    ),
    status: "pr_opened",
  },
  {
    name: "resumed with approved=false, flow still running: rejected, from onResume",
    execution: exec("RUNNING", [...RESUMED, ["pr_gate", "RUNNING"]]),
    facts: { verdict: "reject" },
    status: "rejected",
  },
  {
    name: "resumed with approved=true before create_pr starts: creating PR",
    execution: exec("RUNNING", RESUMED),
    facts: { verdict: "approve" },
    status: "creating_pr",
  },
  {
    name: "resumed, verdict unknown while running: the caller must read onResume",
    execution: exec("RUNNING", RESUMED),
    status: "running",
    needsVerdict: true,
  },
  {
    name: "resumed and ended without a PR: rejected, whatever is known",
    execution: exec("SUCCESS", [...RESUMED, ["pr_gate", "SUCCESS"]]),
    status: "rejected",
  },
  {
    name: "the bot recorded a rejection Kestra has not applied yet",
    execution: exec("PAUSED", PAUSED),
    facts: { verdict: "reject" },
    status: "rejected",
  },
  {
    name: "a revision counts as a rejection of this patch",
    execution: exec("PAUSED", PAUSED),
    facts: { verdict: "revise" },
    status: "rejected",
  },
  {
    name: "the fix failed while the errors branch runs: failed, not running",
    execution: exec("RUNNING", [
      ["validate", "SUCCESS"],
      ["notify_started", "SUCCESS"],
      ["fix", "FAILED"],
      ["notify_failed", "RUNNING"],
    ]),
    status: "failed",
    failedTask: "fix",
  },
  {
    name: "a failed notification before the failed step is not blamed",
    execution: exec("FAILED", [
      ["validate", "SUCCESS"],
      ["notify_started", "FAILED"],
      ["fix", "FAILED"],
      ["notify_failed", "FAILED"],
    ]),
    status: "failed",
    failedTask: "fix",
  },
  {
    name: "create_pr failed: the If around it is not blamed",
    execution: exec("FAILED", [
      ...RESUMED,
      ["pr_gate", "FAILED"],
      ["create_pr", "FAILED", "pr_gate"],
    ]),
    facts: { verdict: "approve" },
    status: "failed",
    failedTask: "create_pr",
  },
  {
    name: "failed without a failed task (e.g. an output that did not render)",
    execution: exec("FAILED", FIXED, "patch-only"),
    status: "failed",
    failedTask: undefined,
  },
  {
    name: "the approval window closed (Pause behavior FAIL)",
    execution: exec("FAILED", [
      ...FIXED,
      ["approval_gate", "FAILED"],
      ["approval", "FAILED", "approval_gate"],
    ]),
    status: "expired",
  },
  {
    name: "KILLING: cancelling, and no buttons while it is killed",
    execution: exec("KILLING", PAUSED),
    status: "cancelling",
    approvable: false,
  },
  {
    name: "KILLED while paused",
    execution: exec("KILLED", [...FIXED, ["approval", "KILLED"]]),
    status: "cancelled",
  },
  {
    name: "CANCELLED is treated like KILLED",
    execution: exec("CANCELLED", [...FIXED, ["approval", "CANCELLED"]]),
    status: "cancelled",
  },
  {
    name: "patch only, ended",
    execution: exec("SUCCESS", FIXED, "patch-only"),
    status: "finished",
  },
  {
    name: "restarted after a failure: running again",
    execution: exec(
      "RUNNING",
      [
        ["validate", "SUCCESS"],
        ["fix", "RUNNING"],
      ],
      "approval",
      1,
    ),
    status: "running",
  },
  {
    name: "the PR opened, then merged on GitHub (the follower's fact)",
    execution: exec("SUCCESS", PR_DONE),
    facts: { verdict: "approve", pr: "merged" },
    status: "pr_merged",
  },
  {
    name: "the PR opened, then closed without merging",
    execution: exec("SUCCESS", PR_DONE),
    facts: { pr: "closed" },
    status: "pr_closed",
  },
  {
    name: "the PR is still open on GitHub",
    execution: exec("SUCCESS", PR_DONE),
    facts: { pr: "open" },
    status: "pr_opened",
  },
  {
    name: "a PR fact without a PR is no PR (the run was rejected)",
    execution: exec("SUCCESS", RESUMED),
    facts: { verdict: "reject", pr: "merged" },
    status: "rejected",
  },
];

describe("deriveView", () => {
  it.each(rows)("$name → $status", (row) => {
    const view = deriveView(row.execution, row.facts);
    expect(view.status).toBe(row.status);
    if ("failedTask" in row) expect(view.failedTask).toBe(row.failedTask);
    if (row.approvable !== undefined) expect(view.approvable).toBe(row.approvable);
    expect(view.needsVerdict).toBe(row.needsVerdict ?? false);
  });

  it("counts restarts as attempts, not resumes (which Kestra also marks RESTARTED)", () => {
    expect(deriveView(exec("RUNNING", [], "approval", 2)).attempt).toBe(2);
    const resumed = exec("RUNNING", RESUMED);
    resumed.state.histories = ["CREATED", "RUNNING", "PAUSED", "RESTARTED", "RUNNING"].map(
      (state) => ({ state, date: "x" }),
    );
    expect(deriveView(resumed).attempt).toBe(0);
  });

  it("derives a batch's own status from its state and tasks", () => {
    const batch = (state: string, tasks: Task[] = []) => ({
      ...exec(state, tasks),
      flowId: "batch-issue-autofix",
    });
    expect(deriveView(batch("RUNNING", [["issues", "SUCCESS"]])).status).toBe("running");
    expect(deriveView(batch("RUNNING", [["issues", "FAILED"]])).status).toBe("failed");
    expect(deriveView(batch("KILLING")).status).toBe("cancelling");
    expect(deriveView(batch("SUCCESS")).status).toBe("finished");
    expect(deriveView(batch("CANCELLED")).status).toBe("cancelled");
  });
});

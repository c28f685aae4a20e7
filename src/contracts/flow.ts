// The contract between the bot, the worker and the Kestra flows in kestra/workflows.
// Flow tests check the YAML against these names, so a rename breaks a test, not production.

export const DEFAULT_NAMESPACE = "dev.autofix";
export const SINGLE_FLOW_ID = "ai-issue-autofix";
export const BATCH_FLOW_ID = "batch-issue-autofix";
/** Checks, inside Kestra, what only Kestra holds (its secrets), and tells the bot. */
export const SETUP_CHECK_FLOW_ID = "setup-check";
/** Files a GitHub issue written from a Slack thread, with the token only Kestra holds (Issues: write). */
export const FILE_ISSUE_FLOW_ID = "file-issue";

/** Inputs of ai-issue-autofix that the bot sends when it starts a run. */
export const SINGLE_INPUTS = {
  issueUrl: "issue_url",
  repoUrl: "repo_url",
  applyFix: "apply_fix",
  createPr: "create_pr",
  waitForApproval: "wait_for_approval",
  model: "model",
  /** Revise: the reviewer's feedback (STRING) and the previous run's patch.diff (FILE), both optional. */
  feedback: "feedback",
  previousPatch: "previous_patch",
  /**
   * Fix the failing checks / Address the review: the open PR whose branch the worker checks out
   * and create_pr pushes a commit onto (INT, optional; no new PR).
   */
  prNumber: "pr_number",
} as const;

/** Inputs of batch-issue-autofix. */
export const BATCH_INPUTS = {
  repoUrl: "repo_url",
  issueLabels: "issue_labels",
  maxIssues: "max_issues",
  createPrs: "create_prs",
  waitForApproval: "wait_for_approval",
  model: "model",
} as const;

/** Task ids of batch-issue-autofix that the bot reads. */
export const BATCH_TASKS = {
  issues: "issues",
} as const;

/** Files the batch's `issues` task exposes. */
export const BATCH_FILES = {
  issues: "issues.json",
  skipped: "skipped.json",
} as const;

/** Inputs, tasks and the report file of setup-check. */
export const SETUP_CHECK = {
  inputs: { repo: "repo" },
  tasks: { check: "check", notify: "notify_setup_check" },
  file: "check.json",
} as const;

/** Inputs, task ids and output vars of file-issue. */
export const FILE_ISSUE = {
  inputs: { repo: "repo", title: "title", body: "body" },
  tasks: { file: "file", notify: "notify_file_issue" },
  /** What `autofix file-issue` prints as Kestra outputs (outputs.file.vars). */
  vars: { issueUrl: "issue_url", issueNumber: "issue_number" },
} as const;

/** `onResume` inputs of the approval Pause task. */
export const RESUME_INPUTS = {
  approved: "approved",
  approver: "approver",
} as const;

/** Task ids of ai-issue-autofix that the bot reads. */
export const TASKS = {
  validate: "validate",
  fix: "fix",
  approval: "approval",
  createPr: "create_pr",
} as const;

/** Task ids of both flows' notifications start with this; a failing one is never "the failed step". */
export const NOTIFY_TASK_PREFIX = "notify_";

/** Files the worker writes and the fix task exposes through `outputFiles`. */
export const OUTPUT_FILES = {
  patch: "patch.diff",
  summary: "summary.md",
  result: "result.json",
} as const;

/** Execution labels that carry the Slack context of a run. */
export const LABELS = {
  team: "slack-team",
  channel: "slack-channel",
  ts: "slack-ts",
  user: "slack-user",
  repo: "autofix-repo",
  issue: "autofix-issue",
  title: "autofix-title",
  /** On child runs of a batch: the batch execution's id. */
  batch: "autofix-batch",
  /** On a follow-up run: what it answers ("checks-<sha>" or "review-<id>" of its PR). */
  followUp: "autofix-follow-up",
  /** A run whose root is a reply in a person's thread (a mention): that thread's ts. */
  thread: "slack-thread",
  /** The message that asked for the run (a mention, a DM): its status reactions go there. */
  ask: "slack-ask",
} as const;

/** Kestra label keys must match this (kestra.md); checked for our own keys in a test. */
export const LABEL_KEY_PATTERN = /^\p{Ll}[\p{L}0-9._-]*$/u;

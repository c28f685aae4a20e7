// Kestra's task ids in people's words ("failed while writing the fix"); admins still get the id.

const WORDS: Record<string, string> = {
  start: "before it started",
  validate: "while checking its inputs",
  extract_repo: "while checking its inputs",
  fix: "while writing the fix",
  approval: "while waiting for a decision",
  create_pr: "while opening the pull request",
  issues: "while listing the issues",
  each_issue: "while fixing the issues",
  autofix: "while fixing the issues",
  report: "while summing up the batch",
  cleanup: "while cleaning up",
};

/** "while writing the fix"; a step with no words is named as it is. */
export function whileStep(taskId: string): string {
  if (WORDS[taskId]) return WORDS[taskId];
  if (taskId.startsWith("notify_")) return "while telling Slack";
  return `in the step ${taskId}`;
}

/** What a run is doing, for a status line: "writing the fix". */
export function doingStep(taskId: string): string {
  const words = whileStep(taskId);
  return words.startsWith("while ") ? words.slice("while ".length) : words;
}

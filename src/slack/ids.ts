// Block Kit ids shared by the builders and the listeners that handle them.

export const ACTIONS = {
  approve: "autofix_approve",
  reject: "autofix_reject",
  retry: "autofix_retry",
  retryStart: "autofix_retry_start",
  viewInKestra: "autofix_view_kestra",
} as const;

export const BLOCKS = {
  patchActions: "autofix_patch_actions",
  failureActions: "autofix_failure_actions",
} as const;

export const COMMAND = "/autofix";

// Block Kit ids shared by the builders and the listeners that handle them.

export const ACTIONS = {
  approve: "autofix_approve",
  reject: "autofix_reject",
  retry: "autofix_retry",
  retryStart: "autofix_retry_start",
  viewInKestra: "autofix_view_kestra",
  stuckCancel: "autofix_stuck_cancel",
  stuckRetry: "autofix_stuck_retry",
  revise: "autofix_revise",
  listPrevious: "autofix_list_previous",
  listNext: "autofix_list_next",
  /** Under a red checks reply / a changes-requested reply of a followed PR. */
  fixChecks: "autofix_fix_checks",
  addressReview: "autofix_address_review",
  /** One button per issue a thread links: `<prefix>:<n>` (action ids are unique in a block). */
  pickIssue: "autofix_pick_issue",
  /** Opens the form that files an issue from a thread. */
  fileIssue: "autofix_file_issue",
} as const;

export const BLOCKS = {
  patchActions: "autofix_patch_actions",
  failureActions: "autofix_failure_actions",
  stuckActions: "autofix_stuck_actions",
  listPager: "autofix_list_pager",
  prActions: "autofix_pr_actions",
} as const;

export const COMMAND = "/autofix";

/** App Home dashboard (src/slack/blocks/home, src/listeners/actions/home-*.ts). */
export const HOME_ACTIONS = {
  channel: "autofix_home_channel",
  settings: "autofix_home_settings",
  refresh: "autofix_home_refresh",
  runsPrev: "autofix_home_runs_prev",
  runsNext: "autofix_home_runs_next",
  issuesPrev: "autofix_home_issues_prev",
  issuesNext: "autofix_home_issues_next",
  retry: "autofix_home_retry",
  cancel: "autofix_home_cancel",
  select: "autofix_home_select",
  fixSelected: "autofix_home_fix_selected",
  setupCheck: "autofix_home_setup_check",
} as const;

export const HOME_BLOCKS = {
  controls: "autofix_home_controls",
  /** An issue row: the prefix, then the issue key ("acme/api#42"). */
  issuePrefix: "autofix_home_issue.",
  fixActions: "autofix_home_fix_actions",
  setup: "autofix_home_setup",
} as const;

/** Settings modal (src/slack/blocks/settings-modal.ts, src/listeners/views/settings.ts). */
export const SETTINGS = {
  callbackId: "autofix_settings",
  channelBlock: "settings_channel",
  channelAction: "autofix_settings_channel",
  /** Field blocks carry the channel they were loaded for: `<prefix>.<channel>`. */
  fields: {
    defaultRepo: "settings_default_repo",
    allowedRepos: "settings_allowed_repos",
    labels: "settings_labels",
    alerts: "settings_alerts",
    approverUsers: "settings_approver_users",
    approverGroups: "settings_approver_groups",
    requireApproval: "settings_require_approval",
    model: "settings_model",
    conversation: "settings_conversation",
  },
  /** One action_id per field element (the block id tells fields apart). */
  input: "value",
} as const;

/** Revise modal (src/slack/blocks/revise-modal.ts, src/listeners/views/revise.ts). */
export const REVISE = {
  callbackId: "autofix_revise",
  feedbackBlock: "revise_feedback",
  feedbackAction: "feedback",
} as const;

/** The form that files a GitHub issue from a thread (src/slack/blocks/file-issue-modal.ts). */
export const FILE_ISSUE_FORM = {
  callbackId: "autofix_file_issue",
  repoBlock: "file_issue_repo",
  titleBlock: "file_issue_title",
  input: "value",
} as const;

/** Shortcuts; their callback ids must match the app manifest's features.shortcuts. */
export const SHORTCUTS = {
  autofixMessage: "autofix_message",
} as const;

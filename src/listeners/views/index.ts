import type { App } from "@slack/bolt";
import { FILE_ISSUE_FORM, REVISE, SETTINGS } from "../../slack/ids.ts";
import { type FileIssueSubmissionDeps, fileIssueSubmission } from "./file-issue.ts";
import { type ReviseSubmissionDeps, reviseSubmission } from "./revise.ts";
import { type SettingsSubmissionDeps, settingsSubmission } from "./settings.ts";

export type ViewDeps = ReviseSubmissionDeps & SettingsSubmissionDeps & FileIssueSubmissionDeps;

export function registerViews(app: App, d: ViewDeps): void {
  app.view(SETTINGS.callbackId, settingsSubmission(d));
  app.view(REVISE.callbackId, reviseSubmission(d));
  app.view(FILE_ISSUE_FORM.callbackId, fileIssueSubmission(d));
}

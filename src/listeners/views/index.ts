import type { App } from "@slack/bolt";
import { REVISE, SETTINGS } from "../../slack/ids.ts";
import { type ReviseSubmissionDeps, reviseSubmission } from "./revise.ts";
import { type SettingsSubmissionDeps, settingsSubmission } from "./settings.ts";

export type ViewDeps = ReviseSubmissionDeps & SettingsSubmissionDeps;

export function registerViews(app: App, d: ViewDeps): void {
  app.view(SETTINGS.callbackId, settingsSubmission(d));
  app.view(REVISE.callbackId, reviseSubmission(d));
}

import type { App } from "@slack/bolt";
import type { Services } from "../../services.ts";
import { REVISE, SETTINGS } from "../../slack/ids.ts";
import { reviseSubmission } from "./revise.ts";
import { settingsSubmission } from "./settings.ts";

export function registerViews(app: App, s: Services): void {
  app.view(SETTINGS.callbackId, settingsSubmission(s));
  app.view(REVISE.callbackId, reviseSubmission(s));
}

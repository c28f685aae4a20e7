import type { App, BlockAction } from "@slack/bolt";
import type { SettingsAccessDeps } from "../../home/permissions.ts";
import { HOME_ACTIONS, SETTINGS } from "../../slack/ids.ts";
import { type HomeFixDeps, homeFixSelectedAction } from "./home-fix.ts";
import {
  type HomeChannelDeps,
  homeAckOnly,
  homeChannelAction,
  homePageAction,
} from "./home-nav.ts";
import { type HomeRunDeps, homeRunAction } from "./home-runs.ts";
import { homeSettingsAction, settingsChannelAction } from "./home-settings.ts";
import { type HomeSetupCheckDeps, homeSetupCheckAction } from "./home-setup-check.ts";

export type HomeActionDeps = HomeFixDeps &
  HomeRunDeps &
  HomeChannelDeps &
  HomeSetupCheckDeps &
  SettingsAccessDeps;

/** Every action of the App Home dashboard and of the settings modal. */
export function registerHomeActions(app: App, d: HomeActionDeps): void {
  const on = (id: string, handler: ReturnType<typeof homeAckOnly>) =>
    app.action<BlockAction>(id, handler);
  for (const id of [
    HOME_ACTIONS.runsPrev,
    HOME_ACTIONS.runsNext,
    HOME_ACTIONS.issuesPrev,
    HOME_ACTIONS.issuesNext,
    HOME_ACTIONS.refresh,
  ]) {
    on(id, homePageAction(d));
  }
  on(HOME_ACTIONS.channel, homeChannelAction(d));
  on(HOME_ACTIONS.fixSelected, homeFixSelectedAction(d));
  on(HOME_ACTIONS.retry, homeRunAction(d, "retry"));
  on(HOME_ACTIONS.cancel, homeRunAction(d, "cancel"));
  on(HOME_ACTIONS.settings, homeSettingsAction(d));
  on(HOME_ACTIONS.setupCheck, homeSetupCheckAction(d));
  on(HOME_ACTIONS.select, homeAckOnly());
  on(SETTINGS.channelAction, settingsChannelAction(d));
}

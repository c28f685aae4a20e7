import type { App, BlockAction } from "@slack/bolt";
import type { Services } from "../../services.ts";
import { HOME_ACTIONS, SETTINGS } from "../../slack/ids.ts";
import { homeFixAction, homeFixSelectedAction } from "./home-fix.ts";
import { homeAckOnly, homeChannelAction, homePageAction } from "./home-nav.ts";
import { homeRunAction } from "./home-runs.ts";
import { homeSettingsAction, settingsChannelAction } from "./home-settings.ts";

/** Every action of the App Home dashboard and of the settings modal. */
export function registerHomeActions(app: App, s: Services): void {
  const on = (id: string, handler: ReturnType<typeof homeAckOnly>) =>
    app.action<BlockAction>(id, handler);
  for (const id of [
    HOME_ACTIONS.runsPrev,
    HOME_ACTIONS.runsNext,
    HOME_ACTIONS.issuesPrev,
    HOME_ACTIONS.issuesNext,
    HOME_ACTIONS.refresh,
  ]) {
    on(id, homePageAction(s));
  }
  on(HOME_ACTIONS.channel, homeChannelAction(s));
  on(HOME_ACTIONS.fix, homeFixAction(s));
  on(HOME_ACTIONS.fixSelected, homeFixSelectedAction(s));
  on(HOME_ACTIONS.retry, homeRunAction(s, "retry"));
  on(HOME_ACTIONS.cancel, homeRunAction(s, "cancel"));
  on(HOME_ACTIONS.settings, homeSettingsAction(s));
  on(HOME_ACTIONS.select, homeAckOnly());
  on(HOME_ACTIONS.link, homeAckOnly());
  on(SETTINGS.channelAction, settingsChannelAction(s));
}

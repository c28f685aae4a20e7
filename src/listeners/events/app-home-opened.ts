import type { AllMiddlewareArgs, SlackEventMiddlewareArgs, webApi } from "@slack/bolt";
import type { HomePrefs } from "../../home/home-prefs.ts";
import type { HomeTab } from "../../home/publish.ts";
import type { Logger } from "../../logger.ts";
import { FIRST_PAGES } from "../../slack/blocks/home/model.ts";
import { decodeNav } from "../../slack/blocks/home/nav.ts";
import { teamOf } from "../../slack/workspace.ts";

type Args = SlackEventMiddlewareArgs<"app_home_opened"> & AllMiddlewareArgs;

export interface HomeOpenedDeps {
  home: HomeTab;
  prefs: HomePrefs;
  slack: webApi.WebClient;
  logger: Logger;
}

/**
 * Publishes the dashboard each time the Home tab opens, with the channel the person picked last
 * (stored in Kestra; the view Slack sends is only a fallback, it is often absent).
 */
export function appHomeOpened(d: HomeOpenedDeps) {
  return async ({ event, context, body }: Args): Promise<void> => {
    if (event.tab !== "home") return;
    const previous = decodeNav(event.view?.private_metadata);
    try {
      await d.home.publish({
        user: event.user,
        team: await teamOf(d.slack, context.teamId, body.team_id),
        nav: { ...FIRST_PAGES, channel: (await d.prefs.channel(event.user)) ?? previous.channel },
      });
    } catch (err) {
      d.logger.error({ err, user: event.user }, "cannot publish the App Home");
    }
  };
}

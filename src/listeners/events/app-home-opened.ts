import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from "@slack/bolt";
import { FIRST_PAGES } from "../../home/model.ts";
import { decodeNav } from "../../home/nav.ts";
import { publishHome, teamOf } from "../../home/publish.ts";
import type { Services } from "../../services.ts";

type Args = SlackEventMiddlewareArgs<"app_home_opened"> & AllMiddlewareArgs;

/** Publishes the dashboard each time the Home tab opens, keeping the channel picked last time. */
export function appHomeOpened(s: Services) {
  return async ({ event, context, body }: Args): Promise<void> => {
    if (event.tab !== "home") return;
    const previous = decodeNav(event.view?.private_metadata);
    try {
      await publishHome(s, {
        user: event.user,
        team: await teamOf(s, context.teamId, body.team_id),
        nav: { ...FIRST_PAGES, channel: previous.channel },
      });
    } catch (err) {
      s.logger.error({ err, user: event.user }, "cannot publish the App Home");
    }
  };
}

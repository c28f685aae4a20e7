import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from "@slack/bolt";
import type { Services } from "../../services.ts";
import { homeView } from "../../slack/blocks/home-view.ts";

type Args = SlackEventMiddlewareArgs<"app_home_opened"> & AllMiddlewareArgs;

export function appHomeOpened(s: Services) {
  return async ({ event }: Args): Promise<void> => {
    if (event.tab !== "home") return;
    await s.slack.views.publish({
      user_id: event.user,
      view: homeView({ webHost: s.webHost, allowedRepos: s.config.policy.allowedRepos }),
    });
  };
}

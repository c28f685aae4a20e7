import type { HomePrefs } from "../../home/home-prefs.ts";
import { CHANNEL_PATTERN } from "../../settings/channel-settings.ts";
import type { HomeNotice } from "../../slack/blocks/home/model.ts";
import { decodeNav } from "../../slack/blocks/home/nav.ts";
import { userMessage } from "../../slack/error-messages.ts";
import {
  actionValue,
  type HomeArgs,
  type HomeRefreshDeps,
  homeState,
  refreshHome,
} from "./home-common.ts";

/** Previous/Next and Refresh: the button value holds the pages to show. */
export const homePageAction = (d: HomeRefreshDeps) => async (args: HomeArgs) => {
  await args.ack();
  const { nav } = homeState(args.body);
  const target = decodeNav(actionValue(args));
  await refreshHome(d, args, {
    channel: nav.channel,
    runsPage: target.runsPage,
    issuesPage: target.issuesPage,
  });
};

export interface HomeChannelDeps extends HomeRefreshDeps {
  prefs: HomePrefs;
}

/**
 * "Post runs in": the dashboard follows the picked channel's settings (repositories, labels), and
 * the pick is remembered for the next time the Home opens.
 */
export const homeChannelAction = (d: HomeChannelDeps) => async (args: HomeArgs) => {
  await args.ack();
  const { nav } = homeState(args.body);
  const picked = (args.action as { selected_conversation?: string | null }).selected_conversation;
  if (picked && !CHANNEL_PATTERN.test(picked)) {
    await refreshHome(
      d,
      args,
      { ...nav, issuesPage: 1 },
      {
        kind: "error",
        text: "Runs need a channel: pick a public or private channel, not a direct message.",
      },
    );
    return;
  }
  const channel = picked ?? undefined;
  let notice: HomeNotice | undefined;
  try {
    await d.prefs.rememberChannel(args.body.user.id, channel);
  } catch (err) {
    d.logger.warn({ err, user: args.body.user.id }, "home: cannot store the picked channel");
    notice = {
      kind: "error",
      text: `Your pick applies now, but it could not be kept for the next time you open the Home: ${userMessage(err)}`,
    };
  }
  await refreshHome(d, args, { ...nav, channel, issuesPage: 1 }, notice);
};

/** Elements whose state is read later (checkboxes) and link buttons still send an action. */
export const homeAckOnly = () => async (args: HomeArgs) => {
  await args.ack();
};

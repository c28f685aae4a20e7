import { CHANNEL_PATTERN } from "../../settings/channel-settings.ts";
import { decodeNav } from "../../slack/blocks/home/nav.ts";
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

/** "Post runs in": the dashboard follows the picked channel's settings (repositories, labels). */
export const homeChannelAction = (d: HomeRefreshDeps) => async (args: HomeArgs) => {
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
  await refreshHome(d, args, { ...nav, channel: picked ?? undefined, issuesPage: 1 });
};

/** Elements whose state is read later (checkboxes) and link buttons still send an action. */
export const homeAckOnly = () => async (args: HomeArgs) => {
  await args.ack();
};

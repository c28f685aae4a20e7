import type {
  AllMiddlewareArgs,
  BlockAction,
  SlackActionMiddlewareArgs,
  webApi,
} from "@slack/bolt";
import type { HomeTab } from "../../home/publish.ts";
import type { Logger } from "../../logger.ts";
import { CHANNEL_PATTERN } from "../../settings/channel-settings.ts";
import type { HomeNav, HomeNotice } from "../../slack/blocks/home/model.ts";
import { decodeNav } from "../../slack/blocks/home/nav.ts";
import { HOME_ACTIONS, HOME_BLOCKS } from "../../slack/ids.ts";
import { teamOf } from "../../slack/workspace.ts";

export type HomeArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** What every Home action needs to show its outcome: the Home again, with a notice. */
export interface HomeRefreshDeps {
  home: HomeTab;
  slack: webApi.WebClient;
  logger: Logger;
}

interface StateValue {
  selected_conversation?: string | null;
  selected_options?: { value: string }[];
}

/** What the Home view holds when the user clicks: page state, the picked channel, ticked issues. */
export interface HomeState {
  nav: HomeNav;
  selectedIssues: string[];
}

export function homeState(body: BlockAction): HomeState {
  const nav = decodeNav(body.view?.private_metadata);
  // Slack sends a view's state under view.state; some payloads also carry a top-level state.
  const values = (body.view?.state?.values ?? body.state?.values ?? {}) as Record<
    string,
    Record<string, StateValue>
  >;
  const picked = values[HOME_BLOCKS.controls]?.[HOME_ACTIONS.channel]?.selected_conversation;
  const channel = picked && CHANNEL_PATTERN.test(picked) ? picked : nav.channel;
  // Each issue row holds its own checkbox: the ticked ones are spread over the rows' blocks.
  const selected = Object.entries(values)
    .filter(([blockId]) => blockId.startsWith(HOME_BLOCKS.issuePrefix))
    .flatMap(([, actions]) => actions[HOME_ACTIONS.select]?.selected_options ?? []);
  return { nav: { ...nav, channel }, selectedIssues: selected.map((o) => o.value) };
}

/** Re-publishes the clicker's Home, with a notice when there is something to say. */
export async function refreshHome(
  d: HomeRefreshDeps,
  args: HomeArgs,
  nav: HomeNav,
  notice?: HomeNotice,
): Promise<void> {
  const { body } = args;
  try {
    await d.home.publish({
      user: body.user.id,
      team: await clickerTeam(d.slack, args),
      nav,
      ...(notice ? { notice } : {}),
    });
  } catch (err) {
    d.logger.error({ err, user: body.user.id }, "cannot refresh the App Home");
  }
}

/** The clicker's workspace, from the payload (or the bot's own when Slack does not say). */
export function clickerTeam(slack: webApi.WebClient, args: HomeArgs): Promise<string> {
  return teamOf(slack, args.context.teamId, args.body.team?.id, args.body.user.team_id);
}

export function actionValue(args: HomeArgs): string | undefined {
  const action = args.action as { value?: unknown };
  return typeof action.value === "string" ? action.value : undefined;
}

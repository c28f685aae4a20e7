import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { HomeNav, HomeNotice } from "../../home/model.ts";
import { decodeNav } from "../../home/nav.ts";
import { publishHome, teamOf } from "../../home/publish.ts";
import type { Services } from "../../services.ts";
import { CHANNEL_PATTERN } from "../../settings/channel-settings.ts";
import { HOME_ACTIONS, HOME_BLOCKS } from "../../slack/ids.ts";

export type HomeArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

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
  const selected = values[HOME_BLOCKS.selection]?.[HOME_ACTIONS.select]?.selected_options ?? [];
  return { nav: { ...nav, channel }, selectedIssues: selected.map((o) => o.value) };
}

/** Re-publishes the clicker's Home, with a notice when there is something to say. */
export async function refreshHome(
  s: Services,
  args: HomeArgs,
  nav: HomeNav,
  notice?: HomeNotice,
): Promise<void> {
  const { body, context } = args;
  try {
    await publishHome(s, {
      user: body.user.id,
      team: await teamOf(s, context.teamId, body.team?.id, body.user.team_id),
      nav,
      ...(notice ? { notice } : {}),
    });
  } catch (err) {
    s.logger.error({ err, user: body.user.id }, "cannot refresh the App Home");
  }
}

export function actionValue(args: HomeArgs): string | undefined {
  const action = args.action as { value?: unknown };
  return typeof action.value === "string" ? action.value : undefined;
}

import type { types } from "@slack/bolt";
import { COMMAND, HOME_ACTIONS, HOME_BLOCKS } from "../../ids.ts";
import { button } from "../buttons.ts";
import { context, divider, header, section } from "../parts.ts";
import type { KnownBlock } from "../types.ts";
import { issuesBlocks } from "./issues.ts";
import type { HomeModel, HomeNotice } from "./model.ts";
import { encodeNav } from "./nav.ts";
import { runsBlocks } from "./runs.ts";
import { setupBlocks } from "./setup.ts";

/** Slack's limit for a Home tab; the page sizes keep every page well below it. */
export const HOME_MAX_BLOCKS = 100;

/** The App Home dashboard: controls, recent runs, open issues. */
export function homeDashboard(model: HomeModel): types.HomeView {
  const { nav } = model;
  const blocks: KnownBlock[] = [header("Autofix dashboard")];
  if (model.notice) blocks.push(noticeBlock(model.notice));
  blocks.push(
    {
      type: "actions",
      block_id: HOME_BLOCKS.controls,
      elements: [
        {
          type: "conversations_select",
          action_id: HOME_ACTIONS.channel,
          placeholder: { type: "plain_text", text: "Post runs in…" },
          filter: { include: ["public", "private"], exclude_bot_users: true },
          ...(nav.channel ? { initial_conversation: nav.channel } : {}),
        },
        button("Settings", HOME_ACTIONS.settings, { value: "settings" }),
        button("Refresh", HOME_ACTIONS.refresh, { value: encodeNav(nav) }),
      ],
    },
    context(
      "Runs started here are posted in the channel picked above, with that channel's settings. " +
        `Type \`${COMMAND} help\` in any channel for the commands.`,
    ),
    divider,
    ...runsBlocks(model.runs, nav),
    divider,
    ...issuesBlocks(model.issues, nav),
  );
  if (model.setup) blocks.push(divider, ...setupBlocks(model.setup));
  return { type: "home", private_metadata: encodeNav(nav), blocks };
}

/** Notices are composed by the bot (mrkdwn); untrusted parts are escaped where they are made. */
function noticeBlock(notice: HomeNotice): KnownBlock {
  const icon = notice.kind === "error" ? "⚠️" : "ℹ️";
  return section(`${icon} ${notice.text}`);
}

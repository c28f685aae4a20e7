import type { types } from "@slack/bolt";
import { SUBCOMMANDS } from "../../commands/registry.ts";
import { helpText } from "./help-message.ts";

/** The App Home tab: how to use the bot. */
export function homeView(opts: { webHost: string; allowedRepos: string[] }): types.HomeView {
  return {
    type: "home",
    blocks: [
      { type: "header", text: { type: "plain_text", text: "Autofix" } },
      {
        type: "section",
        text: { type: "mrkdwn", text: helpText({ ...opts, subcommands: SUBCOMMANDS }) },
      },
    ],
  };
}

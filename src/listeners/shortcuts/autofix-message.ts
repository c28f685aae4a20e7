import type {
  AllMiddlewareArgs,
  MessageShortcut,
  SlackShortcutMiddlewareArgs,
  webApi,
} from "@slack/bolt";
import type { Logger } from "../../logger.ts";
import type { RunStarter } from "../../runs/starter.ts";
import type { SettingsStore } from "../../settings/settings-store.ts";
import { issueLinks } from "../../shared/issue-links.ts";
import type { IssueRef } from "../../shared/issue-url.ts";
import { notAllowedMessage } from "../../slack/allow-list.ts";
import { tellPrivately } from "../../slack/ephemeral.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { refusalText } from "../../slack/refusal-text.ts";
import { teamOf } from "../../slack/workspace.ts";

type Args = SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs;

export interface MessageShortcutDeps {
  slack: webApi.WebClient;
  logger: Logger;
  settings: SettingsStore;
  starter: RunStarter;
  webHost: string;
}

export type FoundIssue = { ok: true; issue: IssueRef } | { ok: false; message: string };

/** The first issue link of the configured GitHub host in a message's text. */
export function findIssueUrl(text: string, webHost: string): FoundIssue {
  const { issues, pullRequest } = issueLinks(text, webHost);
  const [first] = issues;
  if (first) return { ok: true, issue: first };
  if (pullRequest) {
    return {
      ok: false,
      message: "That message links a pull request, not an issue: Autofix fixes issues.",
    };
  }
  return {
    ok: false,
    message: `That message has no GitHub issue link (https://${webHost}/<owner>/<repo>/issues/<number>).`,
  };
}

/** "Autofix this issue" on a message: starts a run for the first issue URL in it, in that channel. */
export function autofixMessageShortcut(d: MessageShortcutDeps) {
  return async ({ ack, shortcut }: Args): Promise<void> => {
    await ack();
    const channel = shortcut.channel.id;
    const user = shortcut.user.id;
    const tell = (text: string) => tellPrivately(d, { channel, user }, text);
    try {
      const found = findIssueUrl(String(shortcut.message.text ?? ""), d.webHost);
      if (!found.ok) {
        await tell(found.message);
        return;
      }
      const policy = await d.settings.policy(channel);
      const refused = notAllowedMessage(found.issue, policy.allowedRepos, d.webHost);
      if (refused) {
        await tell(refused);
        return;
      }
      const team = await teamOf(d.slack, shortcut.team?.id);
      const result = await d.starter.start({ team, channel, user, issue: found.issue });
      if (!result.ok) await tell(refusalText(result.refusal));
    } catch (err) {
      d.logger.error({ err, channel }, "message shortcut failed");
      await tell(userMessage(err));
    }
  };
}

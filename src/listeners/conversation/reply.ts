import type { Logger } from "../../logger.ts";
import type { MentionOutcome } from "../../mentions/service.ts";
import type { Outages } from "../../runs/failure.ts";
import { notAllowedMessage } from "../../slack/allow-list.ts";
import {
  fileOffer,
  issuePicker,
  mentionHelp,
  REFUSALS,
} from "../../slack/blocks/mention-messages.ts";
import { section } from "../../slack/blocks/parts.ts";
import type { Message } from "../../slack/blocks/types.ts";
import type { SlackConversations } from "../../slack/conversation.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { escapeText } from "../../slack/mrkdwn.ts";

// What a person who mentioned the bot (or wrote in its DM) is told privately, by outcome.

export interface TellDeps {
  conversations: SlackConversations;
  outages: Outages;
  logger: Logger;
  webHost: string;
}

const plain = (text: string): Message => ({ text, blocks: [section(text)] });

/** The private answer an outcome calls for; undefined when the thread says it all. */
export function outcomeMessage(o: MentionOutcome, webHost: string): Message | undefined {
  switch (o.kind) {
    case "done":
      return undefined;
    case "help":
      return plain(mentionHelp(webHost));
    case "mentions_off":
      return plain(REFUSALS.mentionsOff);
    case "filing_off":
      return plain(REFUSALS.filingOff);
    case "no_repo":
      return plain(REFUSALS.noRepo);
    case "pull_request":
      return plain(REFUSALS.pullRequest);
    case "not_allowed":
      return plain(notAllowedMessage(o.issue, o.allowed, webHost) ?? "");
    case "repo_not_allowed":
      return plain(
        `${escapeText(o.repo)} is not on this channel's allow-list (${o.allowed.map(escapeText).join(", ")}), so no issue is filed there. Its approvers can change the default repository or the allow-list (App Home → Settings).`,
      );
    case "pick":
      return issuePicker(o);
    case "offer_filing":
      return fileOffer(o);
    case "refused":
      return plain(o.text);
  }
}

/** A failure of the bot itself, told to the person and (Kestra or Slack down) to the admins. */
export async function failedOutcome(
  d: TellDeps,
  err: unknown,
  what: string,
): Promise<MentionOutcome> {
  d.logger.error({ err }, `${what} failed`);
  await d.outages.outage(err, what);
  return { kind: "refused", text: userMessage(err) };
}

/** Privately, in the thread when Slack allows it, else in the channel; a failure is logged. */
export async function tell(
  d: TellDeps,
  where: { channel: string; user: string; threadTs: string | undefined },
  outcome: MentionOutcome,
): Promise<void> {
  const message = outcomeMessage(outcome, d.webHost);
  if (!message) return;
  await d.conversations.tell(where, message);
}

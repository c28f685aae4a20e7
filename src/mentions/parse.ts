import { type IssueLinks, issueLinks } from "../shared/issue-links.ts";

// What a message addressed to the bot says, once the bot's own mention is taken out: a request for
// help, issue links, or words (feedback in a run's thread, "fix this" elsewhere).

export interface Said {
  /** The text without the bot's mention(s), trimmed. */
  words: string;
  help: boolean;
  links: IssueLinks;
}

const HELP = /^(help|-h|--help|\?)$/i;

/** Whether the text mentions the bot (<@U…> or <@U…|name>). */
export function mentionsBot(text: string, botUserId: string): boolean {
  return botMention(botUserId).test(text);
}

export function readMention(text: string, botUserId: string, webHost: string): Said {
  const words = text.replace(botMention(botUserId, "g"), " ").replace(/\s+/g, " ").trim();
  return { words, help: HELP.test(words), links: issueLinks(words, webHost) };
}

/** The bot's mention, `<@U…>` or `<@U…|name>`. */
export function botMention(botUserId: string, flags = ""): RegExp {
  return new RegExp(`<@${botUserId}(?:\\|[^>]*)?>`, flags);
}

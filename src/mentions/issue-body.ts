// The GitHub issue filed from a Slack thread: a title to start from, and a body quoting the
// thread's messages with their authors' names and a link back. Slack's markup becomes Markdown;
// "@" before a word is broken with a zero-width space so that nobody on GitHub is pinged by it.

import { botMention } from "./parse.ts";

/** Messages the body quotes at most, and its length at most (GitHub allows 65,536 characters). */
export const MAX_MESSAGES = 40;
export const MAX_BODY_CHARS = 20_000;
const MAX_MESSAGE_CHARS = 4000;
const MAX_TITLE = 80;

export interface ThreadMessage {
  user: string | undefined;
  text: string;
}

export interface IssueDraft {
  title: string;
  body: string;
  /** Messages quoted, of the thread's messages worth quoting. */
  kept: number;
  total: number;
}

export interface DraftInput {
  /** The thread's messages, oldest first, the bot's own left out. */
  messages: ThreadMessage[];
  /** Slack user id → the name Slack shows. */
  names: ReadonlyMap<string, string>;
  botUserId: string;
  filer: string;
  permalink: string | undefined;
  /** Slack read fewer messages than the thread has. */
  readCut: boolean;
}

export function draftIssue(input: DraftInput): IssueDraft {
  const name = (id: string | undefined) => (id ? (input.names.get(id) ?? id) : "An app");
  const quoted = input.messages
    .map((m) => ({ user: m.user, text: markdown(m.text, input.botUserId, input.names) }))
    .filter((m) => m.text.length > 0);
  const where = input.permalink ? `[this Slack thread](${input.permalink})` : "a Slack thread";
  const head = `_Filed from ${where} by **${plainName(name(input.filer))}** with Autofix._\n`;
  const parts: string[] = [head];
  let length = head.length;
  let kept = 0;
  for (const m of quoted) {
    if (kept >= MAX_MESSAGES) break;
    const text =
      m.text.length > MAX_MESSAGE_CHARS ? `${m.text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : m.text;
    const part = `**${plainName(name(m.user))}** wrote:\n${text.replace(/^/gm, "> ")}\n`;
    if (length + part.length > MAX_BODY_CHARS - 200) break;
    parts.push(part);
    length += part.length;
    kept++;
  }
  const cut = kept < quoted.length || input.readCut;
  if (cut) {
    parts.push(
      `_The thread is longer: this issue holds its first ${kept} of ${input.readCut ? "more than " : ""}${quoted.length} messages. Read the rest in Slack._\n`,
    );
  }
  return {
    title: titleFrom(quoted[0]?.text),
    body: parts.join("\n"),
    kept,
    total: quoted.length,
  };
}

function titleFrom(text: string | undefined): string {
  const line = (text ?? "").split("\n").find((l) => l.trim().length > 0) ?? "";
  const plainLine = line
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*_`>]/g, "")
    .replace(/@\u200b/g, "@")
    .trim();
  if (!plainLine) return "Issue from Slack";
  return plainLine.length > MAX_TITLE ? `${plainLine.slice(0, MAX_TITLE - 1)}…` : plainLine;
}

/** A name in bold Markdown, without what would end the bold or ping someone. */
function plainName(name: string): string {
  return name.replace(/[*_`[\]<>]/g, "").replace(/@/g, "@\u200b");
}

/** Slack's message markup as GitHub Markdown, the bot's own mention left out. */
export function markdown(
  text: string,
  botUserId: string,
  names: ReadonlyMap<string, string>,
): string {
  return text
    .replace(botMention(botUserId, "g"), "")
    .replace(/<@([UW][A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, label?: string) =>
      plainName(names.get(id) ?? label ?? id),
    )
    .replace(/<#[CG][A-Z0-9]+\|([^>]*)>/g, "#$1")
    .replace(/<#[CG][A-Z0-9]+>/g, "#channel")
    .replace(/<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>/g, (_, label?: string) => label ?? "a group")
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, "$1")
    .replace(/<(https?:\/\/[^|>]+)\|([^>]+)>/g, "[$2]($1)")
    .replace(/<(https?:\/\/[^>]+)>/g, "$1")
    .replace(/<mailto:[^|>]+\|([^>]+)>/g, "$1")
    .replace(/@(?=\w)/g, "@\u200b")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .trim();
}

/** Who wrote in the thread, for the names to read once each. */
export function authorsOf(messages: readonly ThreadMessage[], botUserId: string): string[] {
  const ids = new Set<string>();
  for (const m of messages) {
    if (m.user && m.user !== botUserId) ids.add(m.user);
    for (const found of m.text.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)) {
      if (found[1] && found[1] !== botUserId) ids.add(found[1]);
    }
  }
  return [...ids];
}

import type { types } from "@slack/bolt";
import type { KnownBlock } from "./types.ts";

// The Block Kit pieces every builder uses. Texts are cut at Slack's limits (150 characters for a
// header, 3000 for mrkdwn), which callers keep well below with truncate where the text is long.

export const header = (text: string): KnownBlock => ({
  type: "header",
  text: { type: "plain_text", text: text.slice(0, 150) },
});

export const context = (text: string): KnownBlock => ({
  type: "context",
  elements: [{ type: "mrkdwn", text: text.slice(0, 3000) }],
});

export const section = (text: string, accessory?: types.SectionBlockAccessory): KnownBlock => ({
  type: "section",
  text: { type: "mrkdwn", text: text.slice(0, 3000) },
  ...(accessory ? { accessory } : {}),
});

export const divider: KnownBlock = { type: "divider" };

/** Who must act on a run, as mentions: its requester, then its approvers (people, user groups). */
export function mentions(requester: string, approvers: { users: string[]; groups: string[] }) {
  const people = [requester, ...approvers.users.filter((u) => u !== requester)];
  return [...people.map((u) => `<@${u}>`), ...approvers.groups.map((g) => `<!subteam^${g}>`)].join(
    " ",
  );
}

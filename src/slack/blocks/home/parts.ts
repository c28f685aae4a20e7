import type { types } from "@slack/bolt";
import type { HomeNav } from "./model.ts";
import { encodeNav } from "./nav.ts";

// Small Block Kit pieces shared by the dashboard's sections.

export type Block = types.KnownBlock;

export const header = (text: string): Block => ({
  type: "header",
  text: { type: "plain_text", text: text.slice(0, 150) },
});

export const context = (text: string): Block => ({
  type: "context",
  elements: [{ type: "mrkdwn", text: text.slice(0, 3000) }],
});

export const section = (text: string, accessory?: types.SectionBlockAccessory): Block => ({
  type: "section",
  text: { type: "mrkdwn", text: text.slice(0, 3000) },
  ...(accessory ? { accessory } : {}),
});

export const divider: Block = { type: "divider" };

export function button(
  text: string,
  actionId: string,
  opts: {
    value?: string;
    url?: string;
    style?: "primary" | "danger";
    confirm?: types.ConfirmationDialog;
  } = {},
): types.Button {
  return {
    type: "button",
    text: { type: "plain_text", text: text.slice(0, 75) },
    action_id: actionId,
    ...(opts.value !== undefined ? { value: opts.value } : {}),
    ...(opts.url !== undefined ? { url: opts.url } : {}),
    ...(opts.style ? { style: opts.style } : {}),
    ...(opts.confirm ? { confirm: opts.confirm } : {}),
  };
}

/** "Page x of y" and Previous/Next buttons whose value is the page they lead to. */
export function pager(
  what: string,
  page: number,
  pageCount: number,
  total: number,
  target: (page: number) => HomeNav,
  ids: { prev: string; next: string },
): Block[] {
  const blocks: Block[] = [context(`Page ${page} of ${pageCount} · ${total} ${what}`)];
  const buttons: types.Button[] = [];
  if (page > 1)
    buttons.push(button("◀ Previous", ids.prev, { value: encodeNav(target(page - 1)) }));
  if (page < pageCount)
    buttons.push(button("Next ▶", ids.next, { value: encodeNav(target(page + 1)) }));
  if (buttons.length > 0) blocks.push({ type: "actions", elements: buttons });
  return blocks;
}

/** Slack renders the date in the reader's time zone; the fallback is the ISO text. */
export function slackDate(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return undefined;
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${iso}>`;
}

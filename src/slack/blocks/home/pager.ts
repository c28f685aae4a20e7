import type { types } from "@slack/bolt";
import { plural } from "../../../shared/plural.ts";
import { button } from "../buttons.ts";
import { context } from "../parts.ts";
import type { KnownBlock } from "../types.ts";
import type { HomeNav } from "./model.ts";
import { encodeNav } from "./nav.ts";

// The dashboard's pager: its buttons carry the whole navigation state.

/** "Page x of y · n runs" and Previous/Next buttons whose value is the page they lead to. */
export function pager(
  what: { one: string; many: string },
  page: number,
  pageCount: number,
  total: number,
  target: (page: number) => HomeNav,
  ids: { prev: string; next: string },
): KnownBlock[] {
  const blocks: KnownBlock[] = [
    context(`Page ${page} of ${pageCount} · ${plural(total, what.one, what.many)}`),
  ];
  const buttons: types.Button[] = [];
  if (page > 1)
    buttons.push(button("◀ Previous", ids.prev, { value: encodeNav(target(page - 1)) }));
  if (page < pageCount)
    buttons.push(button("Next ▶", ids.next, { value: encodeNav(target(page + 1)) }));
  if (buttons.length > 0) blocks.push({ type: "actions", elements: buttons });
  return blocks;
}

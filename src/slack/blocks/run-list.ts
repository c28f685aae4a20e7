import { pageCount } from "../../shared/paging.ts";
import { plural } from "../../shared/plural.ts";
import { ACTIONS, BLOCKS } from "../ids.ts";
import { button } from "./buttons.ts";
import { section } from "./parts.ts";
import { type RunFacts, runRow } from "./run-status.ts";
import type { KnownBlock, Message } from "./types.ts";

export const LIST_FILTERS = ["all", "failed", "active"] as const;
export type ListFilter = (typeof LIST_FILTERS)[number];
export const LIST_PAGE_SIZE = 10;
/** Far past any real channel's history; bounds what a forged button value can ask for. */
export const MAX_LIST_PAGE = 1000;

export function isListFilter(word: string): word is ListFilter {
  return (LIST_FILTERS as readonly string[]).includes(word);
}

/** A pager button's value: only the filter and the page, never who or where. */
export function encodeListPage(filter: ListFilter, page: number): string {
  return `${filter}:${page}`;
}

/** The filter and page of a pager button, or undefined when the value is not one we made. */
export function decodeListPage(value: string): { filter: ListFilter; page: number } | undefined {
  const m = /^([a-z]+):([1-9]\d{0,3})$/.exec(value);
  if (!m) return undefined;
  const filter = m[1] ?? "";
  const page = Number(m[2]);
  if (!isListFilter(filter) || page > MAX_LIST_PAGE) return undefined;
  return { filter, page };
}

const FILTER_TEXT: Record<ListFilter, string> = {
  all: "Recent autofix runs",
  failed: "Failed autofix runs",
  active: "Active autofix runs",
};

const EMPTY_TEXT: Record<ListFilter, string> = {
  all: "No autofix run yet",
  failed: "No failed autofix run",
  active: "No active autofix run",
};

/** `/autofix list`: one page of runs, newest first, with Previous/Next buttons. */
export function runListMessage(opts: {
  channel: string;
  filter: ListFilter;
  page: number;
  total: number;
  runs: RunFacts[];
}): Message {
  const { channel, filter, page, total } = opts;
  if (total === 0) {
    const text = `${EMPTY_TEXT[filter]} in <#${channel}>.`;
    return { text, blocks: [section(text)] };
  }
  const pages = pageCount(total, LIST_PAGE_SIZE);
  const summary = `${FILTER_TEXT[filter]} in <#${channel}> — page ${page} of ${pages} (${plural(total, "run")})`;
  const blocks: KnownBlock[] = [
    section(`*${summary}*`),
    ...opts.runs.map((f): KnownBlock => section(runRow(f))),
  ];
  const buttons: Extract<KnownBlock, { type: "actions" }>["elements"] = [];
  if (page > 1) {
    buttons.push(
      button("◀ Previous", ACTIONS.listPrevious, { value: encodeListPage(filter, page - 1) }),
    );
  }
  if (page < pages) {
    buttons.push(button("Next ▶", ACTIONS.listNext, { value: encodeListPage(filter, page + 1) }));
  }
  if (buttons.length > 0)
    blocks.push({ type: "actions", block_id: BLOCKS.listPager, elements: buttons });
  return { text: summary, blocks };
}

import { LABELS } from "../contracts/flow.ts";
import { ACTIVE_STATES, FAILED_STATES, type RunQueries } from "../runs/queries.ts";
import { FAN_OUT, mapLimit } from "../shared/map-limit.ts";
import { pageCount } from "../shared/paging.ts";
import {
  isListFilter,
  LIST_FILTERS,
  LIST_PAGE_SIZE,
  type ListFilter,
  runListMessage,
} from "../slack/blocks/run-list.ts";
import type { Message } from "../slack/blocks/types.ts";
import { COMMAND } from "../slack/ids.ts";
import { quoted } from "./run-args.ts";
import { subcommand } from "./types.ts";

const STATES: Record<ListFilter, readonly string[] | undefined> = {
  all: undefined,
  failed: FAILED_STATES,
  active: ACTIVE_STATES,
};

export interface ListDeps {
  queries: RunQueries;
}

/** `/autofix list [all|failed|active]`. */
export const listCommand = subcommand<{ filter: ListFilter }, ListDeps>({
  name: "list",
  usage: `${COMMAND} list [${LIST_FILTERS.join("|")}]`,
  summary: `this channel's recent runs, newest first, ${LIST_PAGE_SIZE} per page (default: all)`,
  examples: [`${COMMAND} list failed`],
  parse(words) {
    const [first, ...rest] = words;
    if (first === undefined) return { ok: true, args: { filter: "all" } };
    const filter = first.toLowerCase();
    if (!isListFilter(filter)) {
      return {
        ok: false,
        message: `Unknown filter ${quoted(first)}: use ${LIST_FILTERS.map((f) => `\`${f}\``).join(", ")}.`,
      };
    }
    if (rest.length > 0) {
      return {
        ok: false,
        message: `\`/autofix list\` takes one filter; remove ${quoted(rest.join(" "))}.`,
      };
    }
    return { ok: true, args: { filter } };
  },
  async run(d, ctx, { filter }) {
    const message = await listRuns(d, { team: ctx.team, channel: ctx.channel, filter, page: 1 });
    await ctx.respond({ response_type: "ephemeral", ...message });
  },
});

/**
 * One page of a channel's runs. Shared by the command and the pager buttons, which pass the
 * clicker's own team and channel: a button value only ever chooses the filter and the page.
 */
export async function listRuns(
  d: ListDeps,
  where: { team: string; channel: string; filter: ListFilter; page: number },
): Promise<Message> {
  const states = STATES[where.filter];
  const search = (page: number) =>
    d.queries.searchTeamRuns(where.team, {
      labels: { [LABELS.channel]: where.channel },
      ...(states ? { states } : {}),
      page,
      size: LIST_PAGE_SIZE,
    });
  let page = where.page;
  let found = await search(page);
  // Runs may have been deleted since the button was drawn: show the last page that exists.
  if (found.runs.length === 0 && found.total > 0 && page > pageCount(found.total, LIST_PAGE_SIZE)) {
    page = pageCount(found.total, LIST_PAGE_SIZE);
    found = await search(page);
  }
  const runs = await mapLimit(found.runs, FAN_OUT, (r) =>
    d.queries.describeRun(r, { withPr: false }),
  );
  return runListMessage({
    channel: where.channel,
    filter: where.filter,
    page,
    total: found.total,
    runs,
  });
}

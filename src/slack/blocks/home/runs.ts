import type { types } from "@slack/bolt";
import { HOME_ACTIONS } from "../../ids.ts";
import { escapeText, link, prLink, slackDate, truncate } from "../../mrkdwn.ts";
import { button } from "../buttons.ts";
import { context, header, section } from "../parts.ts";
import { STATUS_EMOJI, STATUS_TEXT } from "../status-text.ts";
import type { KnownBlock } from "../types.ts";
import type { HomeNav, RunRow, RunsSection } from "./model.ts";
import { pager } from "./pager.ts";
import { GROUP_TITLE, groupRuns } from "./status.ts";

/** Recent runs the viewer may see, one page, grouped by state. */
export function runsBlocks(runs: RunsSection, nav: HomeNav): KnownBlock[] {
  const blocks: KnownBlock[] = [
    header("Recent runs"),
    context("Your runs, and those of the channels where you approve."),
  ];
  if (runs.error) {
    blocks.push(section(`⚠️ The runs cannot be listed right now: ${escapeText(runs.error)}`));
    return blocks;
  }
  if (runs.rows.length === 0) {
    blocks.push(
      section("No runs to show yet. Start one with *Fix* below or `/autofix <issue url>`."),
    );
    if (runs.note) blocks.push(context(runs.note));
    return blocks;
  }
  for (const { group, rows } of groupRuns(runs.rows)) {
    blocks.push(context(`*${GROUP_TITLE[group]}*`));
    for (const row of rows) blocks.push(runBlock(row));
  }
  blocks.push(
    ...pager(
      { one: "run", many: "runs" },
      runs.page,
      runs.pageCount,
      runs.total,
      (page) => ({ ...nav, runsPage: page }),
      { prev: HOME_ACTIONS.runsPrev, next: HOME_ACTIONS.runsNext },
    ),
  );
  if (runs.note) blocks.push(context(runs.note));
  return blocks;
}

export function runBlock(row: RunRow): KnownBlock {
  const title = row.title ? ` ${escapeText(truncate(row.title, 120))}` : "";
  const started = slackDate(row.startedAt);
  const links = [
    link(row.kestraUrl, "Kestra"),
    row.threadUrl ? link(row.threadUrl, "thread") : undefined,
    row.prUrl ? prLink(row.prUrl) : undefined,
  ].filter(Boolean);
  const lines = [
    `${STATUS_EMOJI[row.status]} *${escapeText(row.slug)}*${title}`,
    [
      STATUS_TEXT[row.status],
      `<#${row.channel}>`,
      `by <@${row.requester}>`,
      started ? `started ${started}` : undefined,
      links.join(" · "),
    ]
      .filter(Boolean)
      .join(" · "),
  ];
  return section(lines.join("\n"), runAction(row));
}

/**
 * Retry or Cancel where the run allows one; a run that is over has nothing to do, and its links
 * are in the row already. Neither is primary: the view's one primary action is "Fix selected".
 */
function runAction(row: RunRow): types.Button | undefined {
  switch (row.status) {
    case "failed":
    case "cancelled":
    case "expired":
      return button("Retry", HOME_ACTIONS.retry, { value: row.executionId });
    case "queued":
    case "running":
    case "awaiting_approval":
    case "creating_pr":
      return button("Cancel", HOME_ACTIONS.cancel, {
        value: row.executionId,
        style: "danger",
        confirm: {
          title: { type: "plain_text", text: "Cancel this run?" },
          text: { type: "mrkdwn", text: `Kill ${escapeText(truncate(row.slug, 200))} in Kestra.` },
          confirm: { type: "plain_text", text: "Cancel the run" },
          deny: { type: "plain_text", text: "Keep it" },
        },
      });
    default:
      return undefined;
  }
}

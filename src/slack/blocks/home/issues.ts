import type { types } from "@slack/bolt";
import { HOME_ACTIONS, HOME_BLOCKS } from "../../ids.ts";
import { escapeText, link, prLink, truncate } from "../../mrkdwn.ts";
import { button } from "../buttons.ts";
import { context, header, section } from "../parts.ts";
import type { KnownBlock } from "../types.ts";
import type { HomeNav, IssueRow, IssuesSection } from "./model.ts";
import { pager } from "./pager.ts";
import { canFix, FIX_TEXT } from "./status.ts";

const NOTES_MAX_CHARS = 2900;

/** "acme/api#42": the value of a row's checkbox. */
export function issueKey(row: Pick<IssueRow, "repo" | "number">): string {
  return `${row.repo}#${row.number}`;
}

/** Open issues of the dashboard's repositories, one page, with their fix status and Fix actions. */
export function issuesBlocks(issues: IssuesSection, nav: HomeNav): KnownBlock[] {
  const blocks: KnownBlock[] = [header("Open issues")];
  const scope = nav.channel ? `<#${nav.channel}>'s settings` : "the bot's defaults";
  const labels =
    issues.labels.length > 0
      ? `labelled ${issues.labels.map((l) => `\`${escapeText(l)}\``).join(" + ")}`
      : "all labels";
  blocks.push(
    context(
      issues.repos.length > 0
        ? `Repositories from ${scope}: ${issues.repos.map(escapeText).join(", ")} · ${labels}`
        : `No repositories in ${scope}. Set a default repository or an allow-list in *Settings* (or AUTOFIX_DEFAULT_REPO / AUTOFIX_ALLOWED_REPOS).`,
    ),
  );
  if (issues.notes.length > 0) blocks.push(context(notesText(issues)));
  if (issues.repos.length > 0 && issues.rows.length === 0) {
    blocks.push(section("No open issues match."));
    return blocks;
  }
  // One row per issue, its pick a checkbox on the row, and one "Fix selected" for the page: a
  // multi-select would list the issues a second time, and a Fix button per row would make each
  // row's action compete with the view's main one.
  for (const row of issues.rows) blocks.push(issueBlock(row));
  if (issues.rows.some((r) => canFix(r.fix))) {
    blocks.push({
      type: "actions",
      block_id: HOME_BLOCKS.fixActions,
      elements: [
        button("Fix selected", HOME_ACTIONS.fixSelected, { style: "primary", value: "selected" }),
      ],
    });
  }
  if (issues.total > 0) {
    blocks.push(
      ...pager(
        { one: "open issue", many: "open issues" },
        issues.page,
        issues.pageCount,
        issues.total,
        (page) => ({ ...nav, issuesPage: page }),
        { prev: HOME_ACTIONS.issuesPrev, next: HOME_ACTIONS.issuesNext },
      ),
    );
  }
  return blocks;
}

export function issueBlock(row: IssueRow): KnownBlock {
  const links = [
    row.runUrl ? link(row.runUrl, "run") : undefined,
    row.prUrl ? prLink(row.prUrl) : undefined,
  ].filter(Boolean);
  const status =
    links.length > 0 ? `${FIX_TEXT[row.fix]} (${links.join(" · ")})` : FIX_TEXT[row.fix];
  const text = `${link(row.url, issueKey(row))} ${escapeText(truncate(row.title, 200))}\n${status}`;
  return {
    ...section(text, canFix(row.fix) ? pick(row) : undefined),
    block_id: `${HOME_BLOCKS.issuePrefix}${issueKey(row)}`,
  };
}

/** The row's checkbox; its value is the issue, read from the view's state by "Fix selected". */
function pick(row: IssueRow): types.Checkboxes {
  const label = row.fix === "none" ? "Fix" : "Fix again";
  return {
    type: "checkboxes",
    action_id: HOME_ACTIONS.select,
    options: [{ text: { type: "plain_text", text: label }, value: issueKey(row) }],
  };
}

function notesText(issues: IssuesSection): string {
  const lines = issues.notes.map((n) => `⚠️ *${escapeText(n.repo)}*: ${n.text}`);
  let text = "";
  for (const [i, line] of lines.entries()) {
    const next = text ? `${text}\n${line}` : line;
    if (next.length > NOTES_MAX_CHARS) return `${text}\n…and ${lines.length - i} more`;
    text = next;
  }
  return text;
}

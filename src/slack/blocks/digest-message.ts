import { formatDuration } from "../../shared/duration.ts";
import { plural } from "../../shared/plural.ts";
import type { RunStatus } from "../../shared/run-status.ts";
import { escapeText, link, prLink, truncate } from "../mrkdwn.ts";
import { context, section } from "./parts.ts";
import { STATUS_EMOJI, STATUS_TEXT } from "./status-text.ts";
import type { KnownBlock, Message } from "./types.ts";

export interface DigestRow {
  slug: string;
  issueUrl: string;
  title: string | undefined;
  status: RunStatus;
  kestraUrl: string;
  prUrl: string | undefined;
  durationMs: number | undefined;
  tokens: number | undefined;
  costUsd: number | undefined;
}

export interface SkippedIssue {
  url: string;
  number: number;
  reason: string;
  title?: string | undefined;
  /** open_pr: the pull request that caused the skip. */
  prUrl?: string | undefined;
}

export interface DigestInput {
  repo: string;
  repoUrl: string;
  labels: string;
  max: number;
  prs: boolean;
  requester: string;
  status: RunStatus;
  kestraUrl: string;
  rows: DigestRow[];
  skipped: SkippedIssue[];
  /** One line under the header (a batch that couldn't start). */
  note?: string;
}

export interface Totals {
  fixed: number;
  awaiting: number;
  failed: number;
  rejected: number;
  inProgress: number;
  skipped: number;
}

// A row is up to ~330 characters; a section holds 3,000.
const ROWS_PER_SECTION = 8;

const SKIP_REASONS: Record<string, string> = {
  open_pr: "an autofix PR is already open",
  over_max: "over the max",
  in_progress: "a run is already in progress",
};

export function totals(rows: DigestRow[], skipped: SkippedIssue[]): Totals {
  const count = (...s: RunStatus[]) => rows.filter((r) => s.includes(r.status)).length;
  return {
    fixed: count("pr_opened", "pr_merged", "finished"),
    awaiting: count("awaiting_approval"),
    failed: count("failed", "expired", "cancelled"),
    rejected: count("rejected", "pr_closed"),
    inProgress: count("queued", "running", "creating_pr", "cancelling"),
    skipped: skipped.length,
  };
}

/** "3m 12s · 12.3k tokens · $0.04", from what the worker reported. */
export function formatMetrics(m: {
  durationMs?: number | undefined;
  tokens?: number | undefined;
  costUsd?: number | undefined;
}): string {
  const parts: string[] = [];
  if (m.durationMs !== undefined) parts.push(`⏱ ${formatDuration(m.durationMs)}`);
  if (m.tokens !== undefined) {
    parts.push(`${m.tokens >= 1000 ? `${(m.tokens / 1000).toFixed(1)}k` : m.tokens} tokens`);
  }
  if (m.costUsd !== undefined) parts.push(`$${m.costUsd.toFixed(2)}`);
  return parts.join(" · ");
}

function rowLine(r: DigestRow): string {
  const title = r.title ? ` ${escapeText(truncate(r.title, 60))}` : "";
  const extra = [r.prUrl ? prLink(r.prUrl) : link(r.kestraUrl, "run"), formatMetrics(r)].filter(
    (p) => p.length > 0,
  );
  return `${STATUS_EMOJI[r.status]} ${link(r.issueUrl, r.slug)}${title} — ${STATUS_TEXT[r.status]} · ${extra.join(" · ")}`;
}

function skippedLine(s: SkippedIssue): string {
  const title = s.title ? ` ${escapeText(truncate(s.title, 60))}` : "";
  const pr = s.prUrl ? ` (${prLink(s.prUrl)})` : "";
  return `⏭️ ${link(s.url, `#${s.number}`)}${title} — skipped: ${escapeText(SKIP_REASONS[s.reason] ?? s.reason)}${pr}`;
}

/**
 * How the batch itself reads: its own status, except once it has finished, when what its children
 * came to is the news ("Finished: 3 PRs opened, 1 patch, 1 rejected, 1 failed").
 */
function batchStatus(status: RunStatus, rows: DigestRow[]): string {
  if (status !== "finished") return STATUS_TEXT[status];
  const count = (...s: RunStatus[]) => rows.filter((r) => s.includes(r.status)).length;
  const parts = [
    [count("pr_opened"), "PR opened", "PRs opened"],
    [count("pr_merged"), "PR merged", "PRs merged"],
    [count("pr_closed"), "PR closed", "PRs closed"],
    [count("finished"), "patch", "patches"],
    [count("rejected"), "rejected", "rejected"],
    [count("failed", "expired", "cancelled"), "failed", "failed"],
  ] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, one, many]) => plural(n, one, many));
  return `Finished: ${said.length > 0 ? said.join(", ") : "no issue to fix"}`;
}

/** The batch's root message: one row per issue, updated in place, with totals. */
export function digestMessage(input: DigestInput): Message {
  const t = totals(input.rows, input.skipped);
  const status = batchStatus(input.status, input.rows);
  const mode = input.prs ? "pull requests" : "dry run";
  const blocks: KnownBlock[] = [
    section(
      `*Batch autofix for ${link(input.repoUrl, input.repo)}* — labels \`${escapeText(input.labels)}\`, up to ${plural(input.max, "issue")}, ${mode}`,
    ),
    context(
      `Requested by <@${input.requester}>  ·  ${STATUS_EMOJI[input.status]} *${status}*  ·  ${link(input.kestraUrl, "Kestra execution")}`,
    ),
  ];
  if (input.note) blocks.push(context(escapeText(input.note)));
  for (let i = 0; i < input.rows.length; i += ROWS_PER_SECTION) {
    const lines = input.rows
      .slice(i, i + ROWS_PER_SECTION)
      .map(rowLine)
      .join("\n");
    blocks.push(section(truncate(lines, 3000)));
  }
  if (input.rows.length === 0) {
    blocks.push(context("No child runs yet."));
  }
  if (input.skipped.length > 0) {
    const lines = input.skipped.slice(0, 30).map(skippedLine);
    if (input.skipped.length > 30) lines.push(`…and ${input.skipped.length - 30} more`);
    blocks.push(section(truncate(lines.join("\n"), 3000)));
  }
  const summary = `Fixed ${t.fixed} · awaiting approval ${t.awaiting} · failed ${t.failed} · rejected ${t.rejected} · skipped ${t.skipped}${t.inProgress ? ` · in progress ${t.inProgress}` : ""}`;
  blocks.push(context(summary));
  return {
    text: truncate(`Batch autofix for ${input.repo}: ${status} — ${summary}`, 3000),
    blocks,
  };
}

import { formatDuration } from "../../shared/duration.ts";
import type { RunStatus } from "../../shared/run-status.ts";
import { escapeText, link, prLink, slackDate, truncate } from "../mrkdwn.ts";
import { context, section } from "./parts.ts";
import { STATUS_EMOJI, STATUS_TEXT } from "./status-text.ts";
import { doingStep, whileStep } from "./step-words.ts";
import type { KnownBlock, Message } from "./types.ts";

/** What `/autofix status` and `/autofix list` show about one run. */
export interface RunFacts {
  executionId: string;
  slug: string;
  issueUrl: string | undefined;
  title: string | undefined;
  requester: string | undefined;
  status: RunStatus;
  /** The task running now, or the one that failed. */
  step: string | undefined;
  startedAt: string | undefined;
  durationMs: number | undefined;
  kestraUrl: string;
  threadUrl: string | undefined;
  prUrl: string | undefined;
}

function heading(f: RunFacts): string {
  const name = f.issueUrl ? link(f.issueUrl, f.slug) : escapeText(f.slug);
  const title = f.title ? ` — ${escapeText(truncate(f.title, 150))}` : "";
  return `*${name}*${title}`;
}

function stateLine(f: RunFacts): string {
  const parts = [`${STATUS_EMOJI[f.status]} *${STATUS_TEXT[f.status]}*`];
  if (f.step) parts.push(f.status === "failed" ? `failed ${whileStep(f.step)}` : doingStep(f.step));
  if (f.durationMs !== undefined) parts.push(formatDuration(f.durationMs));
  return parts.join("  ·  ");
}

function linkLine(f: RunFacts): string {
  const parts = [link(f.kestraUrl, "Kestra execution")];
  if (f.threadUrl) parts.push(link(f.threadUrl, "Slack thread"));
  if (f.prUrl) parts.push(prLink(f.prUrl));
  return parts.join("  ·  ");
}

function whoLine(f: RunFacts): string {
  const parts: string[] = [];
  if (f.requester) parts.push(`requested by <@${f.requester}>`);
  const started = slackDate(f.startedAt);
  if (started) parts.push(`started ${started}`);
  // A run with an issue is named by it (acme/api#42); a batch only by Kestra's id.
  if (!f.issueUrl) parts.push(`id \`${escapeText(f.executionId)}\``);
  return parts.join("  ·  ");
}

/** One run in a listing: a single section. */
export function runRow(f: RunFacts): string {
  return [heading(f), stateLine(f), `${linkLine(f)}  ·  ${whoLine(f)}`].join("\n");
}

/** `/autofix status <id | issue-url>`. */
export function runStatusMessage(f: RunFacts): Message {
  return {
    text: `Autofix for ${f.slug}: ${STATUS_TEXT[f.status]}`,
    blocks: [section(`${heading(f)}\n${stateLine(f)}`), context(linkLine(f)), context(whoLine(f))],
  };
}

/** `/autofix status` with no argument: the channel's runs that have not ended. */
export function activeRunsMessage(opts: {
  channel: string;
  runs: RunFacts[];
  total: number;
}): Message {
  if (opts.runs.length === 0) {
    const text = `No autofix run is active in <#${opts.channel}>. \`/autofix list\` shows the recent ones.`;
    return { text, blocks: [section(text)] };
  }
  const blocks: KnownBlock[] = [
    section(`*Active autofix runs in <#${opts.channel}>* (${opts.total})`),
    ...opts.runs.map((f): KnownBlock => section(runRow(f))),
  ];
  if (opts.total > opts.runs.length) {
    blocks.push(
      context(
        `Showing the ${opts.runs.length} newest; \`/autofix list active\` pages through all of them.`,
      ),
    );
  }
  return { text: `${opts.total} active autofix run(s) in this channel`, blocks };
}

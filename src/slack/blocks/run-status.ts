import { SINGLE_INPUTS } from "../../contracts/flow.ts";
import { type Execution, isTerminal } from "../../kestra/types.ts";
import { contextOf } from "../../runs/context.ts";
import { deriveView, type RunStatus, STATUS_EMOJI, STATUS_TEXT } from "../../runs/status.ts";
import { escapeText, link, truncate } from "../mrkdwn.ts";
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

const ISSUE_URL = /^https:\/\/[^/\s|<>]+\/[^/\s|<>]+\/[^/\s|<>]+\/issues\/\d+$/;

/** The facts Kestra's execution holds; links the caller looked up are passed in. */
export function factsOf(
  execution: Execution,
  opts: { kestraUrl: string; now: number; threadUrl?: string; prUrl?: string },
): RunFacts {
  const ctx = contextOf(execution);
  const view = deriveView(execution);
  const issueInput = execution.inputs?.[SINGLE_INPUTS.issueUrl];
  const slug = ctx?.repo && ctx.issue ? `${ctx.repo}#${ctx.issue}` : (ctx?.repo ?? execution.id);
  return {
    executionId: execution.id,
    slug,
    issueUrl: typeof issueInput === "string" && ISSUE_URL.test(issueInput) ? issueInput : undefined,
    title: ctx?.title,
    requester: ctx?.user,
    status: view.status,
    step: view.status === "failed" ? view.failedTask : currentStep(execution),
    startedAt: startOf(execution),
    durationMs: durationOf(execution, opts.now),
    kestraUrl: opts.kestraUrl,
    threadUrl: opts.threadUrl,
    prUrl: opts.prUrl,
  };
}

/** The last task run that has not ended, for a run that has not ended. */
function currentStep(execution: Execution): string | undefined {
  if (isTerminal(execution.state.current)) return undefined;
  return execution.taskRunList.filter((t) => !isTerminal(t.state.current)).at(-1)?.taskId;
}

function startOf(execution: Execution): string | undefined {
  return execution.state.startDate ?? execution.state.histories[0]?.date ?? undefined;
}

/** From the start to the end, or to now while the run goes on (Kestra also stamps an end on pauses). */
function durationOf(execution: Execution, now: number): number | undefined {
  const start = Date.parse(startOf(execution) ?? "");
  const ended = isTerminal(execution.state.current);
  const end = ended
    ? Date.parse(execution.state.endDate ?? execution.state.histories.at(-1)?.date ?? "")
    : now;
  if (!Number.isFinite(start) || !Number.isFinite(end)) return undefined;
  return Math.max(0, end - start);
}

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Slack renders the date in the reader's time zone; the fallback is shown where it cannot. */
function slackDate(iso: string): string | undefined {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return undefined;
  const fallback = new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

function heading(f: RunFacts): string {
  const name = f.issueUrl ? link(f.issueUrl, f.slug) : escapeText(f.slug);
  const title = f.title ? ` — ${escapeText(truncate(f.title, 150))}` : "";
  return `*${name}*${title}`;
}

function stateLine(f: RunFacts): string {
  const parts = [`${STATUS_EMOJI[f.status]} *${STATUS_TEXT[f.status]}*`];
  if (f.step)
    parts.push(`${f.status === "failed" ? "failed at" : "step"} \`${escapeText(f.step)}\``);
  if (f.durationMs !== undefined) parts.push(formatDuration(f.durationMs));
  return parts.join("  ·  ");
}

function linkLine(f: RunFacts): string {
  const parts = [link(f.kestraUrl, "Kestra execution")];
  if (f.threadUrl) parts.push(link(f.threadUrl, "Slack thread"));
  if (f.prUrl) parts.push(link(f.prUrl, "Pull request"));
  return parts.join("  ·  ");
}

function whoLine(f: RunFacts): string {
  const parts: string[] = [];
  if (f.requester) parts.push(`requested by <@${f.requester}>`);
  const started = f.startedAt ? slackDate(f.startedAt) : undefined;
  if (started) parts.push(`started ${started}`);
  parts.push(`id \`${escapeText(f.executionId)}\``);
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
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `${heading(f)}\n${stateLine(f)}` } },
      { type: "context", elements: [{ type: "mrkdwn", text: linkLine(f) }] },
      { type: "context", elements: [{ type: "mrkdwn", text: whoLine(f) }] },
    ],
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
    return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
  }
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `*Active autofix runs in <#${opts.channel}>* (${opts.total})`,
      },
    },
    ...opts.runs.map(
      (f): KnownBlock => ({ type: "section", text: { type: "mrkdwn", text: runRow(f) } }),
    ),
  ];
  if (opts.total > opts.runs.length) {
    blocks.push({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: `Showing the ${opts.runs.length} newest; \`/autofix list active\` pages through all of them.`,
        },
      ],
    });
  }
  return { text: `${opts.total} active autofix run(s) in this channel`, blocks };
}

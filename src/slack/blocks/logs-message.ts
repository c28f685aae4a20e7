import { codeBlock, escapeText, link, truncate } from "../mrkdwn.ts";
import { context, section } from "./parts.ts";
import type { Message } from "./types.ts";

/** What a log excerpt shows of a Kestra log entry. */
export interface LogEntryInput {
  timestamp?: string | null | undefined;
  level: string;
  taskId?: string | null | undefined;
  message?: string | null | undefined;
}

/** Section text is limited to 3000 characters once escaped; leave room for the fences. */
const MAX_BLOCK_CHARS = 2900;
const MAX_LINE_CHARS = 400;

export function logLine(entry: LogEntryInput): string {
  const time = entry.timestamp ? `${entry.timestamp.replace(/\.\d+Z$/, "Z")} ` : "";
  const task = entry.taskId ? ` ${entry.taskId}` : "";
  const message = (entry.message ?? "").replace(/\s+$/, "");
  return truncate(`${time}${entry.level}${task}: ${message}`, MAX_LINE_CHARS);
}

/** The newest lines that fit in one code block, oldest first; the rest is left to the full logs. */
export function newestLinesThatFit(entries: LogEntryInput[], maxChars = MAX_BLOCK_CHARS): string[] {
  const kept: string[] = [];
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (!entry) continue;
    const candidate = [logLine(entry), ...kept];
    if (codeBlock(candidate.join("\n"), Number.MAX_SAFE_INTEGER).length > maxChars) break;
    kept.unshift(logLine(entry));
  }
  return kept;
}

/** `/autofix logs`: the last WARN/ERROR lines of a run (untrusted text) and a link to all of them. */
export function logsMessage(opts: {
  slug: string;
  entries: LogEntryInput[];
  logsUrl: string;
}): Message {
  const full = link(opts.logsUrl, "Full logs in Kestra");
  const name = `*${escapeText(opts.slug)}*`;
  const lines = newestLinesThatFit(opts.entries);
  if (lines.length === 0) {
    const text = `No warning or error in the logs of ${name}. ${full}`;
    return { text, blocks: [section(text)] };
  }
  const count =
    lines.length < opts.entries.length
      ? `the last ${lines.length} of ${opts.entries.length}`
      : `${lines.length}`;
  const header = `Warnings and errors of ${name}: ${count} ${lines.length === 1 ? "line" : "lines"}`;
  return {
    text: `Warnings and errors of ${opts.slug}`,
    blocks: [
      section(header),
      section(codeBlock(lines.join("\n"), Number.MAX_SAFE_INTEGER)),
      context(full),
    ],
  };
}

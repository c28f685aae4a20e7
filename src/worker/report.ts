import type { AutofixResult } from "../contracts/result.ts";

// What the worker hands back: summary.md for people, the Kestra outputs line for the flow.

/**
 * Kestra reads `::{"outputs":{…}}::` from a script's stdout into outputs.<task>.vars.
 * JSON.stringify never emits a raw newline, so the line stays one line.
 */
export function kestraOutputsLine(values: Record<string, unknown>): string {
  return `::${JSON.stringify({ outputs: values })}::`;
}

export const MAX_SHORT_SUMMARY = 300;

/** One line for Slack and Kestra: counts, then the start of the agent's explanation. */
export function shortSummary(result: AutofixResult): string {
  const files = `${result.files.length} file${result.files.length === 1 ? "" : "s"}`;
  const head = `${files} changed (+${result.additions} -${result.deletions})`;
  const why = result.explanation?.replace(/\s+/g, " ").trim();
  const line = why ? `${head}: ${why}` : head;
  return line.length > MAX_SHORT_SUMMARY ? `${line.slice(0, MAX_SHORT_SUMMARY - 1)}…` : line;
}

export function renderSummary(result: AutofixResult): string {
  const { issue } = result;
  const agent = result.agent.model
    ? `${result.agent.name} (${result.agent.model})`
    : result.agent.name;
  const lines = [
    `# Fix for ${issue.owner}/${issue.repo}#${issue.number}: ${mdInline(issue.title)}`,
    "",
    `- Issue: ${issue.url}`,
    `- Agent: ${agent}`,
    `- Duration: ${(result.durationMs / 1000).toFixed(1)} s`,
    `- Changes: ${result.files.length} file${result.files.length === 1 ? "" : "s"}, +${result.additions} -${result.deletions}`,
  ];
  const usage = result.usage;
  if (usage) {
    const parts: string[] = [];
    if (usage.inputTokens !== undefined) parts.push(`${usage.inputTokens} input tokens`);
    if (usage.outputTokens !== undefined) parts.push(`${usage.outputTokens} output tokens`);
    if (usage.costUsd !== undefined) parts.push(`$${usage.costUsd.toFixed(4)}`);
    if (parts.length > 0) lines.push(`- Usage: ${parts.join(", ")}`);
  }
  lines.push("", "| File | + | - |", "| --- | ---: | ---: |");
  for (const f of result.files) {
    lines.push(`| \`${f.path.replaceAll("|", "\\|")}\` | ${f.additions} | ${f.deletions} |`);
  }
  if (result.explanation) {
    lines.push("", "## Explanation", "", result.explanation.trim());
  }
  return `${lines.join("\n")}\n`;
}

function mdInline(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

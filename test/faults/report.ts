import { ALERTS, CHANNEL } from "../support/harness.ts";
import type { callCounts } from "./play.ts";
import type { Figures, Played } from "./verdict.ts";
import type { World } from "./world.ts";

// The figures the suites print: per run what was played, where kills landed, what it cost.

export type Counts = ReturnType<typeof callCounts>;

export function delta(after: Counts, before: Counts): Counts {
  const minus = (a: Map<string, number>, b: Map<string, number>) => {
    const out = new Map<string, number>();
    for (const [k, v] of a) if (v - (b.get(k) ?? 0) > 0) out.set(k, v - (b.get(k) ?? 0));
    return out;
  };
  return { slack: minus(after.slack, before.slack), kestra: minus(after.kestra, before.kestra) };
}

export function total(m: Map<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

/** "chat.update×5, chat.postMessage×4" (largest first). */
export function breakdown(m: Map<string, number>): string {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k}×${v}`)
    .join(", ");
}

export function figuresLine(f: Figures): string {
  return `duplicates=${f.duplicates} lost=${f.lost} open buttons=${f.openButtons} missing=${f.missing} wrong root=${f.wrongRoot} unexpected=${f.unexpected} extra runs=${f.extraRuns}`;
}

/** Median calls per run of each scenario, and the overall mean. */
export function costTable(
  rows: { scenario: string; executions: number; cost: Counts }[],
): string[] {
  const lines: string[] = [];
  const by = new Map<string, { slack: number[]; kestra: number[]; executions: number }>();
  for (const r of rows) {
    const e = by.get(r.scenario) ?? { slack: [], kestra: [], executions: r.executions };
    e.slack.push(total(r.cost.slack));
    e.kestra.push(total(r.cost.kestra));
    by.set(r.scenario, e);
  }
  for (const [scenario, e] of by) {
    lines.push(
      `  ${scenario.padEnd(10)} (${e.executions} execution${e.executions > 1 ? "s" : ""}, n=${e.slack.length}): Slack ${median(e.slack)}, Kestra ${median(e.kestra)} (median per run)`,
    );
  }
  const slack = rows.reduce((n, r) => n + total(r.cost.slack), 0);
  const kestra = rows.reduce((n, r) => n + total(r.cost.kestra), 0);
  lines.push(
    `  all ${rows.length} runs: Slack ${slack} (${(slack / rows.length).toFixed(1)}/run), Kestra ${kestra} (${(kestra / rows.length).toFixed(1)}/run)`,
  );
  return lines;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/**
 * What a person sees of a run that went wrong: the root, the thread's replies and files, and the
 * alerts about its runs, each with the identity the bot gave it (or "-").
 */
export function seen(w: World, played: Played): string[] {
  const ids = played.runs.map((r) => r.id);
  const idOf = (m: { metadata?: { event_payload?: Record<string, unknown> } | undefined }) => {
    const meta = m.metadata?.event_payload;
    return meta ? `${String(meta["run"])} ${String(meta["key"])}` : "-";
  };
  const root = w.slack.message(CHANNEL, played.rootTs);
  const lines = [
    `    root ${played.rootTs} [${root ? idOf(root) : "?"}]: ${root?.text ?? "(none)"}`,
  ];
  for (const m of w.slack.thread(CHANNEL, played.rootTs)) {
    const names = m.files.map((id) => w.slack.files.find((f) => f.id === id)?.filename ?? id);
    const files = names.length > 0 ? ` (files: ${names.join(", ")})` : "";
    lines.push(`    reply ${m.ts} [${idOf(m)}]: ${m.text.slice(0, 100)}${files}`);
  }
  for (const m of w.slack.channelMessages(ALERTS)) {
    if (ids.some((id) => JSON.stringify([m.text, m.blocks, m.metadata]).includes(id))) {
      lines.push(`    alert ${m.ts} [${idOf(m)}]: ${m.text.slice(0, 100)}`);
    }
  }
  for (const e of w.slack.ephemerals) {
    if (e.channel === ALERTS || e.threadTs === played.rootTs)
      lines.push(`    ephemeral to ${e.user} in ${e.channel}: ${e.text.slice(0, 100)}`);
  }
  for (const url of played.responseUrls ?? []) {
    const answers = w.slack.responses(url).map((b) => String((b as { text?: unknown }).text));
    lines.push(`    command answered: ${answers.join(" / ") || "(nothing)"}`);
  }
  if (played.error) lines.push(`    broke down: ${played.error}`);
  for (const id of ids) {
    const e = w.kestra.execution(id);
    lines.push(`    kestra ${id}: ${e.state.histories.map((h) => h.state).join(" → ")}`);
  }
  return lines;
}

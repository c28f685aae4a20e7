import type { callCounts } from "./play.ts";
import type { Figures } from "./verdict.ts";

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
  return `duplicates=${f.duplicates} lost=${f.lost} open buttons=${f.openButtons} missing=${f.missing} wrong root=${f.wrongRoot} unexpected=${f.unexpected}`;
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

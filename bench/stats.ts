/** Nearest-rank percentile of a sample, in the sample's unit. */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function summary(sample: readonly number[]): { n: number; median: number; p99: number } {
  return { n: sample.length, median: percentile(sample, 50), p99: percentile(sample, 99) };
}

export const ms = (v: number): string => `${v.toFixed(2)} ms`;

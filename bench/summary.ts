// Figures a benchmark reports to `npm run bench` (bench/all.ts): when ALOFT_BENCH_SUMMARY names a file, each figure
// is appended to it as one JSON line; otherwise nothing happens (the benchmark's own output is unchanged).
import { appendFileSync } from "node:fs";

export interface Figure {
  /** What was measured, e.g. "ListExecutions newest 20, sqlite 10k, p99". */
  figure: string;
  value: number;
  /** The baseline measured in the same run, in the same unit. */
  baseline: number;
  unit: string;
  /** The goal, as text (e.g. "< 20 ms", "≤ 1.2× bare"). */
  goal: string;
}

export function report(bench: string, figures: readonly Figure[]): void {
  const file = process.env["ALOFT_BENCH_SUMMARY"];
  if (!file) return;
  for (const f of figures) appendFileSync(file, `${JSON.stringify({ bench, ...f })}\n`);
}

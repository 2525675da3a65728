// A node:test reporter that prints, after the run, the test files that took longest (the sum of their top-level tests'
// and suites' durations, hooks included), so that the cost of the suite stays visible in every CI log.
// ALOFT_TEST_SLOWEST=<n> sets how many files are listed (default 15).
import { relative } from "node:path";

export default async function* slowest(source) {
  const perFile = new Map();
  for await (const event of source) {
    if ((event.type === "test:pass" || event.type === "test:fail") && event.data.nesting === 0 && event.data.file) {
      const file = relative(process.cwd(), event.data.file);
      perFile.set(file, (perFile.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0));
    }
  }
  const limit = Number(process.env.ALOFT_TEST_SLOWEST ?? 15);
  const rows = [...perFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit);
  const total = [...perFile.values()].reduce((a, b) => a + b, 0);
  yield `\nslowest test files (sum of top-level durations; all ${perFile.size} files: ${(total / 1000).toFixed(0)} s):\n`;
  for (const [file, ms] of rows) yield `${(ms / 1000).toFixed(1).padStart(8)} s  ${file}\n`;
}

// `npm run bench`: every benchmark, one after another, at quick sizes (`--full`: each benchmark's own defaults), then
// one table of the figures they report (bench/summary.ts): figure, value, baseline from the same run, ratio, goal.
// A benchmark that reports nothing is listed with its exit status and duration. `--only lists,engine` runs a subset.
// Usage: npm run bench [-- --full] [--only <names>]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { full: { type: "boolean", default: false }, only: { type: "string" } } });

/** name → [script, quick arguments]. Quick sizes keep the whole run well under 15 minutes on 2 busy cores. */
const BENCHES: Array<[string, string, string[]]> = [
  ["api", "api.bench.ts", ["--requests", "1000", "--projects", "100"]],
  ["grpc", "grpc.bench.ts", ["--requests", "1000", "--rounds", "1"]],
  ["registry", "registry.bench.ts", ["--sizes", "10000", "--samples", "50"]],
  ["events", "events.bench.ts", ["--nodes", "1000"]],
  ["launch", "launch.bench.ts", ["--runs", "5"]],
  ["engine", "engine.bench.ts", ["--nodes", "100"]],
  ["sdk-map", "sdk-map.bench.ts", ["--n", "50"]],
  ["literal", "huge-literal.bench.ts", ["--elements", "100000", "--runs", "1"]],
  ["scheduler", "scheduler.bench.ts", ["--schedules", "1000", "--minutes", "1"]],
  ["scale", "scale.bench.ts", ["--elements", "1000", "--nodes", "500"]],
  ["operator", "operator.bench.ts", ["--servers", "100"]],
  ["kube", "kube-engine.bench.ts", ["--workflows", "200"]],
  ["lists", "lists.bench.ts", ["--rows", "10000", "--seconds", "1"]],
  ["admin-reads", "admin-reads.bench.ts", ["--nodes", "500,5000", "--samples", "5"]],
  ["console", "console.bench.ts", ["--runs", "1", "--timeout", "20"]],
  ["start", "start.bench.ts", ["--runs", "3"]],
];

const root = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "aloft-bench-"));
const summary = join(dir, "summary.jsonl");
const only = values.only?.split(",");
const ran: Array<{ name: string; code: number | null; seconds: number }> = [];
try {
  for (const [name, script, quick] of BENCHES) {
    if (only && !only.includes(name)) continue;
    process.stderr.write(`\n=== bench ${name}\n`);
    const t0 = performance.now();
    if (name === "start") {
      // It times the compiled server: build first, as `npm run bench:start` does.
      const build = spawn("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
      await new Promise((resolve) => build.once("exit", resolve));
    }
    // start.bench.ts spawns the compiled server: it runs under plain node (tsx for the benchmark file only).
    const conditions = name === "start" ? [] : ["--conditions=@aloft/source"];
    const child = spawn(
      process.execPath,
      [...conditions, "--import", "tsx", join(root, "bench", script), ...(values.full ? [] : quick)],
      { cwd: root, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, ALOFT_BENCH_SUMMARY: summary } },
    );
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    ran.push({ name, code, seconds: (performance.now() - t0) / 1000 });
  }
  let lines: string[] = [];
  try {
    lines = readFileSync(summary, "utf8").split("\n").filter(Boolean);
  } catch {
    // nothing reported
  }
  const figures = lines.map(
    (l) =>
      JSON.parse(l) as { bench: string; figure: string; value: number; baseline: number; unit: string; goal: string },
  );
  const n = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
  console.log(`\nnpm run bench${values.full ? " --full" : ""} (node ${process.version})\n`);
  console.log("| bench | figure | value | baseline (same run) | ratio | goal |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const f of figures) {
    const ratio = f.baseline > 0 ? `${(f.value / f.baseline).toFixed(2)}×` : "";
    console.log(
      `| ${f.bench} | ${f.figure} | ${n(f.value)} ${f.unit} | ${f.baseline > 0 ? `${n(f.baseline)} ${f.unit}` : ""} | ${ratio} | ${f.goal} |`,
    );
  }
  for (const r of ran) {
    const reported = figures.some((f) => f.bench === r.name);
    if (!reported || r.code !== 0) {
      console.log(
        `| ${r.name} | ${r.code === 0 ? "ran (figures in its own output above)" : `FAILED (exit ${r.code})`} | | | | |`,
      );
    }
  }
  console.log(`\n${ran.map((r) => `${r.name} ${r.seconds.toFixed(0)} s`).join(", ")}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

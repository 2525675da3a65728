// Engine overhead per node: a 1,000-node chain and a 1,000-wide fan-out of no-op tasks (`true` as a local process),
// launched through the API of an in-process sandbox (SQLite, events into admin), against spawning the same no-op
// process bare — one after another for the chain, `maxConcurrentTasks` at a time for the fan-out — in the same run.
// Besides wall time per node, the CPU this process used per node (engine, admin, SQLite and the polling client all
// run in it; user + system, with the engine's task spawner but not the tasks): less disturbed than wall time by other
// work on the machine. After an unmeasured warm-up chain, each shape runs `--reps` times, each after its own bare
// spawns; the figures are the medians (one run's figure moved 2–3× with the machine, issue 16), printed with their
// range, the CPU split (main thread, other threads, spawner), the time the main thread waited for a CPU, the engine's
// rounds and queue adds per node (its /metrics) and a speed probe of the machine before each repetition.
// Usage: npm run bench:engine [-- --nodes 1000 --concurrency 8 --poll-ms 1000 --spawner on|off|posix --reps 3 --warmup 20]
import { parseArgs } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { startTestPlatform } from "@aloft/testkit";
import { registerWorkflow, taskNode } from "@aloft/testkit";
import { spawnTrue } from "./bare-spawn.ts";
import { cpuPer, cpuSnapshot, median, speedProbe, type CpuSnapshot } from "./process-cpu.ts";
import { processTask } from "./process-task.ts";
import { statusWrite } from "./status-write.ts";
import { report } from "./summary.ts";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "8" },
    "poll-ms": { type: "string", default: "1000" },
    // off: the engine forks its task processes itself (engine.taskSpawner false), for a before/after in one session.
    spawner: { type: "string", default: "on" },
    reps: { type: "string", default: "3" },
    warmup: { type: "string", default: "20" },
  },
});
const N = Number(values.nodes);
const C = Number(values.concurrency);
const REPS = Math.max(1, Number(values.reps));
const P = "flytesnacks";
const D = "development";

interface Figure {
  ms: number;
  /** The process's CPU plus its task spawner's, per node. */
  cpu: number;
  split?: CpuSnapshot;
  /** Engine rounds and work queue adds per node. */
  rounds?: number;
  adds?: number;
  probe?: number;
}
// This process's CPU plus that of its `node` children alive at the moment (the engine's task spawner, which starts
// the task processes for it): the cost of starting a task counts wherever it is paid.
const cpuMs = () => {
  const s = cpuSnapshot();
  return s.process + s.spawner;
};
async function bare(concurrency: number): Promise<Figure> {
  const t0 = performance.now();
  const c0 = cpuMs();
  await spawnTrue(N, concurrency);
  return { ms: (performance.now() - t0) / N, cpu: (cpuMs() - c0) / N };
}

const platform = await startTestPlatform({
  engine: true,
  overrides: {
    registration: { maxWorkflowNodes: N + 10 },
    engine: {
      maxConcurrentTasks: C,
      pollIntervalMs: Number(values["poll-ms"]),
      workers: 4,
      taskSpawner: values.spawner !== "off",
      // posix: through a python3 posix_spawn helper (engine.taskSpawnHelper).
      ...(values.spawner === "posix" ? { taskSpawnHelper: "/usr/bin/python3" } : {}),
    },
  },
});
const admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
const noop = processTask("noop", ["true"]);

// Tasks that run for a while: what watching running processes costs (rounds every poll interval while they run).
const SLEEP_S = 2;
const sleeper = processTask("sleeper", ["sleep", String(SLEEP_S)]);

// The engine's counters on admin's /metrics: rounds (one streak_length count each) and work queue adds.
async function engineCounts(): Promise<{ rounds: number; adds: number }> {
  const text = await (await fetch(`${platform.httpUrl}/metrics`)).text();
  const sum = (name: string) =>
    text
      .split("\n")
      .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
      .reduce((t, l) => t + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
  return {
    rounds: sum("flyte:propeller:all:round:streak_length_unlabeled"),
    adds: sum("flyte:propeller:all:main_adds"),
  };
}

const registered = new Set<string>();
async function run(name: string, chain: boolean, n = N, task = noop): Promise<Figure> {
  const first = !registered.has(task.id!.name);
  registered.add(task.id!.name);
  const lp = await registerWorkflow(admin, {
    project: P,
    domain: D,
    name,
    version: "v1",
    tasks: first ? [task] : [],
    inputs: [],
    outputs: {},
    nodes: Array.from({ length: n }, (_, i) => taskNode(`n${i}`, task.id!, {}, chain && i > 0 ? [`n${i - 1}`] : [])),
  });
  const probe = speedProbe();
  const k0 = await engineCounts();
  const t0 = performance.now();
  const s0 = cpuSnapshot();
  const { id: exec } = await admin.createExecution({ project: P, domain: D, spec: { launchPlan: lp } });
  for (;;) {
    const ex = await admin.getExecution({ id: exec });
    const phase = ex.closure!.phase;
    if (phase === WorkflowExecution_Phase.SUCCEEDED) break;
    if (phase === WorkflowExecution_Phase.FAILED || phase === WorkflowExecution_Phase.ABORTED)
      throw new Error(`${name} ended ${WorkflowExecution_Phase[phase]}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const ms = (performance.now() - t0) / n;
  const split = cpuPer(s0, cpuSnapshot(), n);
  const k1 = await engineCounts();
  const rounds = (k1.rounds - k0.rounds) / n;
  return { ms, cpu: split.process + split.spawner, split, rounds, adds: (k1.adds - k0.adds) / n, probe };
}

/** The median of each figure over the repetitions, and each repetition (printed). */
function medianOf(fs: Figure[]): Figure & { all: Figure[] } {
  const m = (f: (x: Figure) => number) => median(fs.map(f));
  return { ms: m((f) => f.ms), cpu: m((f) => f.cpu), all: fs };
}
if (Number(values.warmup) > 0) await run("warmup", true, Number(values.warmup));
const reps: { bareSeq: Figure; chain: Figure; bareConc: Figure; fanout: Figure }[] = [];
for (let r = 0; r < REPS; r++) {
  const bareSeq = await bare(1);
  const chain = await run(`chain${r}`, true);
  const bareConc = await bare(C);
  const fanout = await run(`fanout${r}`, false);
  reps.push({ bareSeq, chain, bareConc, fanout });
}
const bareSeq = medianOf(reps.map((r) => r.bareSeq));
const chain = medianOf(reps.map((r) => r.chain));
const bareConc = medianOf(reps.map((r) => r.bareConc));
const fanout = medianOf(reps.map((r) => r.fanout));
const sleepers = await run("sleepers", false, 2 * C, sleeper);
// Baseline for the sleepers: the same process idle (the client polling the same way) for as long as they ran.
async function idle(ms: number): Promise<number> {
  const c0 = cpuMs();
  const until = performance.now() + ms;
  while (performance.now() < until) {
    await admin.getProject({ id: P });
    await new Promise((r) => setTimeout(r, 100));
  }
  return cpuMs() - c0;
}
const sleepersWall = sleepers.ms * 2 * C;
const idleCpuPerS = (await idle(sleepersWall)) / (sleepersWall / 1000);
await platform.close();
// One status write (the store's share of a round of a chain) at 10, 1,000 and 5,000 nodes: the whole document
// replaced (BlobWorkflowStore, S3's) and appended to the status log (LocalWorkflowStore, the local engine's), comparing
// every node status or told the changed ones (named, as the engine does).
const writes = [];
for (const nodes of [10, 1000, 5000]) {
  for (const kind of ["document", "log", "named"] as const) {
    const n = kind === "document" ? Math.max(50, 100_000 / nodes) : 5000;
    writes.push({ nodes, kind, ...(await statusWrite(nodes, n, kind)) });
  }
}

console.log(
  `\nEngine overhead per node (${N} no-op local-process tasks, sandbox on SQLite, poll ${values["poll-ms"]} ms, task spawner ${values.spawner}, node ${process.version}; median of ${REPS})\n`,
);
console.log(
  `${"".padEnd(26)}${"ms/node".padEnd(9)}${"bare".padEnd(7)}${"overhead".padEnd(10)}${"ratio".padEnd(7)}${"CPU ms/node".padEnd(13)}${"bare CPU".padEnd(10)}CPU ratio`,
);
const row = (label: string, f: Figure, base: Figure) =>
  console.log(
    `${label.padEnd(26)}${f.ms.toFixed(2).padEnd(9)}${base.ms.toFixed(2).padEnd(7)}${(f.ms - base.ms).toFixed(2).padEnd(10)}${`${(f.ms / base.ms).toFixed(1)}x`.padEnd(7)}${f.cpu.toFixed(2).padEnd(13)}${base.cpu.toFixed(2).padEnd(10)}${(f.cpu / base.cpu).toFixed(1)}x`,
  );
row("chain (1 at a time)", chain, bareSeq);
row(`fan-out (${C} at a time)`, fanout, bareConc);
const f2 = (x: number | undefined) => (x ?? 0).toFixed(2);
for (const [label, runs, bases] of [
  ["chain", chain.all, bareSeq.all],
  ["fan-out", fanout.all, bareConc.all],
] as const) {
  console.log(`\n${label}, each repetition (ms per node; probe: CPU ms of a fixed piece of JavaScript just before):`);
  runs.forEach((f, i) => {
    const s = f.split;
    console.log(
      `  wall ${f2(f.ms)} (bare ${f2(bases[i]?.ms)}), CPU ${f2(f.cpu)} = main thread ${f2(s?.main)} + other threads ` +
        `${f2(s && s.process - s.main)} + spawner ${f2(s?.spawner)}; main thread waited ${f2(s?.mainWait)} for a CPU; ` +
        `${f2(f.rounds)} rounds, ${f2(f.adds)} queue adds; probe ${f2(f.probe)} ms`,
    );
  });
}
const runningCpuPerS = (sleepers.cpu * 2 * C) / (sleepersWall / 1000);
console.log(
  `${2 * C} × \`sleep ${SLEEP_S}\`, ${C} at a time: ${runningCpuPerS.toFixed(1)} ms CPU per second while they run, ` +
    `idle baseline ${idleCpuPerS.toFixed(1)} ms/s (${(runningCpuPerS / idleCpuPerS).toFixed(1)}x); starting and ending ` +
    `them is in the fan-out's CPU/node`,
);
for (const w of writes)
  console.log(
    `status write (${w.kind}) at ${w.nodes} nodes (${(w.bytes / 1024).toFixed(0)} KiB): ${w.us.toFixed(0)} µs CPU, bare atomic ` +
      `replace of the encoded document ${w.bareUs.toFixed(0)} µs (${(w.us / w.bareUs).toFixed(1)}x)`,
  );
report("engine", [
  {
    figure: `chain of ${N}, wall per node`,
    value: chain.ms,
    baseline: bareSeq.ms,
    unit: "ms",
    goal: "≤ 1.2× bare spawn",
  },
  { figure: `chain of ${N}, CPU per node`, value: chain.cpu, baseline: bareSeq.cpu, unit: "ms", goal: "" },
  {
    figure: `fan-out of ${N}, ${C} at a time, wall per node`,
    value: fanout.ms,
    baseline: bareConc.ms,
    unit: "ms",
    goal: "≤ 1.2× bare spawn",
  },
  { figure: `fan-out of ${N}, CPU per node`, value: fanout.cpu, baseline: bareConc.cpu, unit: "ms", goal: "" },
  {
    figure: `CPU per second while ${C} tasks run (baseline: idle)`,
    value: runningCpuPerS,
    baseline: idleCpuPerS,
    unit: "ms/s",
    goal: "",
  },
  ...writes.map((w) => ({
    figure: `status write (${w.kind}) at ${w.nodes} nodes, CPU (baseline: bare atomic replace)`,
    value: w.us,
    baseline: w.bareUs,
    unit: "µs",
    goal: "",
  })),
]);

// SDK map benchmark: a map of N no-op TypeScript tasks (default 1,000), run in one process — cold (a fresh
// `node aloft-execute.mjs` process per element, the local-process plugin), warm (the WarmWorkerPlugin's long-lived
// workers, started and warmed up by a first small map and `--warmup` maps of N before the timed one: their start,
// module load and the engine's first, JIT-cold maps are printed apart, as the fixed cost a server pays once), the
// same map with the task called in the engine's process (runLocal's in-process plugin: the engine's own cost per
// element), and the limit: the task function called N times in process.
// Ratios are to those baselines, measured here on the same machine.
// The map is a real array node under runLocal (engine + local blob store); with an engine that has no array-node
// handler, each element is driven through the plugin contract as an array node drives its sub-nodes instead.
// Usage: npx tsx bench/sdk-map.bench.ts [--n 1000 --concurrency 2 --workers 2 --warmup 2 --warm-only]
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { clone, create } from "@bufbuild/protobuf";
import { TaskExecutionIdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { TaskTemplateSchema, type TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { putMessage } from "@aloft/core";
import { LocalBlobStore } from "@aloft/core";
import { systemClock } from "@aloft/core";
import { silentLogger } from "@aloft/core";
import { LocalProcessPlugin } from "@aloft/engine";
import type { PluginState, TaskExecutionContext, TaskPlugin } from "@aloft/engine";
import { t, workflow, serializeModule } from "@aloft/sdk";
import { runLocal } from "@aloft/runner";
import { WarmWorkerPlugin } from "@aloft/runner";
import { fixtureTasks as fixtures } from "@aloft/sdk/testing";
import { repoRoot } from "./child.ts";
import { report } from "./summary.ts";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "2" },
    workers: { type: "string", default: "2" },
    /** Skip the (slow) cold run while tuning: the ratio then is not printed. */
    "warm-only": { type: "boolean", default: false },
    /**
     * Maps of N run on the warm workers before the timed one (the engine's code compiled by the JIT), printed apart;
     * default enough for ≈ 300 elements, 1 to 6 maps.
     */
    warmup: { type: "string" },
  },
});
const N = Number(values.n);
const CONCURRENCY = Number(values.concurrency);
const WORKERS = Number(values.workers);
const WARMUP = values.warmup !== undefined ? Number(values.warmup) : Math.min(6, Math.max(1, Math.ceil(300 / N)));
const MODULE = join(repoRoot, "packages/sdk/src/testing/fixture-tasks.ts");

const root = mkdtempSync(join(tmpdir(), "aloft-bench-sdk-map-"));
const store = new LocalBlobStore({ root: join(root, "blobs") });

const mapNoop = workflow({ name: "bench.map_noop", inputs: { xs: t.list(t.int()) }, outputs: {} }, (b, { xs }) => {
  b.map(fixtures.noop, { i: xs });
  return {};
});

function coldPlugin(run: string): LocalProcessPlugin {
  return new LocalProcessPlugin({
    logDir: join(root, run, "logs"),
    logUrl: (n) => n,
    clock: systemClock,
    maxConcurrent: CONCURRENCY,
    cwd: repoRoot,
  });
}

/**
 * Through the engine: a real array node under runLocal (with `plugin`, else runLocal's in-process one). Throws
 * UnsupportedNodeKind when the engine has none.
 */
async function viaEngine(plugin: TaskPlugin | undefined, run: string, n = N): Promise<number> {
  const start = performance.now();
  await runLocal(
    mapNoop,
    { xs: Array.from({ length: n }, (_, i) => i) },
    {
      blobs: store,
      module: MODULE,
      exports: { ...fixtures, mapNoop },
      ...(plugin ? { plugins: () => [plugin] } : {}),
      executionName: run,
    },
  );
  return performance.now() - start;
}

/** CPU ms (user + system) of this process and, on Linux, of the warm workers so far. */
function cpuMs(): { main: number; workers: number } {
  const u = process.cpuUsage();
  let workers = 0;
  for (const pid of warm.pool.pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      workers += ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
    } catch {
      workers = NaN;
    }
  }
  return { main: (u.user + u.system) / 1000, workers };
}

/** The limit: the task function itself, called N times in this process. */
async function inProcessCalls(): Promise<number> {
  const fn = fixtures.noop.fn as (inputs: { i: number }, ctx: never) => unknown;
  const start = performance.now();
  for (let i = 0; i < N; i++) await fn({ i }, undefined as never);
  return performance.now() - start;
}

/** Each element as one task attempt through the plugin contract, polled in rounds like an array node's sub-nodes. */
async function viaPlugin(plugin: TaskPlugin, template: TaskTemplate, run: string): Promise<number> {
  const ctxs: TaskExecutionContext[] = [];
  for (let i = 0; i < N; i++) {
    const dataKey = `metadata/propeller/bench-dev-${run}/n0/data/${i}/0`;
    await putMessage(store, `${dataKey}/inputs.pb`, LiteralMapSchema, t.toLiteralMap(fixtures.noop.inputs, { i }));
    const raw = store.uri(`raw/${run}/${i}`);
    ctxs.push({
      id: create(TaskExecutionIdentifierSchema, {
        taskId: template.id,
        nodeExecutionId: { nodeId: `n0-n${i}`, executionId: { project: "bench", domain: "dev", name: run } },
      }),
      generatedName: `${run}-n0-n${i}-0`,
      template,
      inputsUri: store.uri(`${dataKey}/inputs.pb`),
      inputValuesUri: store.uri(`${dataKey}/inputs.pb`),
      outputPrefix: store.uri(`${dataKey}/out`),
      rawOutputPrefix: raw,
      checkpointPrefix: `${raw}/_flytecheckpoints`,
      previousCheckpointPrefix: "",
      attempt: 0,
      interruptible: false,
      environment: {},
      blobStore: store,
      logger: silentLogger(),
    });
  }
  const start = performance.now();
  const states = new Map<TaskExecutionContext, PluginState | undefined>();
  let pending = ctxs;
  while (pending.length > 0) {
    const next: TaskExecutionContext[] = [];
    for (const ctx of pending) {
      const r = await plugin.handle(ctx, states.get(ctx));
      states.set(ctx, r.state);
      if (r.status.phase === "Success") {
        await plugin.finalize(ctx, r.state);
        if (!(await store.exists(store.keyOf(`${ctx.outputPrefix}/outputs.pb`))))
          throw new Error(`${ctx.generatedName}: no outputs.pb`);
      } else if (
        r.status.phase === "RetryableFailure" ||
        r.status.phase === "PermanentFailure" ||
        r.status.phase === "Aborted"
      ) {
        throw new Error(`${ctx.generatedName}: ${r.status.phase} ${r.status.error?.message ?? ""}`);
      } else next.push(ctx);
    }
    pending = next;
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now() - start;
}

const warm = new WarmWorkerPlugin({ size: WORKERS, cwd: repoRoot });
const ser = serializeModule(fixtures, { project: "bench", domain: "dev", version: "v1", module: MODULE });
const warmTemplate = ser.tasks.find((x) => x.id?.name === "noop")!;
const coldTemplate = clone(TaskTemplateSchema, warmTemplate);
coldTemplate.type = "container";

let mode = "array node under runLocal (engine)";
let warmMs: number;
let coldMs = NaN;
let engineMs = NaN;
let warmCpu = { main: NaN, workers: NaN };
let engineCpu = NaN;
const WARM_ONLY = values["warm-only"];
const t0 = performance.now();
await warm.pool.start();
const startMs = performance.now() - t0;
let firstMs = NaN;
const warmupMs: number[] = [];
const callMs = await inProcessCalls();
try {
  try {
    // A first small map loads the task module in every worker (the fixed cost after their start).
    firstMs = await viaEngine(warm, "warmup", 2 * WORKERS);
    // Then maps of N: the first runs of the engine's code are 2–3× slower than later ones (the JIT), a cost a server
    // pays once, as it pays the module load.
    for (let i = 0; i < WARMUP; i++) warmupMs.push(await viaEngine(warm, `warmup-${i}`));
    const cpu0 = cpuMs();
    warmMs = await viaEngine(warm, "warm");
    const cpu1 = cpuMs();
    warmCpu = { main: cpu1.main - cpu0.main, workers: cpu1.workers - cpu0.workers };
    const cpu2 = cpuMs();
    engineMs = await viaEngine(undefined, "in-process");
    engineCpu = cpuMs().main - cpu2.main;
    if (!WARM_ONLY) coldMs = await viaEngine(coldPlugin("cold"), "cold");
  } catch (e) {
    if (!/UnsupportedNodeKind/.test((e as Error).message)) throw e;
    mode = "plugin contract, element by element (the engine has no array-node handler yet)";
    warmMs = await viaPlugin(warm, warmTemplate, "warm");
    if (!WARM_ONLY) coldMs = await viaPlugin(coldPlugin("cold"), coldTemplate, "cold");
  }
} finally {
  await warm.close();
  rmSync(root, { recursive: true, force: true });
}

const pad = (s: string, n: number) => s.padEnd(n);
console.log(`\nSDK map benchmark: ${N} no-op TypeScript tasks (node ${process.version})`);
console.log(`mode: ${mode}`);
console.log(`cold: a process per task, at most ${CONCURRENCY} at once; warm: ${WORKERS} long-lived workers`);
console.log(
  `fixed cost of warm workers, paid once: start ${startMs.toFixed(0)} ms, first map of ${2 * WORKERS} ` +
    `(module load in each) ${firstMs.toFixed(0)} ms` +
    (warmupMs.length > 0
      ? `, then ${warmupMs.length} map(s) of ${N} (the engine's code compiled): ` +
        `${warmupMs.map((ms) => (ms / N).toFixed(2)).join(", ")} ms per element`
      : "") +
    "\n",
);
console.log(`${pad("", 12) + pad("total s", 12) + pad("ms per task", 14)}tasks/s`);
for (const [name, ms] of [
  ["cold", coldMs],
  ["warm", warmMs],
  ["in engine", engineMs],
  ["fn call", callMs],
] as const) {
  if (Number.isNaN(ms)) continue;
  console.log(
    pad(name, 12) + pad((ms / 1000).toFixed(3), 12) + pad((ms / N).toFixed(4), 14) + (N / (ms / 1000)).toFixed(1),
  );
}
console.log(
  `\nwarm, CPU per element: engine process ${(warmCpu.main / N).toFixed(2)} ms, workers ${(warmCpu.workers / N).toFixed(2)} ms; ` +
    `in engine: ${(engineCpu / N).toFixed(2)} ms`,
);
console.log("in engine: the same map, the task called in the engine's process; fn call: the function alone");
if (!WARM_ONLY) console.log(`warm workers are ${(coldMs / warmMs).toFixed(1)}x faster than cold processes`);
if (!Number.isNaN(engineMs))
  console.log(`warm workers: ${(warmMs / engineMs).toFixed(2)}x the map with the task called in the engine's process`);
console.log(`warm workers: ${(warmMs / callMs).toFixed(0)}x the function called in process`);
if (!WARM_ONLY)
  report("sdk-map", [
    {
      figure: `map of ${N} no-op TypeScript tasks, warm workers, per element (baseline: a process per element)`,
      value: warmMs / N,
      baseline: coldMs / N,
      unit: "ms",
      goal: "≤ 1 ms/element",
    },
    {
      figure: `map of ${N} no-op TypeScript tasks, warm workers, per element (baseline: the function called in process)`,
      value: warmMs / N,
      baseline: callMs / N,
      unit: "ms",
      goal: "≤ 1 ms/element",
    },
  ]);

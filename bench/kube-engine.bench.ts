// The engine's Kubernetes mode under load: N concurrent one-task workflows created as FlyteWorkflow resources on the
// test API server (as admin's Kubernetes executor creates them) and run by one engine over the informer, with an
// in-process task that starts at once and succeeds on its next look (so the figures are the engine's and the API's,
// not a task runtime's). Baseline, same run: the same N workflows launched into the engine's in-memory store (local
// mode, no Kubernetes). Reported: reconcile rounds per second, API calls per workflow (by verb), p50/p99 time from
// the resource's creation (local: the launch) to the first task start, and the Kubernetes/baseline ratios.
// The API server runs in a child process (bench/kube-api-server.ts), as a real one would.
// Usage: npm run bench:kube [-- --workflows 1000] [-- --workers 8]
import { parseArgs } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LocalBlobStore, silentLogger, systemClock } from "@aloft/core";
import { builders as b, harness } from "@aloft/core/testing";
import {
  Engine,
  MemoryWorkflowStore,
  NOOP_ENGINE_METRICS,
  type EventSink,
  type TaskPlugin,
  type WorkflowStore,
} from "@aloft/engine";
import { flyteWorkflows, KubeWorkflowStore } from "@aloft/engine/kube";
import { flyteWorkflowResource } from "@aloft/engine/testing";
import { createKubeApi, type KubeApi, loadKubeConfig } from "@aloft/kube";
import { startChild } from "./child.ts";

const { values } = parseArgs({
  options: { workflows: { type: "string", default: "200" }, workers: { type: "string", default: "8" } },
});
const N = Number(values.workflows);
const WORKERS = Number(values.workers);
const NS = "bench-development";

const noop = b.task("noop", {}, {});
const closure = harness([noop]).ok(b.workflow("small", [b.taskNode("n0", "noop")]));

/** Starts at once, succeeds on the next look; records when each execution's task first started. */
function instantPlugin(firstStart: Map<string, number>): TaskPlugin {
  return {
    id: "instant",
    taskTypes: ["python-task"],
    async handle(ctx, state) {
      const exec = ctx.id.nodeExecutionId?.executionId?.name ?? "";
      if (!state) {
        if (!firstStart.has(exec)) firstStart.set(exec, performance.now());
        ctx.wake?.();
        return { status: { phase: "Running", version: 0 }, state: { started: true } };
      }
      return { status: { phase: "Success", version: 0 }, state };
    },
    async abort() {},
    async finalize() {},
  };
}

/** The API, counting calls by verb. */
function countingApi(api: KubeApi, calls: Record<string, number>): KubeApi {
  const count = (verb: string) => {
    calls[verb] = (calls[verb] ?? 0) + 1;
  };
  return {
    get: (...a) => (count("get"), api.get(...a)),
    list: (...a) => (count("list"), api.list(...a)),
    watch: (...a) => (count("watch"), api.watch(...a)),
    create: (...a) => (count("create"), api.create(...a)),
    update: (...a) => (count("update"), api.update(...a)),
    patch: (...a) => (count("patch"), api.patch(...a)),
    apply: (...a) => (count("apply"), api.apply(...a)),
    delete: (...a) => (count("delete"), api.delete(...a)),
    resourceType: (...a) => (count("discovery"), api.resourceType(...a)),
  };
}

const sink: EventSink = { workflowEvent: async () => {}, nodeEvent: async () => {}, taskEvent: async () => {} };

interface Result {
  seconds: number;
  rounds: number;
  p50: number;
  p99: number;
}

const pct = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function run(
  store: WorkflowStore,
  submit: (engine: Engine, name: string) => Promise<void>,
  done: () => Promise<number>,
): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), "aloft-bench-kube-"));
  const firstStart = new Map<string, number>();
  const created = new Map<string, number>();
  let rounds = 0;
  const engine = new Engine({
    store,
    blobs: new LocalBlobStore({ root: dir }),
    sink,
    plugins: [instantPlugin(firstStart)],
    config: { workers: WORKERS, pollIntervalMs: 200 },
    metrics: { ...NOOP_ENGINE_METRICS, streak: (_l, n) => void (rounds += n) },
  });
  await engine.start();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const name = `wf-${i}`;
      created.set(name, performance.now());
      await submit(engine, name);
    }),
  );
  while ((await done()) < N) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  await engine.stop();
  rmSync(dir, { recursive: true, force: true });
  const latencies = [...created].map(([name, at]) => (firstStart.get(name) ?? Number.NaN) - at);
  return { seconds, rounds, p50: pct([...latencies], 0.5), p99: pct(latencies, 0.99) };
}

// Baseline: local mode, the in-memory store.
const memory = new MemoryWorkflowStore();
const base = await run(
  memory,
  async (engine, name) => {
    const executionId = { project: "bench", domain: "development", name };
    await engine.launch({ executionId, closure, inputs: create(LiteralMapSchema), spec: {} });
  },
  async () => N - (await memory.listActive()).length,
);

// Kubernetes mode: resources created through the API server (in its own process, as a real one), the engine over the
// informer. Calls are counted on the client side, by verb.
const dir = mkdtempSync(join(tmpdir(), "aloft-bench-kube-api-"));
const kubeconfig = join(dir, "kubeconfig");
const { child } = await startChild(
  process.execPath,
  ["--import", "tsx", "--conditions=@aloft/source", "bench/kube-api-server.ts", kubeconfig, NS],
  /kubeconfig /,
);
const calls: Record<string, number> = {};
const api = countingApi(createKubeApi(loadKubeConfig(kubeconfig), { fieldManager: "aloft-bench" }), calls);
const store = new KubeWorkflowStore({
  api,
  blobs: new LocalBlobStore({ root: dir }),
  clock: systemClock,
  logger: silentLogger(),
});
await store.start();
const kube = await run(
  store,
  async (_engine, name) => {
    const obj = flyteWorkflowResource(
      closure,
      create(LiteralMapSchema),
      { project: "bench", domain: "development", name },
      NS,
    );
    await api.create(flyteWorkflows, obj);
  },
  async () => N - (await store.listActive()).length,
);
await store.stop();
child.kill("SIGTERM");
rmSync(dir, { recursive: true, force: true });

const perWf = (n: number) => (n / N).toFixed(2);
const total = Object.values(calls).reduce((a, n) => a + n, 0);
const line = (label: string, r: Result) =>
  `${label.padEnd(30)} ${r.seconds.toFixed(2).padStart(7)} s  ${(r.rounds / r.seconds).toFixed(0).padStart(7)} rounds/s  ${perWf(r.rounds).padStart(6)} rounds/wf  p50 ${r.p50.toFixed(0).padStart(6)} ms  p99 ${r.p99.toFixed(0).padStart(6)} ms`;
process.stdout.write(
  [
    `kube-engine bench: ${N} concurrent one-task workflows, ${WORKERS} workers`,
    line("baseline (in-memory store)", base),
    line("kubernetes (test API, apart)", kube),
    `API calls per workflow: ${perWf(total)} (${Object.entries(calls)
      .map(([v, n]) => `${v} ${perWf(n)}`)
      .join(", ")}); conflicts retried ${store.stats.conflictsRetried}`,
    `ratio kubernetes/baseline: rounds/s ${(kube.rounds / kube.seconds / (base.rounds / base.seconds)).toFixed(2)}, p99 creation→first task ${(kube.p99 / base.p99).toFixed(2)}`,
    "",
  ].join("\n"),
);

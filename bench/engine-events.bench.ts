// The engine's own events against the events bench's synthetic ones (bench/event-fixtures.ts), per event, through the
// sandbox's in-process sink: a chain of `true` tasks runs in a sandbox (engine, local processes, SQLite) and its node
// and task events are captured; then, in a second sandbox that runs nothing, they are replayed into fresh executions
// one at a time (1 writer, each awaited, as the engine sends them), alternating with the synthetic events. "hot" runs
// the events back to back, as bench:events does; "cold" touches --cold-mb of memory and runs --cold-js small JSON round
// trips before each event, as the engine's rounds, spawns and file writes do between two of its events (CPU caches,
// branch predictors and the JIT's code no longer hold the event path). The figure is the main thread's CPU per event
// (/proc/thread-self/schedstat around each call; the cold work itself is not counted).
// Usage: npx tsx --conditions=@aloft/source bench/engine-events.bench.ts [--nodes 200 --passes 4 --cold-mb 16 --cold-js 300]
import { openSync, readSync } from "node:fs";
import { parseArgs } from "node:util";
import { clone } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import {
  type NodeExecutionEventRequest,
  NodeExecutionEventRequestSchema,
  type TaskExecutionEventRequest,
  TaskExecutionEventRequestSchema,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import {
  NodeExecution_Phase as NodePhase,
  TaskExecution_Phase as TaskPhase,
  WorkflowExecution_Phase,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { eventClock, registerWorkflow, startTestPlatform, taskNode } from "@aloft/testkit";
import { type BenchEvent, D, P, acceptingPlatform, nodeEvents, startExecution } from "./event-fixtures.ts";
import { processTask } from "./process-task.ts";
import { report } from "./summary.ts";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "200" },
    passes: { type: "string", default: "4" },
    "cold-mb": { type: "string", default: "16" },
    "cold-js": { type: "string", default: "300" },
  },
});
const N = Number(values.nodes);
const PASSES = Number(values.passes);

// 1. A chain's events, as the engine sends them to the in-process sink.
const captured: BenchEvent[] = [];
{
  const platform = await startTestPlatform({
    engine: true,
    overrides: {
      registration: { maxWorkflowNodes: N + 10 },
      engine: { maxConcurrentTasks: 8, pollIntervalMs: 1000, workers: 4 },
    },
  });
  // The in-process sink calls these two methods of admin's managers: each call is recorded on its way in.
  const { nodeEvents, taskEvents } = platform.admin.executions;
  const recordNode = nodeEvents.recordNodeEvent.bind(nodeEvents);
  const recordTask = taskEvents.recordTaskEvent.bind(taskEvents);
  nodeEvents.recordNodeEvent = (r) => (
    captured.push({ kind: "node", req: clone(NodeExecutionEventRequestSchema, r) }), recordNode(r)
  );
  taskEvents.recordTaskEvent = (r) => (
    captured.push({ kind: "task", req: clone(TaskExecutionEventRequestSchema, r) }), recordTask(r)
  );
  const admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
  const noop = processTask("noop", ["true"]);
  const lp = await registerWorkflow(admin, {
    project: P,
    domain: D,
    name: "chain",
    version: "v1",
    tasks: [noop],
    inputs: [],
    outputs: {},
    nodes: Array.from({ length: N }, (_, i) => taskNode(`n${i}`, noop.id!, {}, i > 0 ? [`n${i - 1}`] : [])),
  });
  const { id: exec } = await admin.createExecution({ project: P, domain: D, spec: { launchPlan: lp } });
  while ((await admin.getExecution({ id: exec })).closure!.phase !== WorkflowExecution_Phase.SUCCEEDED)
    await new Promise((r) => setTimeout(r, 100));
  await platform.close();
}

// 2. Replayed, against the synthetic events, in a sandbox that runs nothing.
const { platform, admin, sink, lp, taskId } = await acceptingPlatform();
const at = eventClock();

const real = (exec: WorkflowExecutionIdentifier): BenchEvent[] =>
  captured.map((e) => {
    if (e.kind === "node") {
      const req: NodeExecutionEventRequest = clone(NodeExecutionEventRequestSchema, e.req);
      req.event!.id!.executionId = exec;
      return { kind: "node", req };
    }
    const req: TaskExecutionEventRequest = clone(TaskExecutionEventRequestSchema, e.req);
    req.event!.parentNodeExecutionId!.executionId = exec;
    return { kind: "task", req };
  });
const synthetic = (exec: WorkflowExecutionIdentifier) =>
  Array.from({ length: N }, (_, i) => nodeEvents(exec, `n${i}`, taskId, at)).flat();

// The main thread's CPU time (µs), not the process's: the sandbox's other threads do not count.
const schedstat = openSync("/proc/thread-self/schedstat", "r");
const buf = Buffer.alloc(128);
const threadMicros = () => Number(buf.toString("latin1", 0, readSync(schedstat, buf, 0, 128, 0)).split(" ")[0]) / 1000;
let t = threadMicros();
for (let i = 0; i < 1000; i++) threadMicros();
const readCost = (threadMicros() - t) / 1001;

const big = new Float64Array(Number(values["cold-mb"]) * 131_072);
const junk: unknown[] = [];
function between(): void {
  let s = 0;
  for (let i = 0; i < big.length; i += 8) s += big[i]! += 1;
  for (let i = 0; i < Number(values["cold-js"]); i++)
    junk[i % 64] = JSON.parse(JSON.stringify({ i, s, text: "x".repeat(50), nested: { i } }));
}

type Kind = "synthetic" | "real";
const perPhase = new Map<string, { n: number; us: number }>();
async function pass(kind: Kind, cold: boolean): Promise<number> {
  const exec = await startExecution(admin, sink, lp, at);
  const events = kind === "real" ? real(exec) : synthetic(exec);
  let us = 0;
  for (const e of events) {
    if (cold) between();
    t = threadMicros();
    await (e.kind === "node" ? sink.nodeEvent(e.req) : sink.taskEvent(e.req));
    const d = threadMicros() - t - readCost;
    us += d;
    if (kind === "real" && cold) {
      const k = `${e.kind} ${e.kind === "node" ? NodePhase[e.req.event!.phase] : TaskPhase[e.req.event!.phase]}`;
      const x = perPhase.get(k) ?? { n: 0, us: 0 };
      perPhase.set(k, { n: x.n + 1, us: x.us + d });
    }
  }
  return us / events.length;
}
// Untimed: both paths compiled and optimised first (as in bench:events).
for (let i = 0; i < 6; i++) await pass(i % 2 ? "real" : "synthetic", i >= 4);
perPhase.clear();
const runs = new Map<string, number[]>();
for (let i = 0; i < PASSES; i++)
  for (const cold of [false, true])
    for (const kind of (i % 2 ? ["real", "synthetic"] : ["synthetic", "real"]) as Kind[]) {
      const key = `${kind}, ${cold ? "cold" : "hot"}`;
      runs.set(key, [...(runs.get(key) ?? []), await pass(kind, cold)]);
    }
await platform.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `\nEngine events against synthetic ones (${captured.length} captured from a chain of ${N}, in-process sink, SQLite, ` +
    `1 writer; cold: ${values["cold-mb"]} MiB and ${values["cold-js"]} JSON round trips between events; node ${process.version})\n`,
);
console.log(`${"events".padEnd(22)}${"per event".padEnd(12)}passes (main thread CPU µs per event)`);
for (const [key, xs] of runs)
  console.log(`${key.padEnd(22)}${median(xs).toFixed(1).padEnd(12)}${xs.map((x) => x.toFixed(1)).join(" ")}`);
console.log("\nreal, cold, by event (main thread CPU µs):");
for (const [k, x] of [...perPhase].sort()) console.log(`  ${k.padEnd(20)}${(x.us / x.n).toFixed(1)}`);
report("engine-events", [
  {
    figure: "engine's events, cold, main thread CPU per event (baseline: the same events hot)",
    value: median(runs.get("real, cold")!),
    baseline: median(runs.get("real, hot")!),
    unit: "µs",
    goal: "",
  },
]);

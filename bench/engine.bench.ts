// Engine overhead per node: a 1,000-node chain and a 1,000-wide fan-out of no-op tasks (`true` as a local process),
// launched through the API of an in-process sandbox (SQLite, events into admin), against spawning the same no-op
// process bare — one after another for the chain, `maxConcurrentTasks` at a time for the fan-out — in the same run.
// Usage: npm run bench:engine [-- --nodes 1000]
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { startTestPlatform } from "@aloft/testkit";
import { id, registerWorkflow, taskNode } from "@aloft/testkit";

const { values } = parseArgs({
  options: { nodes: { type: "string", default: "1000" }, concurrency: { type: "string", default: "8" } },
});
const N = Number(values.nodes);
const C = Number(values.concurrency);
const P = "flytesnacks";
const D = "development";

const bareSpawn = () =>
  new Promise<void>((resolve, reject) => {
    const c = spawn("true", [], { stdio: "ignore" });
    c.once("error", reject);
    c.once("exit", () => resolve());
  });
async function bare(concurrency: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < N) await bareSpawn();
    }),
  );
  return (performance.now() - t0) / N;
}

const platform = await startTestPlatform({
  engine: true,
  overrides: {
    registration: { maxWorkflowNodes: N + 10 },
    engine: { maxConcurrentTasks: C, pollIntervalMs: 1000, workers: 4 },
  },
});
const admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
const noop = create(TaskTemplateSchema, {
  id: id(ResourceType.TASK, P, D, "noop", "v1"),
  type: "container",
  metadata: { runtime: { version: "1.0.0" } },
  interface: { inputs: {}, outputs: {} },
  target: { case: "container", value: { image: "none", command: ["true"] } },
});

async function run(name: string, chain: boolean): Promise<number> {
  const lp = await registerWorkflow(admin, {
    project: P,
    domain: D,
    name,
    version: "v1",
    tasks: name === "chain" ? [noop] : [],
    inputs: [],
    outputs: {},
    nodes: Array.from({ length: N }, (_, i) => taskNode(`n${i}`, noop.id!, {}, chain && i > 0 ? [`n${i - 1}`] : [])),
  });
  const t0 = performance.now();
  const { id: exec } = await admin.createExecution({ project: P, domain: D, spec: { launchPlan: lp } });
  for (;;) {
    const ex = await admin.getExecution({ id: exec });
    const phase = ex.closure!.phase;
    if (phase === WorkflowExecution_Phase.SUCCEEDED) break;
    if (phase === WorkflowExecution_Phase.FAILED || phase === WorkflowExecution_Phase.ABORTED)
      throw new Error(`${name} ended ${WorkflowExecution_Phase[phase]}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return (performance.now() - t0) / N;
}

const bareSeq = await bare(1);
const chain = await run("chain", true);
const bareConc = await bare(C);
const fanout = await run("fanout", false);
await platform.close();

console.log(
  `\nEngine overhead per node (${N} no-op local-process tasks, sandbox on SQLite, node ${process.version})\n`,
);
console.log(`${"".padEnd(30)}${"ms/node".padEnd(10)}${"bare spawn".padEnd(12)}overhead/node   ratio`);
const row = (label: string, ms: number, base: number) =>
  console.log(
    `${label.padEnd(30)}${ms.toFixed(2).padEnd(10)}${base.toFixed(2).padEnd(12)}${(ms - base).toFixed(2).padEnd(16)}${(ms / base).toFixed(1)}x`,
  );
row(`chain (1 at a time)`, chain, bareSeq);
row(`fan-out (${C} at a time)`, fanout, bareConc);

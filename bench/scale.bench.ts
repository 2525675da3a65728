// Scale of one execution: a map (array node) over a list of E integers running a no-op task per element, and a
// fan-out workflow of M no-op task nodes, each at a tenth of the size and at the full size, through the API of an
// in-process sandbox (SQLite). Printed: ms per element/node at both sizes (flat cost: the same figure), the process's
// peak RSS after each run, and the baseline from the same run: spawning `true` bare, `--concurrency` at a time.
// Usage: npm run bench:scale [-- --elements 20000 --nodes 5000 --concurrency 8]
import { parseArgs } from "node:util";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { LiteralTypeSchema, SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { NodeSchema, WorkflowTemplateSchema, type Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { id, intLiteral, intType, promise, startTestPlatform, taskNode } from "@aloft/testkit";
import { spawnTrue } from "./bare-spawn.ts";
import { report } from "./summary.ts";

const { values } = parseArgs({
  options: {
    elements: { type: "string", default: "20000" },
    nodes: { type: "string", default: "5000" },
    concurrency: { type: "string", default: "8" },
  },
});
const E = Number(values.elements);
const M = Number(values.nodes);
const C = Number(values.concurrency);
const P = "flytesnacks";
const D = "development";

async function bare(n: number): Promise<number> {
  const t0 = performance.now();
  await spawnTrue(n, C);
  return (performance.now() - t0) / n;
}

const platform = await startTestPlatform({
  engine: true,
  overrides: {
    registration: { maxWorkflowNodes: M + 10 },
    engine: { maxConcurrentTasks: C, pollIntervalMs: 1000, workers: 4 },
  },
});
const admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
const noop = (name: string, inputs: string[]) =>
  create(TaskTemplateSchema, {
    id: id(ResourceType.TASK, P, D, name, "v1"),
    type: "container",
    metadata: { runtime: { version: "1.0.0" } },
    interface: {
      inputs: { variables: Object.fromEntries(inputs.map((v) => [v, { type: intType(), description: v }])) },
      outputs: {},
    },
    target: { case: "container", value: { image: "none", command: ["true"] } },
  });
const element = noop("element", ["a"]);
const plain = noop("plain", []);
for (const t of [element, plain]) await admin.createTask({ id: t.id, spec: { template: t } });
const listType = create(LiteralTypeSchema, {
  type: { case: "collectionType", value: { type: { case: "simple", value: SimpleType.INTEGER } } },
});

async function register(name: string, nodes: Node[], withList: boolean) {
  const wfId = id(ResourceType.WORKFLOW, P, D, name, "v1");
  const template = create(WorkflowTemplateSchema, {
    id: wfId,
    interface: {
      inputs: { variables: withList ? { xs: { type: listType, description: "xs" } } : {} },
      outputs: { variables: {} },
    },
    nodes,
    outputs: [],
    metadata: {},
  });
  await admin.createWorkflow({ id: wfId, spec: { template } });
  const lp = id(ResourceType.LAUNCH_PLAN, P, D, name, "v1");
  await admin.createLaunchPlan({ id: lp, spec: { workflowId: wfId } });
  return lp;
}

/** Runs the execution to the end; wall-clock and this process's CPU (engine and admin, not the tasks) ms per unit. */
async function run(lp: ReturnType<typeof id>, units: number, inputs = {}): Promise<{ ms: number; cpu: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const { id: exec } = await admin.createExecution({ project: P, domain: D, spec: { launchPlan: lp }, inputs });
  for (;;) {
    const phase = (await admin.getExecution({ id: exec })).closure!.phase;
    if (phase === WorkflowExecution_Phase.SUCCEEDED) break;
    if (phase === WorkflowExecution_Phase.FAILED || phase === WorkflowExecution_Phase.ABORTED)
      throw new Error(`${lp.name} ended ${WorkflowExecution_Phase[phase]}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const c = process.cpuUsage(c0);
  return { ms: (performance.now() - t0) / units, cpu: (c.user + c.system) / 1000 / units };
}

const rssMb = () => process.resourceUsage().maxRSS / 1024;
interface Row {
  figure: string;
  ms: number;
  cpu: number;
  base: number;
  rss: number;
}
const rows: Row[] = [];
for (const size of [Math.max(1, Math.floor(E / 10)), E]) {
  const node = create(NodeSchema, {
    id: "m",
    inputs: [{ var: "a", binding: promise("start-node", "xs") }],
    target: {
      case: "arrayNode",
      value: { node: taskNode("inner", element.id!, {}), isOriginalSubNodeInterface: true },
    },
  });
  const lp = await register(`map${size}`, [node], true);
  const xs = create(LiteralSchema, {
    value: { case: "collection", value: { literals: Array.from({ length: size }, (_, i) => intLiteral(i)) } },
  });
  const base = await bare(Math.min(size, 2000));
  const { ms, cpu } = await run(lp, size, { literals: { xs } });
  rows.push({ figure: `array node of ${size} elements, per element`, ms, cpu, base, rss: rssMb() });
  process.stderr.write(
    `${rows.at(-1)!.figure}: ${ms.toFixed(2)} ms, CPU ${cpu.toFixed(2)} ms (bare ${base.toFixed(2)})\n`,
  );
}
for (const size of [Math.max(1, Math.floor(M / 10)), M]) {
  const lp = await register(
    `fanout${size}`,
    Array.from({ length: size }, (_, i) => taskNode(`n${i}`, plain.id!, {})),
    false,
  );
  const base = await bare(Math.min(size, 2000));
  const { ms, cpu } = await run(lp, size);
  rows.push({ figure: `workflow of ${size} task nodes, per node`, ms, cpu, base, rss: rssMb() });
  process.stderr.write(
    `${rows.at(-1)!.figure}: ${ms.toFixed(2)} ms, CPU ${cpu.toFixed(2)} ms (bare ${base.toFixed(2)})\n`,
  );
}
await platform.close();

console.log(
  `\nScale of one execution (no-op local-process tasks, ${C} at a time, sandbox on SQLite, node ${process.version})\n`,
);
console.log("| figure | ms | CPU ms (this process) | bare spawn ms (same run) | ratio | peak RSS after (MB) |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const r of rows)
  console.log(
    `| ${r.figure} | ${r.ms.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.base.toFixed(2)} | ${(r.ms / r.base).toFixed(1)}× | ${r.rss.toFixed(0)} |`,
  );
report(
  "scale",
  rows.flatMap((r) => [
    { figure: r.figure, value: r.ms, baseline: r.base, unit: "ms", goal: "flat from the small size" },
    { figure: `${r.figure}: CPU`, value: r.cpu, baseline: r.base, unit: "ms", goal: "flat from the small size" },
    { figure: `${r.figure}: peak RSS after`, value: r.rss, baseline: 0, unit: "MB", goal: "bounded" },
  ]),
);

// A CreateExecution with one huge list input (issue 9 row 6: 1,000,000 integers, ~9.5 MB on the wire) against the
// sandbox (`aloft start` in a child process): how long the create takes, how long the server's event loop stalls
// meanwhile (the longest /healthcheck answer while the create is in flight), and GetExecutionData of it. Baseline,
// measured in the same run: decoding and encoding the same request with @bufbuild/protobuf in this process — the
// floor any server pays before it can look at the message.
// Usage: npm run bench:literal [-- --elements 1000000 --runs 2 --max-message-bytes 67108864]
// (--max-message-bytes sets server.maxMessageSizeBytes where that limit exists: 4 MiB by default refuses this create.)
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ExecutionCreateRequestSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { WorkflowTemplateSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { id, intType, promise, shellTask, taskNode } from "@aloft/testkit/workflows.ts";
import { startAloft } from "./child.ts";

const { values } = parseArgs({
  options: { elements: { type: "string", default: "1000000" }, runs: { type: "string", default: "2" }, "max-message-bytes": { type: "string" } },
});
if (values["max-message-bytes"]) process.env["ALOFT_SERVER__MAX_MESSAGE_SIZE_BYTES"] = values["max-message-bytes"];
const N = Number(values.elements);
const RUNS = Number(values.runs);
const P = "flytesnacks";
const D = "development";

const int = (n: number): Literal =>
  create(LiteralSchema, { value: { case: "scalar", value: { value: { case: "primitive", value: { value: { case: "integer", value: BigInt(n) } } } } } });
const list = create(LiteralSchema, { value: { case: "collection", value: { literals: Array.from({ length: N }, (_, i) => int(i)) } } });

function health(port: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/healthcheck" }, (res) => {
      res.resume();
      res.on("end", () => resolve(performance.now() - t0));
    });
    req.on("error", () => resolve(performance.now() - t0));
    req.end();
  });
}

/** Runs `fn` while polling /healthcheck every 20 ms; returns fn's time and the slowest health answer. */
async function withStallProbe(port: number, fn: () => Promise<unknown>): Promise<{ ms: number; stallMs: number }> {
  let stall = 0;
  let done = false;
  const probe = (async () => {
    while (!done) {
      stall = Math.max(stall, await health(port));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  done = true;
  await probe;
  return { ms, stallMs: stall };
}

const dir = mkdtempSync(join(tmpdir(), "aloft-bench-literal-"));
const server = await startAloft(join(dir, "data"));
try {
  const admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.grpcPort}` }));
  const task = shellTask(id(ResourceType.TASK, P, D, "noop", "v1"), ["a"], ["o"], "echo 1 > /var/outputs/o");
  await admin.createTask({ id: task.id, spec: { template: task } });
  const wfId = id(ResourceType.WORKFLOW, P, D, "huge", "v1");
  const listType = create(LiteralTypeSchema, { type: { case: "collectionType", value: { type: { case: "simple", value: SimpleType.INTEGER } } } });
  const template = create(WorkflowTemplateSchema, {
    id: wfId,
    interface: { inputs: { variables: { xs: { type: listType, description: "xs" } } }, outputs: { variables: { o: { type: intType(), description: "o" } } } },
    nodes: [taskNode("n0", task.id!, { a: { value: { case: "scalar", value: { value: { case: "primitive", value: { value: { case: "integer", value: 1n } } } } } } as never })],
    outputs: [{ var: "o", binding: promise("n0", "o") }],
    metadata: {},
  });
  await admin.createWorkflow({ id: wfId, spec: { template } });
  const lp = id(ResourceType.LAUNCH_PLAN, P, D, "huge", "v1");
  await admin.createLaunchPlan({ id: lp, spec: { workflowId: wfId } });

  const req = create(ExecutionCreateRequestSchema, { project: P, domain: D, spec: { launchPlan: lp }, inputs: { literals: { xs: list } } });
  const bytes = toBinary(ExecutionCreateRequestSchema, req);
  const t0 = performance.now();
  const decoded = fromBinary(ExecutionCreateRequestSchema, bytes);
  const decodeMs = performance.now() - t0;
  const t1 = performance.now();
  toBinary(ExecutionCreateRequestSchema, decoded);
  const encodeMs = performance.now() - t1;

  console.log(`\nCreateExecution with a ${N.toLocaleString("en")}-element list input (${(bytes.length / 1e6).toFixed(1)} MB), sandbox on SQLite, node ${process.version}\n`);
  console.log(`baseline: protobuf decode ${decodeMs.toFixed(0)} ms + encode ${encodeMs.toFixed(0)} ms of the same message in this process`);
  for (let r = 0; r < RUNS; r++) {
    let name = "";
    const c = await withStallProbe(server.httpPort, async () => {
      name = (await admin.createExecution(req)).id!.name;
    });
    const g = await withStallProbe(server.httpPort, () => admin.getExecutionData({ id: { project: P, domain: D, name } }));
    console.log(
      `run ${r + 1}: CreateExecution ${c.ms.toFixed(0)} ms (longest health answer meanwhile ${c.stallMs.toFixed(0)} ms, ` +
        `${(c.stallMs / Math.max(1, decodeMs + encodeMs)).toFixed(1)}x the baseline); GetExecutionData ${g.ms.toFixed(0)} ms (stall ${g.stallMs.toFixed(0)} ms)`,
    );
  }
} finally {
  server.stop();
  rmSync(dir, { recursive: true, force: true });
}

// Admin reads of one big execution (issue 16): GetExecutionMetrics of an execution of ~0.9 × N node executions and
// GetWorkflow of its N-node workflow (a compiled closure of ~1.8 MB at 5,000 nodes), through the gRPC API and through
// the HTTP gateway as JSON (what the console asks for). gRPC calls go through a raw HTTP/2 client (bench/grpc-raw-client.ts:
// pre-encoded request, response bytes not decoded) so that the figures are the server's, not the client's protobuf
// decoding (decoding a 0.56 MB Workflow takes the client ~200 ms here). Seeded with the console benchmark's helpers
// (bench/console-seed.ts: the workflow registered through the HTTP API, node executions inserted straight into the
// database) at each size. Baseline from the same run: GetExecution of the same execution over gRPC. The growth ratio
// is p50 at the largest size over p50 at the smallest (10× nodes: linear cost gives ~10×, quadratic ~100×).
// Usage: npm run bench:admin-reads [-- --nodes 500,5000 --samples 15 --db sqlite]
import { parseArgs } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { Kysely } from "kysely";
import { ObjectGetRequestSchema } from "@aloft/idl/flyteidl/admin/common_pb.js";
import {
  WorkflowExecutionGetMetricsRequestSchema,
  WorkflowExecutionGetRequestSchema,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { startTestPlatform } from "@aloft/testkit";
import { createRunning, D, P, registerWorkflow, seedNodeExecutions } from "./console-seed.ts";
import { rawGrpcClient } from "./grpc-raw-client.ts";
import { report } from "./summary.ts";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "500,5000" },
    samples: { type: "string", default: "15" },
    db: { type: "string", default: "sqlite" },
  },
});
const SIZES = values.nodes.split(",").map(Number);
const SAMPLES = Number(values.samples);
const DIALECT = values.db === "postgres" ? "postgres" : "sqlite";

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * p50 of `SAMPLES` calls after one warm-up call, wall time and the process's CPU time (server and client are this
 * process: on a loaded machine the CPU time is the steadier figure); returns the last result too.
 */
async function measure<T>(call: () => Promise<T>): Promise<{ p50: number; cpu: number; last: T }> {
  let last = await call();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    last = await call();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { p50: p50(times), cpu: p50(cpu), last };
}

async function getJson(url: string): Promise<{ bytes: number }> {
  const res = await fetch(url, { headers: { accept: "application/json" } });
  const body = await res.arrayBuffer();
  if (res.status !== 200)
    throw new Error(`GET ${url}: HTTP ${res.status} ${Buffer.from(body).toString().slice(0, 300)}`);
  return { bytes: body.byteLength };
}

interface Row {
  nodes: number;
  nodeExecutions: number;
  closureBytes: number;
  jsonBytes: number;
  base: number;
  metricsGrpc: number;
  metricsHttp: number;
  metricsGrpcCpu: number;
  metricsHttpCpu: number;
  finishedGrpc: number;
  finishedHttp: number;
  workflowGrpc: number;
  workflowHttp: number;
}

const registration = {
  maxWorkflowNodes: Math.max(...SIZES),
  maxLabelEntries: 0,
  maxAnnotationEntries: 0,
  workflowSizeLimit: "",
};
const platform = await startTestPlatform({ database: DIALECT, overrides: { registration } });
const rows: Row[] = [];
try {
  const base = platform.httpUrl;
  const db = platform.admin.database.db as Kysely<any>;
  const grpc = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
  const raw = rawGrpcClient(`http://${platform.grpcAddress}`);
  for (const n of SIZES) {
    const name = `w${n}`;
    const t0 = performance.now();
    await registerWorkflow(base, name, n);
    await createRunning(base, db, name, name);
    const seeded = await seedNodeExecutions(db, name, n);
    // The same execution finished (it and all its nodes terminal): an answer admin may keep.
    const done = `${name}d`;
    await createRunning(base, db, name, done, true);
    await seedNodeExecutions(db, done, n, true);
    process.stderr.write(
      `${n} nodes: registered and seeded ${seeded} node executions in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    const execId = { project: P, domain: D, name };
    const wfId = { resourceType: ResourceType.WORKFLOW, project: P, domain: D, name, version: "v1" };
    const rpc = (method: string, bytes: Uint8Array) => () =>
      raw.unary(`/flyteidl.service.AdminService/${method}`, bytes);
    const getExecution = rpc(
      "GetExecution",
      toBinary(WorkflowExecutionGetRequestSchema, create(WorkflowExecutionGetRequestSchema, { id: execId })),
    );
    const metricsRequest = create(WorkflowExecutionGetMetricsRequestSchema, { id: execId, depth: 10 });
    const metricsGrpc = rpc("GetExecutionMetrics", toBinary(WorkflowExecutionGetMetricsRequestSchema, metricsRequest));
    const metricsHttp = () => getJson(`${base}/api/v1/metrics/executions/${P}/${D}/${name}?depth=10`);
    const finishedRequest = create(WorkflowExecutionGetMetricsRequestSchema, {
      id: { ...execId, name: done },
      depth: 10,
    });
    const finishedGrpc = rpc(
      "GetExecutionMetrics",
      toBinary(WorkflowExecutionGetMetricsRequestSchema, finishedRequest),
    );
    const finishedHttp = () => getJson(`${base}/api/v1/metrics/executions/${P}/${D}/${done}?depth=10`);
    const workflowGrpc = rpc(
      "GetWorkflow",
      toBinary(ObjectGetRequestSchema, create(ObjectGetRequestSchema, { id: wfId })),
    );
    const workflowHttp = () => getJson(`${base}/api/v1/workflows/${P}/${D}/${name}/v1`);
    const b = await measure(getExecution);
    const m = await measure(metricsGrpc);
    const metrics = await grpc.getExecutionMetrics(metricsRequest);
    const spans = metrics.span?.spans.filter((s) => s.id.case === "nodeId").length ?? 0;
    if (spans !== seeded - 1) throw new Error(`metrics: ${spans} node spans, expected ${seeded - 1}`);
    const mh = await measure(metricsHttp);
    const fg = await measure(finishedGrpc);
    const fh = await measure(finishedHttp);
    const w = await measure(workflowGrpc);
    const wh = await measure(workflowHttp);
    rows.push({
      nodes: n,
      nodeExecutions: seeded,
      closureBytes: w.last.byteLength,
      jsonBytes: wh.last.bytes,
      base: b.p50,
      metricsGrpc: m.p50,
      metricsHttp: mh.p50,
      metricsGrpcCpu: m.cpu,
      metricsHttpCpu: mh.cpu,
      finishedGrpc: fg.p50,
      finishedHttp: fh.p50,
      workflowGrpc: w.p50,
      workflowHttp: wh.p50,
    });
  }
  raw.close();
} finally {
  await platform.close();
}

const f = (x: number) => x.toFixed(1);
console.log(`\nadmin reads of one big execution (${DIALECT}, p50 of ${SAMPLES}, ms; baseline: GetExecution, gRPC)\n`);
console.log(
  "| nodes | node execs | workflow | GetExecution (base) | metrics gRPC (CPU) | metrics HTTP JSON (CPU) | finished: metrics gRPC | finished: HTTP JSON | GetWorkflow gRPC | GetWorkflow HTTP JSON |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  const mb = (x: number) => `${(x / 1e6).toFixed(2)} MB`;
  console.log(
    `| ${r.nodes} | ${r.nodeExecutions} | ${mb(r.closureBytes)} (JSON ${mb(r.jsonBytes)}) | ${f(r.base)} | ${f(r.metricsGrpc)} (${f(r.metricsGrpcCpu)}) | ${f(r.metricsHttp)} (${f(r.metricsHttpCpu)}) | ${f(r.finishedGrpc)} | ${f(r.finishedHttp)} | ${f(r.workflowGrpc)} | ${f(r.workflowHttp)} |`,
  );
}
const small = rows[0];
const big = rows.at(-1);
if (small && big && big !== small) {
  const g = (k: keyof Row) => `${(big[k] / small[k]).toFixed(1)}×`;
  console.log(
    `\ngrowth ${small.nodes} → ${big.nodes} nodes (${(big.nodes / small.nodes).toFixed(0)}×): metrics gRPC ${g("metricsGrpc")}, metrics HTTP ${g("metricsHttp")}, GetWorkflow gRPC ${g("workflowGrpc")}, GetWorkflow HTTP ${g("workflowHttp")}, baseline ${g("base")}`,
  );
}
if (big) {
  const fig = (figure: string, value: number) => ({
    figure: `${figure}, ${big.nodes} nodes, ${DIALECT}, p50`,
    value,
    baseline: big.base,
    unit: "ms",
    goal: "< 100 ms",
  });
  report("admin-reads", [
    fig("GetExecutionMetrics gRPC", big.metricsGrpc),
    fig("GetExecutionMetrics HTTP JSON", big.metricsHttp),
    fig("GetExecutionMetrics of a finished execution, gRPC", big.finishedGrpc),
    fig("GetExecutionMetrics of a finished execution, HTTP JSON", big.finishedHttp),
    fig("GetWorkflow gRPC", big.workflowGrpc),
    fig("GetWorkflow HTTP JSON", big.workflowHttp),
  ]);
}

// gRPC transport benchmark: before/after the unary fast path (packages/admin/src/api/grpc/unary-fast-path.ts), in
// one run, against a bare node:http2 baseline measured in the same run.
//
// Two `aloft start` children: "connect-node" (ALOFT_GRPC_FAST_PATH=0: every call through connect-node, as before)
// and "fast path" (the default). Load comes from this process with three clients, to separate client cost from
// server cost: a minimal raw node:http2 client (pre-encoded requests, no protobuf work: the server is the
// bottleneck), connect-node's client and @grpc/grpc-js. Methods: grpc.health.v1 Check (served by connect-node on
// both servers: transport only), GetVersion (no database), GetProject and ListProjects (SQLite reads).
// Scenarios alternate between the two servers and repeat (--rounds); the table shows the best round of each,
// since the machine may be shared.
// Usage: npx tsx bench/grpc.bench.ts [-- --requests 5000 --concurrency 32 --rounds 2]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import {
  ProjectGetRequestSchema,
  ProjectListRequestSchema,
  ProjectSchema,
} from "@aloft/idl/flyteidl/admin/project_pb.js";
import { GetVersionRequestSchema } from "@aloft/idl/flyteidl/admin/version_pb.js";
import { HealthCheckRequestSchema } from "@aloft/idl/grpc/health/v1/health_pb.js";
import { adminClient, unary } from "@aloft/testkit";
import { repoRoot, startAloft, startChild } from "./child.ts";
import { rawGrpcClient } from "./grpc-raw-client.ts";
import { runLoad, type LoadResult } from "./load.ts";
import { report } from "./summary.ts";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "5000" },
    concurrency: { type: "string", default: "32" },
    rounds: { type: "string", default: "2" },
  },
});
const N = Number(values.requests);
const C = Number(values.concurrency);
const ROUNDS = Number(values.rounds);

async function startServer(dataDir: string, env: Record<string, string>) {
  const { child, grpcPort } = await startAloft(dataDir, [], env);
  return { child, url: `http://127.0.0.1:${grpcPort}`, address: `127.0.0.1:${grpcPort}` };
}

const dirs = [mkdtempSync(join(tmpdir(), "aloft-bench-grpc-")), mkdtempSync(join(tmpdir(), "aloft-bench-grpc-"))];
const before = await startServer(dirs[0]!, { ALOFT_GRPC_FAST_PATH: "0" });
const after = await startServer(dirs[1]!, {});
const projectBytes = toBinary(
  ProjectSchema,
  create(ProjectSchema, {
    id: "flytesnacks",
    name: "flytesnacks",
    domains: [{ id: "development", name: "development" }],
  }),
);
const baseline = await startChild(
  "node",
  [join(repoRoot, "bench", "baseline-grpc-server.mjs"), Buffer.from(projectBytes).toString("base64")],
  /port (\d+)/,
);
const children = [before.child, after.child, baseline.child];
process.on("exit", () => {
  for (const c of children) c.kill("SIGTERM");
});

const P = "/flyteidl.service.AdminService/";
const getProject = toBinary(ProjectGetRequestSchema, create(ProjectGetRequestSchema, { id: "flytesnacks" }));
const listProjects = toBinary(ProjectListRequestSchema, create(ProjectListRequestSchema, { limit: 20 }));
const getVersion = toBinary(GetVersionRequestSchema, create(GetVersionRequestSchema, {}));
const check = toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service: "" }));

type Call = () => Promise<void>;
function clientsFor(server: { url: string; address: string }) {
  const raw = rawGrpcClient(server.url);
  const connect = createClient(AdminService, createGrpcTransport({ baseUrl: server.url }));
  const gjs = adminClient(server.address);
  return {
    close: () => (raw.close(), gjs.close()),
    calls: {
      "raw client: health Check": async () => void (await raw.unary("/grpc.health.v1.Health/Check", check)),
      "raw client: GetVersion": async () => void (await raw.unary(`${P}GetVersion`, getVersion)),
      "raw client: GetProject": async () => void (await raw.unary(`${P}GetProject`, getProject)),
      "raw client: ListProjects limit 20": async () => void (await raw.unary(`${P}ListProjects`, listProjects)),
      "connect client: GetProject": async () => void (await connect.getProject({ id: "flytesnacks" })),
      "grpc-js client: GetProject": async () => void (await unary(gjs, "GetProject", { id: "flytesnacks" })),
    } as Record<string, Call>,
  };
}
const rawBase = rawGrpcClient(`http://127.0.0.1:${baseline.match[1]}`);
const baseCall: Call = async () => void (await rawBase.unary(`${P}GetProject`, getProject));
const cBefore = clientsFor(before);
const cAfter = clientsFor(after);

const best = (rs: LoadResult[]) => rs.reduce((a, b) => (b.rps > a.rps ? b : a));
async function measure(name: string, call: Call, count: number, concurrency: number): Promise<LoadResult> {
  await runLoad(`${name} (warm-up)`, Math.min(500, count), concurrency, call);
  return runLoad(name, count, concurrency, call);
}

try {
  const names = Object.keys(cBefore.calls);
  const base: LoadResult[] = [];
  const rows = new Map<string, { before: LoadResult[]; after: LoadResult[] }>(
    names.map((n) => [n, { before: [], after: [] }]),
  );
  const seq = { base: [] as LoadResult[], before: [] as LoadResult[], after: [] as LoadResult[] };
  const S = Math.min(2000, N);
  for (let round = 0; round < ROUNDS; round++) {
    base.push(await measure("baseline", baseCall, N, C));
    for (const n of names) {
      rows.get(n)!.before.push(await measure(n, cBefore.calls[n]!, N, C));
      rows.get(n)!.after.push(await measure(n, cAfter.calls[n]!, N, C));
    }
    seq.base.push(await measure("baseline", baseCall, S, 1));
    seq.before.push(await measure("seq", cBefore.calls["raw client: GetProject"]!, S, 1));
    seq.after.push(await measure("seq", cAfter.calls["raw client: GetProject"]!, S, 1));
  }
  const b = best(base);
  const pad = (s: string, n: number) => s.padEnd(n);
  const fmt = (r: LoadResult) =>
    `${pad(r.rps.toFixed(0), 8)}${pad(r.p50ms.toFixed(2), 8)}${pad(r.p99ms.toFixed(2), 8)}`;
  console.log(
    `\ngRPC benchmark: ${N} requests per scenario, concurrency ${C}, best of ${ROUNDS} rounds, node ${process.version}`,
  );
  console.log(
    `baseline: bare node:http2 answering a fixed GetProject reply, raw client: ${b.rps.toFixed(0)} req/s, p50 ${b.p50ms.toFixed(2)} ms\n`,
  );
  console.log(`${pad("", 36)}${pad("connect-node (before)", 33)}${pad("fast path (after)", 33)}`);
  console.log(
    `${pad("scenario", 36)}${pad("req/s", 8)}${pad("p50 ms", 8)}${pad("p99 ms", 8)}${pad("vs base", 9)}${pad("req/s", 8)}${pad("p50 ms", 8)}${pad("p99 ms", 8)}${pad("vs base", 9)}after/before`,
  );
  for (const n of names) {
    const { before: rb, after: ra } = rows.get(n)!;
    const x = best(rb);
    const y = best(ra);
    const errs = [...rb, ...ra].reduce((s, r) => s + r.errors, 0);
    console.log(
      `${pad(n, 36)}${fmt(x)}${pad(`${(x.rps / b.rps).toFixed(2)}x`, 9)}${fmt(y)}${pad(`${(y.rps / b.rps).toFixed(2)}x`, 9)}${(y.rps / x.rps).toFixed(2)}x${errs ? `  (${errs} errors)` : ""}`,
    );
  }
  const [sb, s0, s1] = [best(seq.base), best(seq.before), best(seq.after)];
  report(
    "grpc",
    names.map((n) => ({
      figure: `${n}, concurrency ${C}, fast path (baseline: bare node:http2)`,
      value: best(rows.get(n)!.after).rps,
      baseline: b.rps,
      unit: "req/s",
      goal: "≥ 0.5× bare",
    })),
  );
  console.log(
    `\nsequential GetProject (raw client, concurrency 1), p50 latency: baseline ${sb.p50ms.toFixed(3)} ms, connect-node ${s0.p50ms.toFixed(3)} ms, fast path ${s1.p50ms.toFixed(3)} ms` +
      ` (${s0.rps.toFixed(0)} -> ${s1.rps.toFixed(0)} req/s, ${(s1.rps / s0.rps).toFixed(2)}x)`,
  );
} finally {
  cBefore.close();
  cAfter.close();
  rawBase.close();
  for (const c of children) c.kill("SIGTERM");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.exit(0);

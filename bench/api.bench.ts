// API benchmark: GetProject and ListProjects over HTTP (JSON and binary) and gRPC, against a bare node:http server
// measured in the same run. Servers run in child processes; this process only generates load.
// Usage: npm run bench:api [-- --requests 5000 --concurrency 32 --projects 500]
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { create, toBinary } from "@bufbuild/protobuf";
import { ProjectGetRequestSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { startAloft, startChild } from "./child.ts";
import { rawGrpcClient } from "./grpc-raw-client.ts";
import { printTable, runLoad, type LoadResult } from "./load.ts";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "5000" },
    concurrency: { type: "string", default: "32" },
    projects: { type: "string", default: "500" },
  },
});
const N = Number(values.requests);
const C = Number(values.concurrency);
const P = Number(values.projects);
const root = join(import.meta.dirname, "..");

const agent = new Agent({ keepAlive: true, maxSockets: C });
function httpGet(port: number, path: string, accept?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent, headers: accept ? { accept } : {} }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end();
  });
}

const dataDir = mkdtempSync(join(tmpdir(), "aloft-bench-"));
const aloft = await startAloft(dataDir);
const { grpcPort, httpPort } = aloft;
const client = createClient(AdminService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${grpcPort}` }));
for (let i = 0; i < P; i++)
  await client.registerProject({ project: { id: `bench-${String(i).padStart(5, "0")}`, name: `bench ${i}` } });

// connect-node's client costs this (shared, 2-core) machine about as much CPU per call as the server does; the raw
// HTTP/2 client sends pre-encoded requests, so its row shows the server (bench/grpc.bench.ts separates them fully).
const raw = rawGrpcClient(`http://127.0.0.1:${grpcPort}`);
const getProjectBytes = toBinary(ProjectGetRequestSchema, create(ProjectGetRequestSchema, { id: "flytesnacks" }));

const sample = await fetch(`http://127.0.0.1:${httpPort}/api/v1/projects/flytesnacks`, {
  headers: { accept: "application/json" },
});
const baseline = await startChild(
  "node",
  [join(root, "bench", "baseline-server.mjs"), await sample.text()],
  /port (\d+)/,
);
const basePort = Number(baseline.match[1]);

const scenarios: Array<[string, () => Promise<void>]> = [
  ["baseline: bare node:http, fixed body", () => httpGet(basePort, "/api/v1/projects/flytesnacks", "application/json")],
  ["HTTP GetProject (application/json)", () => httpGet(httpPort, "/api/v1/projects/flytesnacks", "application/json")],
  [
    "HTTP GetProject (octet-stream)",
    () => httpGet(httpPort, "/api/v1/projects/flytesnacks", "application/octet-stream"),
  ],
  [
    `HTTP ListProjects limit 20 of ${P + 1}`,
    () => httpGet(httpPort, "/api/v1/projects?limit=20&token=100", "application/json"),
  ],
  ["gRPC GetProject", async () => void (await client.getProject({ id: "flytesnacks" }))],
  [
    "gRPC GetProject (raw h2 client)",
    async () => void (await raw.unary("/flyteidl.service.AdminService/GetProject", getProjectBytes)),
  ],
  [`gRPC ListProjects limit 20 of ${P + 1}`, async () => void (await client.listProjects({ limit: 20, token: "100" }))],
  [
    `gRPC ListProjects filtered + sorted`,
    async () =>
      void (await client.listProjects({
        limit: 20,
        filters: "contains(identifier,bench-001)",
        sortBy: { key: "created_at", direction: 1 },
      })),
  ],
];

try {
  const results: LoadResult[] = [];
  for (const [name, call] of scenarios) {
    await runLoad(`${name} (warm-up)`, Math.min(500, N), C, call);
    results.push(await runLoad(name, N, C, call));
  }
  console.log(
    `\nAPI benchmark: ${N} requests per scenario, concurrency ${C}, ${P + 1} projects, SQLite, node ${process.version}\n`,
  );
  printTable(results, results[0]!);
} finally {
  agent.destroy();
  raw.close();
  await aloft.stop();
  baseline.child.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
}

// Drives one gRPC method on an already running server with the raw client (for profiling the server process).
// Usage: npx tsx bench/grpc-load.ts <port> <check|version|project> [requests] [concurrency]
import { create, toBinary } from "@bufbuild/protobuf";
import { ProjectGetRequestSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { HealthCheckRequestSchema } from "@aloft/idl/grpc/health/v1/health_pb.js";
import { rawGrpcClient } from "./grpc-raw-client.ts";
import { runLoad } from "./load.ts";

const [port, what = "project", n = "20000", c = "32"] = process.argv.slice(2);
const client = rawGrpcClient(`http://127.0.0.1:${port}`);
const calls: Record<string, [string, Uint8Array]> = {
  check: ["/grpc.health.v1.Health/Check", toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, {}))],
  version: ["/flyteidl.service.AdminService/GetVersion", new Uint8Array()],
  project: [
    "/flyteidl.service.AdminService/GetProject",
    toBinary(ProjectGetRequestSchema, create(ProjectGetRequestSchema, { id: "flytesnacks" })),
  ],
};
const [path, body] = calls[what]!;
const r = await runLoad(what, Number(n), Number(c), async () => void (await client.unary(path, body)));
console.log(JSON.stringify(r));
client.close();

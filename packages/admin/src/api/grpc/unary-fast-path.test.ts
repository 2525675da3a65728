// The unary fast path must answer exactly as connect-node does: the same requests, raw on the wire, to a server
// with the fast path and one without, give the same status, message, details, headers and payload.
import assert from "node:assert/strict";
import http2 from "node:http2";
import { gunzipSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import {
  ProjectGetRequestSchema,
  ProjectListRequestSchema,
  ProjectSchema,
  ProjectsSchema,
} from "@aloft/idl/flyteidl/admin/project_pb.js";
import { GetVersionResponseSchema } from "@aloft/idl/flyteidl/admin/version_pb.js";
import { HealthCheckRequestSchema } from "@aloft/idl/grpc/health/v1/health_pb.js";
import { invalidArgument, notFound } from "@aloft/core";
import { silentLogger } from "@aloft/core";
import { adminClient, grpc, unary } from "@aloft/testkit";
import { bind, type UnaryMiddleware } from "../rpc.ts";
import { startGrpcServer, type RunningGrpcServer } from "./grpc-server.ts";
import { HealthState, healthRoutes } from "./health.ts";

const aborted: string[] = [];
const binding = bind(AdminService, {
  getVersion: async () =>
    create(GetVersionResponseSchema, { controlPlaneVersion: { Build: "b", Version: "v", BuildTime: "t" } }),
  getProject: async (req, ctx) => {
    switch (req.id) {
      case "missing":
        throw notFound("project.not_found", `project [${req.id}] not found: a:b/c%d ü`);
      case "details":
        throw invalidArgument("x", "with details", [
          { schema: ProjectSchema, value: create(ProjectSchema, { id: "d" }) },
        ]);
      case "boom":
        throw new Error("unexpected");
      case "headers":
        ctx.responseHeaders.set("x-extra", "1");
        return create(ProjectSchema, { id: req.id, name: ctx.headers.get("custom") ?? "" });
      case "slow":
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 300);
          ctx.signal.addEventListener("abort", () => (clearTimeout(t), aborted.push(ctx.requestId), resolve()), {
            once: true,
          });
        });
        return create(ProjectSchema, { id: req.id });
      default:
        return create(ProjectSchema, { id: req.id, name: `project ${req.id}` });
    }
  },
  listProjects: async (req) =>
    create(ProjectsSchema, {
      projects: Array.from({ length: req.limit }, (_, i) =>
        create(ProjectSchema, { id: `p${i}`, name: "n".repeat(40) }),
      ),
    }),
});
const seen: string[] = [];
const middleware: UnaryMiddleware[] = [
  (method, req, ctx, next) => (seen.push(`${ctx.transport} ${method.name}`), next(req, ctx)),
];

function frame(m: Uint8Array, flags = 0): Buffer {
  const o = Buffer.alloc(5 + m.length);
  o[0] = flags;
  o.writeUInt32BE(m.length, 1);
  o.set(m, 5);
  return o;
}

interface Answer {
  headers: Record<string, unknown>;
  trailers: Record<string, unknown>;
  payload: string;
}

function call(port: number, path: string, body: Buffer, extra: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      ...extra,
    });
    let headers: Record<string, unknown> = {};
    let trailers: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => (headers = { ...h }));
    stream.on("trailers", (t) => (trailers = { ...t }));
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("error", reject);
    stream.on("close", () => {
      session.close();
      delete headers.date;
      if (!extra["x-request-id"]) delete headers["x-request-id"];
      const raw = Buffer.concat(chunks);
      const payload =
        raw.length === 0
          ? ""
          : raw[0] === 1
            ? gunzipSync(raw.subarray(5)).toString("hex")
            : raw.subarray(5).toString("hex");
      resolve({ headers, trailers, payload });
    });
    stream.end(body);
  });
}

const P = "/flyteidl.service.AdminService/";
const get = (id: string) => frame(toBinary(ProjectGetRequestSchema, create(ProjectGetRequestSchema, { id })));
const cases: Array<[string, string, Buffer, Record<string, string>?]> = [
  ["ok", `${P}GetProject`, get("flytesnacks")],
  ["no database method", `${P}GetVersion`, frame(new Uint8Array())],
  ["not found, message with characters to escape", `${P}GetProject`, get("missing")],
  ["error details", `${P}GetProject`, get("details")],
  ["unexpected error", `${P}GetProject`, get("boom")],
  ["request and response metadata", `${P}GetProject`, get("headers"), { custom: "hello", "x-request-id": "req-1" }],
  [
    "small reply, gzip accepted",
    `${P}ListProjects`,
    frame(toBinary(ProjectListRequestSchema, create(ProjectListRequestSchema, { limit: 2 }))),
    { "grpc-accept-encoding": "identity,deflate,gzip" },
  ],
  [
    "large reply, gzip accepted",
    `${P}ListProjects`,
    frame(toBinary(ProjectListRequestSchema, create(ProjectListRequestSchema, { limit: 50 }))),
    { "grpc-accept-encoding": "identity,deflate,gzip" },
  ],
  [
    "large reply, no compression",
    `${P}ListProjects`,
    frame(toBinary(ProjectListRequestSchema, create(ProjectListRequestSchema, { limit: 50 }))),
  ],
  ["undecodable message", `${P}GetProject`, frame(new Uint8Array([0]))],
  ["empty body", `${P}GetProject`, Buffer.alloc(0)],
  ["short envelope", `${P}GetProject`, Buffer.from([0, 0, 0])],
  ["incomplete envelope", `${P}GetProject`, Buffer.from([0, 0, 0, 0, 9, 1])],
  ["two messages", `${P}GetVersion`, Buffer.concat([frame(new Uint8Array()), frame(new Uint8Array())])],
  ["trailing bytes", `${P}GetVersion`, Buffer.concat([frame(new Uint8Array()), Buffer.from([0, 0])])],
  ["compressed flag without encoding", `${P}GetVersion`, frame(new Uint8Array(), 1)],
  ["deadline", `${P}GetVersion`, frame(new Uint8Array()), { "grpc-timeout": "10S" }],
  ["bad deadline", `${P}GetVersion`, frame(new Uint8Array()), { "grpc-timeout": "xx" }],
  ["content type with +proto", `${P}GetVersion`, frame(new Uint8Array()), { "content-type": "application/grpc+proto" }],
  ["unimplemented method", `${P}ListExecutions`, frame(new Uint8Array())],
];

describe("gRPC unary fast path", () => {
  let fast: RunningGrpcServer;
  let connect: RunningGrpcServer;
  before(async () => {
    const common = {
      host: "127.0.0.1",
      port: 0,
      bindings: [binding],
      middleware,
      routerHooks: [healthRoutes(new HealthState([]))],
      logger: silentLogger(),
    };
    fast = await startGrpcServer({ ...common, fastPath: true });
    connect = await startGrpcServer({ ...common, fastPath: false });
  });
  after(async () => {
    await fast?.close();
    await connect?.close();
  });

  for (const [name, path, body, extra] of cases) {
    test(`same answer as connect-node: ${name}`, async () => {
      const a = await call(connect.port, path, body, extra);
      const b = await call(fast.port, path, body, extra);
      assert.deepEqual(b, a);
      assert.ok(a.trailers["grpc-status"] !== undefined || a.headers["grpc-status"] !== undefined);
    });
  }

  test("the fast path answers with the request id and runs the middleware", async () => {
    seen.length = 0;
    const a = await call(fast.port, `${P}GetProject`, get("x"));
    assert.equal(a.trailers["grpc-status"], "0");
    const b = await call(fast.port, `${P}GetVersion`, frame(new Uint8Array()), { "x-request-id": "given" });
    assert.equal(b.headers["x-request-id"], "given");
    assert.deepEqual(seen, ["grpc GetProject", "grpc GetVersion"]);
  });

  test("a call the client cancels aborts the handler's signal", async () => {
    aborted.length = 0;
    const session = http2.connect(`http://127.0.0.1:${fast.port}`);
    const stream = session.request({
      ":method": "POST",
      ":path": `${P}GetProject`,
      "content-type": "application/grpc",
      "x-request-id": "cancel-me",
    });
    stream.on("error", () => {});
    stream.end(get("slow"));
    await new Promise((r) => setTimeout(r, 50));
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await new Promise((r) => setTimeout(r, 100));
    session.close();
    assert.deepEqual(aborted, ["cancel-me"]);
  });

  test("grpc-js: unary calls, metadata and errors through the fast path; streaming and health still served", async () => {
    const client = adminClient(`127.0.0.1:${fast.port}`);
    try {
      const md = new grpc.Metadata();
      md.set("custom", "from grpc-js");
      const res = await unary<{ id: string; name: string }>(client, "GetProject", { id: "headers" }, md);
      assert.equal(res.name, "from grpc-js");
      await assert.rejects(unary(client, "GetProject", { id: "missing" }), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.NOT_FOUND);
        assert.equal(err.details, "project [missing] not found: a:b/c%d ü");
        return true;
      });
    } finally {
      client.close();
    }
    const health = await call(
      fast.port,
      "/grpc.health.v1.Health/Check",
      frame(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, {}))),
    );
    assert.equal(health.trailers["grpc-status"], "0");
    assert.equal(health.payload, "0801");
  });
});

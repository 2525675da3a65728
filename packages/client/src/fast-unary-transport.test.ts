// The fast unary path against a scripted node:http2 gRPC server, next to connect's own transport on the same server:
// the same message, the same codes, messages and details for statuses in trailers or trailers-only replies; a stream
// reset without a status is made again through connect; an unreachable server is UNAVAILABLE as with connect; a
// reply that never comes is DEADLINE_EXCEEDED; other services go to connect.
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import {
  CreateEventsRequestSchema,
  CreateEventsResponseSchema,
  EventService,
} from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import { EventFailureReasonSchema } from "@aloft/idl/flyteidl/admin/event_pb.js";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { fastUnaryTransport } from "./fast-unary-transport.ts";

type Answer = "ok" | "status" | "trailers-only" | "reset" | "silent";

const script: Answer[] = [];
const seen: Array<{ path: string; header: string | undefined; events: number }> = [];
let server: http2.Http2Server;
let baseUrl: string;

const frame = (bytes: Uint8Array) => {
  const out = Buffer.alloc(5 + bytes.length);
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
};

const failure = () =>
  new ConnectError("already terminal", Code.FailedPrecondition, undefined, [
    {
      desc: EventFailureReasonSchema,
      value: { reason: { case: "alreadyInTerminalState", value: { currentPhase: "SUCCEEDED" } } },
    },
  ]);

const trailerObject = (err: ConnectError | undefined) => {
  const h = new Headers();
  setTrailerStatus(h, err);
  return Object.fromEntries(h);
};

before(async () => {
  server = http2.createServer();
  // Resets and clients going away surface as errors on the server's own sessions and streams: expected here.
  server.on("session", (session) => session.on("error", () => {}));
  server.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    // An admin without StreamEvents (event-stream.test.ts has one with it): the calls then go one stream each.
    if (headers[":path"] === "/aloft.admin.v1.EventService/StreamEvents")
      return stream.respond(
        { ":status": 200, "content-type": "application/grpc+proto", "grpc-status": String(Code.Unimplemented) },
        { endStream: true },
      );
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      const body = Buffer.concat(chunks);
      const req = fromBinary(CreateEventsRequestSchema, body.subarray(5));
      seen.push({
        path: String(headers[":path"]),
        header: headers["x-test"] as string | undefined,
        events: req.events.length,
      });
      const answer = script.shift() ?? "ok";
      const head = { ":status": 200, "content-type": "application/grpc+proto" };
      if (answer === "reset") return stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      if (answer === "silent") return;
      if (answer === "trailers-only")
        return stream.respond({ ...head, ...trailerObject(failure()) }, { endStream: true });
      stream.respond(head, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers(trailerObject(answer === "status" ? failure() : undefined)));
      if (answer === "ok") {
        const res = create(CreateEventsResponseSchema, {
          results: req.events.map(() => ({ code: 0 })),
        });
        stream.end(frame(toBinary(CreateEventsResponseSchema, res)));
      } else stream.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => server.close());

function transports(url = baseUrl) {
  const sessions = new Http2SessionManager(url);
  const connect = createGrpcTransport({ baseUrl: url, sessionManager: sessions });
  const fast = fastUnaryTransport(connect, sessions, url, new Set([EventService.typeName]));
  return { connect, fast, close: () => sessions.abort() };
}

const call = (t: Transport, timeoutMs?: number) =>
  t.unary(
    EventService.method.createEvents,
    undefined,
    timeoutMs,
    { "x-test": "yes" },
    {
      events: [{ event: { case: "node", value: {} } }, { event: { case: "task", value: {} } }],
    },
  );

const outcome = async (p: Promise<unknown>) => {
  try {
    await p;
    return "ok";
  } catch (e) {
    const err = ConnectError.from(e);
    return { code: err.code, message: err.rawMessage, details: err.findDetails(EventFailureReasonSchema) };
  }
};

test("answers the message, and statuses as connect does, in trailers or trailers-only", async () => {
  const { connect, fast, close } = transports();
  try {
    seen.length = 0;
    script.push("ok");
    const res = await call(fast);
    assert.equal(res.message.results.length, 2);
    assert.deepEqual(seen, [{ path: "/aloft.admin.v1.EventService/CreateEvents", header: "yes", events: 2 }]);
    for (const answer of ["status", "trailers-only"] as const) {
      script.push(answer, answer);
      const viaFast = await outcome(call(fast));
      const viaConnect = await outcome(call(connect));
      assert.deepEqual(viaFast, viaConnect, answer);
      assert.equal((viaFast as { code: Code }).code, Code.FailedPrecondition);
      assert.equal((viaFast as { details: unknown[] }).details.length, 1);
    }
  } finally {
    close();
  }
});

test("a stream reset without a status is made again through connect", async () => {
  const { fast, close } = transports();
  try {
    seen.length = 0;
    script.push("reset", "ok");
    const res = await call(fast);
    assert.equal(res.message.results.length, 2);
    assert.equal(seen.length, 2);
  } finally {
    close();
  }
});

test("an unreachable server is UNAVAILABLE, as through connect", async () => {
  const probe = http2.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((r) => probe.close(() => r()));
  const { connect, fast, close } = transports(url);
  try {
    const viaFast = await outcome(call(fast));
    assert.equal((viaFast as { code: Code }).code, Code.Unavailable);
    assert.equal(((await outcome(call(connect))) as { code: Code }).code, Code.Unavailable);
  } finally {
    close();
  }
});

test("a reply that never comes is DEADLINE_EXCEEDED", async () => {
  const { fast, close } = transports();
  try {
    script.push("silent");
    const o = await outcome(call(fast, 50));
    assert.equal((o as { code: Code }).code, Code.DeadlineExceeded);
  } finally {
    close();
  }
});

test("other services' calls go to connect", async () => {
  const sessions = new Http2SessionManager(baseUrl);
  const calls: string[] = [];
  const inner: Transport = {
    unary: async (method) => {
      calls.push(method.name);
      throw new ConnectError("inner", Code.Unimplemented);
    },
    stream: async () => {
      throw new Error("no streams");
    },
  };
  const fast = fastUnaryTransport(inner, sessions, baseUrl, new Set([EventService.typeName]));
  try {
    const o = await outcome(fast.unary(AdminService.method.getVersion, undefined, undefined, undefined, {}));
    assert.deepEqual(o, { code: Code.Unimplemented, message: "inner", details: [] });
    assert.deepEqual(calls, ["GetVersion"]);
  } finally {
    sessions.abort();
  }
});

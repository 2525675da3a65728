// CreateEvents calls of the fast transport on admin's StreamEvents stream, against a scripted node:http2 server: calls
// share one stream and each gets its own answer in order; an error answer is the call's ConnectError as the unary
// path reads it from trailers; a call whose stream closes unanswered is sent on its own, and the next call opens a
// new stream; an admin without the method (UNIMPLEMENTED or 404) is not asked again; another authorization gets its
// own stream.
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import {
  CreateEventsRequestSchema,
  CreateEventsResponseSchema,
  EventService,
  StreamEventsResponseSchema,
} from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import { EventFailureReasonSchema } from "@aloft/idl/flyteidl/admin/event_pb.js";
import { fastUnaryTransport } from "./fast-unary-transport.ts";

type Mode = "serve" | "unimplemented" | "404";
type Answer = "ok" | "error" | "reset";

let mode: Mode = "serve";
const script: Answer[] = [];
/** Per StreamEvents stream: its authorization and the event counts of its requests. */
const streams: Array<{ authorization: string | undefined; requests: number[] }> = [];
/** Event counts of the CreateEvents calls made one stream each. */
const unary: number[] = [];
let server: http2.Http2Server;
let baseUrl: string;

const frame = (bytes: Uint8Array) => {
  const out = Buffer.alloc(5 + bytes.length);
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
};
const results = (n: number) => create(CreateEventsResponseSchema, { results: Array.from({ length: n }, () => ({})) });
const detail = create(EventFailureReasonSchema, {
  reason: { case: "alreadyInTerminalState", value: { currentPhase: "SUCCEEDED" } },
});

function serveStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) {
  const head = { ":status": 200, "content-type": "application/grpc+proto" };
  if (mode === "404") return stream.respond({ ":status": 404 }, { endStream: true });
  if (mode === "unimplemented")
    return stream.respond({ ...head, "grpc-status": String(Code.Unimplemented) }, { endStream: true });
  const seen = { authorization: headers.authorization, requests: [] as number[] };
  streams.push(seen);
  stream.respond(head, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  let buf = Buffer.alloc(0);
  stream.on("data", (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    while (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
      const req = fromBinary(CreateEventsRequestSchema, buf.subarray(5, 5 + buf.readUInt32BE(1)));
      buf = buf.subarray(5 + buf.readUInt32BE(1));
      seen.requests.push(req.events.length);
      const answer = script.shift() ?? "ok";
      if (answer === "reset") return stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      const result =
        answer === "ok"
          ? { case: "response" as const, value: results(req.events.length) }
          : {
              case: "error" as const,
              value: {
                code: Code.FailedPrecondition,
                message: "already terminal",
                details: [
                  {
                    typeUrl: `type.googleapis.com/${EventFailureReasonSchema.typeName}`,
                    value: toBinary(EventFailureReasonSchema, detail),
                  },
                ],
              },
            };
      stream.write(frame(toBinary(StreamEventsResponseSchema, create(StreamEventsResponseSchema, { result }))));
    }
  });
  stream.on("end", () => stream.end());
}

before(async () => {
  server = http2.createServer();
  server.on("session", (session) => session.on("error", () => {}));
  server.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    if (headers[":path"] === "/aloft.admin.v1.EventService/StreamEvents") return serveStream(stream, headers);
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      const req = fromBinary(CreateEventsRequestSchema, Buffer.concat(chunks).subarray(5));
      unary.push(req.events.length);
      stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(frame(toBinary(CreateEventsResponseSchema, results(req.events.length))));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());
beforeEach(() => {
  mode = "serve";
  script.length = 0;
  streams.length = 0;
  unary.length = 0;
});

function transport(): { fast: Transport; close: () => void } {
  const sessions = new Http2SessionManager(baseUrl);
  const connect = createGrpcTransport({ baseUrl, sessionManager: sessions });
  return {
    fast: fastUnaryTransport(connect, sessions, baseUrl, new Set([EventService.typeName])),
    close: () => sessions.abort(),
  };
}

const call = (t: Transport, events: number, authorization = "Bearer a") =>
  t.unary(
    EventService.method.createEvents,
    undefined,
    5000,
    { authorization },
    {
      events: Array.from({ length: events }, () => ({ event: { case: "node" as const, value: {} } })),
    },
  );

test("calls share one stream, each answered with its own response", async () => {
  const { fast, close } = transport();
  try {
    const res = await Promise.all([1, 2, 3].map((n) => call(fast, n)));
    assert.deepEqual(
      res.map((r) => r.message.results.length),
      [1, 2, 3],
    );
    assert.equal((await call(fast, 4)).message.results.length, 4);
    assert.deepEqual(streams, [{ authorization: "Bearer a", requests: [1, 2, 3, 4] }]);
    assert.deepEqual(unary, []);
  } finally {
    close();
  }
});

test("an error answer is the call's error, code, message and details", async () => {
  const { fast, close } = transport();
  try {
    script.push("error");
    const err = await call(fast, 1).then(
      () => assert.fail("answered"),
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(err.code, Code.FailedPrecondition);
    assert.equal(err.rawMessage, "already terminal");
    assert.deepEqual(err.findDetails(EventFailureReasonSchema), [detail]);
  } finally {
    close();
  }
});

test("a call whose stream closes unanswered is sent on its own; the next call opens a new stream", async () => {
  const { fast, close } = transport();
  try {
    script.push("reset");
    assert.equal((await call(fast, 2)).message.results.length, 2);
    assert.deepEqual(unary, [2]);
    assert.equal((await call(fast, 3)).message.results.length, 3);
    assert.deepEqual(
      streams.map((s) => s.requests),
      [[2], [3]],
    );
  } finally {
    close();
  }
});

test("an admin without StreamEvents is not asked again", async () => {
  for (const m of ["unimplemented", "404"] as const) {
    const { fast, close } = transport();
    try {
      mode = m;
      unary.length = 0;
      assert.equal((await call(fast, 1)).message.results.length, 1);
      assert.equal((await call(fast, 2)).message.results.length, 2);
      assert.deepEqual(unary, [1, 2], m);
      mode = "serve";
      await call(fast, 3);
      assert.deepEqual(unary, [1, 2, 3], m);
      assert.deepEqual(streams, [], m);
    } finally {
      close();
    }
  }
});

test("another authorization gets a stream of its own", async () => {
  const { fast, close } = transport();
  try {
    await call(fast, 1, "Bearer a");
    await call(fast, 2, "Bearer b");
    assert.deepEqual(streams, [
      { authorization: "Bearer a", requests: [1] },
      { authorization: "Bearer b", requests: [2] },
    ]);
  } finally {
    close();
  }
});

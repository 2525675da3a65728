// StreamEvents: CreateEvents calls on one stream, each through CreateEvents' own middleware and handler with the
// stream's headers, answered in request order (a later request handled first still waits); a call's error is its
// answer (the status CreateEvents would have sent, details included) and the stream goes on; broken framing ends the
// stream with a status; without the fast path the method is UNIMPLEMENTED.
import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, before, test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  CreateEventsRequestSchema,
  CreateEventsResponseSchema,
  EventService,
  StreamEventsResponseSchema,
  type StreamEventsResponse,
} from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import { EventFailureReasonSchema } from "@aloft/idl/flyteidl/admin/event_pb.js";
import { AloftError, Code, failedPrecondition, silentLogger } from "@aloft/core";
import { bind, type UnaryMiddleware } from "../rpc.ts";
import { startGrpcServer, type RunningGrpcServer } from "./grpc-server.ts";

const seen: string[] = [];
// Request i carries i events; one with 2 events is slow, one with 3 fails with a detail.
const binding = bind(EventService, {
  createEvents: async (req) => {
    const n = req.events.length;
    if (n === 2) await new Promise((r) => setTimeout(r, 50));
    if (n === 3)
      throw failedPrecondition("event.terminal", "already terminal", [
        {
          schema: EventFailureReasonSchema,
          value: create(EventFailureReasonSchema, {
            reason: { case: "alreadyInTerminalState", value: { currentPhase: "SUCCEEDED" } },
          }),
        },
      ]);
    return create(CreateEventsResponseSchema, { results: req.events.map(() => ({ code: 0 })) });
  },
});
const middleware: UnaryMiddleware[] = [
  (method, req, ctx, next) => {
    seen.push(method.name);
    if (ctx.headers.get("authorization") !== "Bearer ok")
      throw new AloftError(Code.UNAUTHENTICATED, "auth.missing", "no token");
    return next(req, ctx);
  },
];

let fast: RunningGrpcServer;
let compat: RunningGrpcServer;
before(async () => {
  const o = { host: "127.0.0.1", port: 0, bindings: [binding], middleware, routerHooks: [], logger: silentLogger() };
  fast = await startGrpcServer(o);
  compat = await startGrpcServer({ ...o, fastPath: false });
});
after(async () => {
  await fast.close();
  await compat.close();
});

const request = (events: number, flags = 0) => {
  const bytes = toBinary(
    CreateEventsRequestSchema,
    create(CreateEventsRequestSchema, {
      events: Array.from({ length: events }, () => ({ event: { case: "node" as const, value: {} } })),
    }),
  );
  const out = Buffer.alloc(5 + bytes.length);
  out[0] = flags;
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
};

interface Outcome {
  answers: StreamEventsResponse[];
  status: string | undefined;
}

/** Opens StreamEvents, writes `bodies` (all at once), ends once `expect` answers came (or the stream ended). */
function stream(port: number, bodies: Buffer[], expect: number, authorization = "Bearer ok"): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const s = session.request({
      ":method": "POST",
      ":path": `/${EventService.typeName}/StreamEvents`,
      "content-type": "application/grpc",
      te: "trailers",
      authorization,
    });
    const answers: StreamEventsResponse[] = [];
    let status: string | undefined;
    let buf = Buffer.alloc(0);
    s.on("response", (h) => (status = h["grpc-status"] as string | undefined));
    s.on("trailers", (t) => (status = t["grpc-status"] as string | undefined));
    s.on("data", (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
        answers.push(fromBinary(StreamEventsResponseSchema, buf.subarray(5, 5 + buf.readUInt32BE(1))));
        buf = buf.subarray(5 + buf.readUInt32BE(1));
      }
      if (answers.length === expect) s.end();
    });
    s.on("error", reject);
    s.on("close", () => {
      session.close();
      resolve({ answers, status });
    });
    for (const b of bodies) s.write(b);
    if (expect === 0) s.end();
  });
}

test("requests on one stream go through CreateEvents' middleware and are answered in order", async () => {
  seen.length = 0;
  const { answers, status } = await stream(fast.port, [request(2), request(1), request(4)], 3);
  assert.equal(status, "0");
  assert.deepEqual(
    answers.map((a) => (a.result.case === "response" ? a.result.value.results.length : -1)),
    [2, 1, 4],
  );
  assert.deepEqual(seen, ["CreateEvents", "CreateEvents", "CreateEvents"]);
});

test("a call's error is its answer, with its code and details, and the stream goes on", async () => {
  const { answers } = await stream(fast.port, [request(3), request(1)], 2);
  const [failed, ok] = answers;
  assert.equal(failed?.result.case, "error");
  const st = failed?.result.value as { code: number; message: string; details: { typeUrl: string }[] };
  assert.equal(st.code, Code.FAILED_PRECONDITION);
  assert.equal(st.message, "already terminal");
  assert.deepEqual(
    st.details.map((d) => d.typeUrl),
    ["type.googleapis.com/flyteidl.admin.EventFailureReason"],
  );
  assert.equal(ok?.result.case, "response");

  const refused = await stream(fast.port, [request(1)], 1, "Bearer wrong");
  const answer = refused.answers[0]?.result;
  assert.ok(answer?.case === "error");
  assert.equal(answer.value.code, Code.UNAUTHENTICATED);
});

test("a compressed envelope ends the stream with a status; without the fast path it is UNIMPLEMENTED", async () => {
  const broken = await stream(fast.port, [request(1, 1)], 1);
  assert.equal(broken.answers.length, 0);
  assert.equal(broken.status, String(Code.INTERNAL));
  const old = await stream(compat.port, [request(1)], 1);
  assert.equal(old.answers.length, 0);
  assert.equal(old.status, String(Code.UNIMPLEMENTED));
});

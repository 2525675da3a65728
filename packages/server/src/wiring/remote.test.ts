// The remote ports over a scripted transport (events in CreateEvents batches): admin's codes and EventFailureReason details arrive as AloftError, an
// admin that stays unreachable ends as an outage the engine waits out (not a failure), and every call carries a
// request id and a deadline.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code as ConnectCode, ConnectError } from "@connectrpc/connect";
import {
  EventFailureReasonSchema,
  NodeExecutionEventRequestSchema,
  WorkflowExecutionEventRequestSchema,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { StatusSchema, type Status } from "@aloft/idl/google/rpc/status_pb.js";
import { answeringTransport } from "@aloft/client/testing";
import { AloftError, Code } from "@aloft/core";
import { isAlreadyTerminal } from "@aloft/engine/testing";
import { isOutage } from "@aloft/engine/testing";
import { aloftErrorOf, remoteAdmin } from "./remote.ts";

/** A per-event failure inside a CreateEvents answer (the call itself succeeds). */
class EventFailure {
  constructor(readonly error: ConnectError) {}
}

/** How admin answers one event of a batch: the status its unary RPC would have had. */
function statusOf(step: EventFailure | "ok"): Status {
  if (step === "ok") return create(StatusSchema, { code: 0 });
  const e = step.error;
  return create(StatusSchema, {
    code: e.code,
    message: e.rawMessage,
    details: e.details.flatMap((d) => ("desc" in d ? [anyPack(d.desc, create(d.desc, d.value))] : [])),
  });
}

/**
 * Answers each unary call with the next scripted outcome: an error to throw, or "ok". A CreateEvents call takes one
 * step per event it carries, and an EventFailure step fails that event alone.
 */
function scripted(script: Array<Error | EventFailure | "ok">) {
  const seen: Array<{ method: string; headers: Headers; timeoutMs: number | undefined }> = [];
  const transport = answeringTransport(async ({ method, input, headers, timeoutMs }) => {
    seen.push({ method: method.name, headers, timeoutMs });
    if (method.name === "CreateEvents") {
      const events = (input as { events: unknown[] }).events;
      if (script[0] instanceof Error) throw script.shift();
      const steps = events.map(() => {
        const step = script[0] instanceof Error ? "ok" : (script.shift() ?? "ok");
        return statusOf(step as EventFailure | "ok");
      });
      return { results: steps };
    }
    const next = script.shift() ?? "ok";
    if (next instanceof EventFailure) throw next.error;
    if (next !== "ok") throw next;
  });
  return { transport, seen };
}

const noSleep = { sleep: async () => undefined, random: () => 0 };

test("admin's codes and the already-terminal detail come back as AloftError; other errors pass through", async () => {
  const terminal = create(EventFailureReasonSchema, {
    reason: { case: "alreadyInTerminalState", value: { currentPhase: "SUCCEEDED" } },
  });
  const { transport } = scripted([
    new EventFailure(new ConnectError("dup", ConnectCode.AlreadyExists)),
    new EventFailure(
      new ConnectError("terminal", ConnectCode.FailedPrecondition, undefined, [
        { desc: EventFailureReasonSchema, value: terminal },
      ]),
    ),
  ]);
  const { sink, close } = remoteAdmin("http://127.0.0.1:1", { transport, retry: { maxAttempts: 1 } });
  const req = create(NodeExecutionEventRequestSchema, {});
  await assert.rejects(
    sink.nodeEvent(req),
    (e: unknown) => e instanceof AloftError && e.code === Code.ALREADY_EXISTS && e.message === "dup",
  );
  await assert.rejects(sink.nodeEvent(req), (e: unknown) => isAlreadyTerminal(e));
  await sink.workflowEvent(create(WorkflowExecutionEventRequestSchema, {}));
  const plain = new Error("plain");
  assert.equal(aloftErrorOf(plain), plain);
  close();
});

test("an admin briefly unreachable is retried with the same request id; one that stays down is an outage, not a failure", async () => {
  const down = () => new ConnectError("connect ECONNREFUSED", ConnectCode.Unavailable);
  const { transport, seen } = scripted([down(), down(), "ok", ...Array.from({ length: 10 }, down)]);
  const { sink, close } = remoteAdmin("http://127.0.0.1:1", { transport, ...noSleep });
  await sink.workflowEvent(create(WorkflowExecutionEventRequestSchema, {}));
  assert.equal(seen.length, 3);
  const ids = new Set(seen.map((s) => s.headers.get("x-request-id")));
  assert.equal(ids.size, 1, "one request id for a call and its retries");
  assert.ok(
    seen.every((s) => s.timeoutMs !== undefined && s.timeoutMs > 0),
    "every attempt has a deadline",
  );
  await assert.rejects(
    sink.workflowEvent(create(WorkflowExecutionEventRequestSchema, {})),
    (e: unknown) => e instanceof AloftError && e.code === Code.UNAVAILABLE && isOutage(e),
  );
  close();
});

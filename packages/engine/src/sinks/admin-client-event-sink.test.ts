import { test } from "node:test";
import assert from "node:assert/strict";
import { create, type DescMessage } from "@bufbuild/protobuf";
import {
  EventFailureReasonSchema,
  NodeExecutionEventRequestSchema,
  WorkflowExecutionEventRequestSchema,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import { AloftError, Code } from "@aloft/core/errors.ts";
import { isAlreadyTerminal } from "../executor/events.ts";
import { adminClientEventSink } from "./admin-client-event-sink.ts";

class FakeConnectError extends Error {
  constructor(readonly code: number, readonly rawMessage: string, readonly details: unknown[] = []) {
    super(`[${code}] ${rawMessage}`);
  }
  findDetails(schema: DescMessage) {
    return schema.typeName === EventFailureReasonSchema.typeName ? this.details : [];
  }
}

test("client errors become AloftErrors with the code and the already-terminal detail", async () => {
  const terminal = create(EventFailureReasonSchema, { reason: { case: "alreadyInTerminalState", value: { currentPhase: "SUCCEEDED" } } });
  const errors = [new FakeConnectError(6, "dup"), new FakeConnectError(9, "terminal", [terminal]), new Error("plain")];
  const calls: string[] = [];
  const sink = adminClientEventSink({
    createWorkflowEvent: async () => calls.push("wf"),
    createNodeEvent: async () => {
      throw errors.shift();
    },
    createTaskEvent: async () => calls.push("task"),
  });
  const req = create(NodeExecutionEventRequestSchema, {});
  await assert.rejects(sink.nodeEvent(req), (e: unknown) => e instanceof AloftError && e.code === Code.ALREADY_EXISTS && e.message === "dup");
  await assert.rejects(sink.nodeEvent(req), (e: unknown) => isAlreadyTerminal(e));
  await assert.rejects(sink.nodeEvent(req), (e: unknown) => !(e instanceof AloftError) && (e as Error).message === "plain");
  await sink.workflowEvent(create(WorkflowExecutionEventRequestSchema, {}));
  assert.deepEqual(calls, ["wf"]);
});

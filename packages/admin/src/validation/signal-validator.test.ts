// The database-free checks of SignalService requests, in upstream's order and with its messages.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AloftError, Code } from "@aloft/core";
import {
  SignalGetOrCreateRequestSchema,
  SignalListRequestSchema,
  SignalSetRequestSchema,
} from "@aloft/idl/flyteidl/admin/signal_pb.js";
import {
  validateSignalGetOrCreateRequest,
  validateSignalListRequest,
  validateSignalSetRequest,
} from "./signal-validator.ts";

const EXEC = { project: "p", domain: "d", name: "e" };
const invalid = (fn: () => void, message: string) =>
  assert.throws(
    fn,
    (e: unknown) => e instanceof AloftError && e.code === Code.INVALID_ARGUMENT && e.message === message,
  );

test("GetOrCreateSignal: id, execution_id, signal_id, then the execution id's fields, then type", () => {
  const req = (init: Parameters<typeof create<typeof SignalGetOrCreateRequestSchema>>[1]) => () =>
    validateSignalGetOrCreateRequest(create(SignalGetOrCreateRequestSchema, init));
  invalid(req({}), "missing id");
  invalid(req({ id: { signalId: "s" } }), "missing execution_id");
  invalid(req({ id: { executionId: EXEC } }), "missing signal_id");
  invalid(req({ id: { executionId: { ...EXEC, project: "" }, signalId: "s" } }), "missing project");
  invalid(req({ id: { executionId: { ...EXEC, name: "" }, signalId: "s" } }), "missing name");
  invalid(req({ id: { executionId: EXEC, signalId: "s" } }), "missing type");
  req({ id: { executionId: EXEC, signalId: "s" }, type: { type: { case: "simple", value: 1 } } })();
});

test("ListSignals: any problem with the execution id is `missing execution_id`", () => {
  invalid(() => validateSignalListRequest(create(SignalListRequestSchema, { limit: 1 })), "missing execution_id");
  invalid(
    () => validateSignalListRequest(create(SignalListRequestSchema, { workflowExecutionId: { ...EXEC, domain: "" } })),
    "missing execution_id",
  );
  validateSignalListRequest(create(SignalListRequestSchema, { workflowExecutionId: EXEC }));
});

test("SetSignal: the signal id, then value", () => {
  invalid(() => validateSignalSetRequest(create(SignalSetRequestSchema, {})), "missing id");
  invalid(
    () => validateSignalSetRequest(create(SignalSetRequestSchema, { id: { executionId: EXEC, signalId: "s" } })),
    "missing value",
  );
  validateSignalSetRequest(create(SignalSetRequestSchema, { id: { executionId: EXEC, signalId: "s" }, value: {} }));
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { EventSchema, type Event } from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import { applyPlan } from "./event-service.ts";

const exec = (name: string) => ({ project: "p", domain: "d", name });
const wf = (name: string): Event =>
  create(EventSchema, { event: { case: "workflow", value: { event: { executionId: exec(name) } } } });
const node = (name: string, nodeId: string): Event =>
  create(EventSchema, { event: { case: "node", value: { event: { id: { executionId: exec(name), nodeId } } } } });
const task = (name: string, nodeId: string): Event =>
  create(EventSchema, {
    event: { case: "task", value: { event: { parentNodeExecutionId: { executionId: exec(name), nodeId } } } },
  });

test("one node's events and an execution's own keep request order; other nodes and executions run at once", () => {
  const plan = applyPlan([
    wf("a"), // 0
    node("a", "n0"), // 1
    node("b", "n0"), // 2
    task("a", "n0"), // 3
    node("a", "n1"), // 4
    node("a", "n0"), // 5
    wf("a"), // 6
    node("a", "n1"), // 7
    task("b", "n0"), // 8
  ]);
  assert.deepEqual(plan, [
    // a: its workflow event, then n0's lane beside n1's, then the next workflow event, then n1 again.
    [[[0]], [[1, 3, 5], [4]], [[6]], [[7]]],
    // b: one lane for n0 (its node event, then its task's).
    [[[2, 8]]],
  ]);
});

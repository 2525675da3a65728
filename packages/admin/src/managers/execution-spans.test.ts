// The span arithmetic of GetExecutionMetrics: task attempts in each state, durations with nanos, upstream and branch lookups.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { DurationSchema, TimestampSchema } from "@bufbuild/protobuf/wkt";
import { NodeExecutionSchema } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { TaskExecutionSchema } from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import { ConnectionSet_IdListSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { BranchNodeSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import {
  branchTarget,
  gateNodeSpans,
  latestUpstream,
  plusDuration,
  taskAttemptSpan,
  taskAttemptSpans,
} from "./execution-spans.ts";
import { render, taskNodeDef, ts, type Times } from "./execution-metrics-testing.ts";

function attempt(t: Partial<Times> & { created: number; updated: number }, retryAttempt = 0) {
  return create(TaskExecutionSchema, {
    id: { retryAttempt, nodeExecutionId: { nodeId: "n0" } },
    closure: {
      createdAt: ts(t.created),
      updatedAt: ts(t.updated),
      ...(t.started !== undefined ? { startedAt: ts(t.started) } : {}),
      ...(t.duration !== undefined ? { duration: create(DurationSchema, { seconds: BigInt(t.duration) }) } : {}),
    },
  });
}

test("a task attempt not started yet is all TASK_SETUP; a running one runs until updated_at", () => {
  assert.deepEqual(render(taskAttemptSpan(attempt({ created: 1, updated: 4 }))), [
    "task n0#0 1..4",
    "  TASK_SETUP 1..4",
  ]);
  assert.deepEqual(render(taskAttemptSpan(attempt({ created: 1, started: 2, duration: 0, updated: 9 }))), [
    "task n0#0 1..9",
    "  TASK_SETUP 1..2",
    "  TASK_RUNTIME 2..9",
  ]);
});

test("a finished attempt has TASK_TEARDOWN only when updated_at is not before the end of the run", () => {
  assert.deepEqual(render(taskAttemptSpan(attempt({ created: 1, started: 2, duration: 5, updated: 7 }))), [
    "task n0#0 1..7",
    "  TASK_SETUP 1..2",
    "  TASK_RUNTIME 2..7",
    "  TASK_TEARDOWN 7..7",
  ]);
  assert.deepEqual(render(taskAttemptSpan(attempt({ created: 1, started: 2, duration: 5, updated: 6 }))), [
    "task n0#0 1..6",
    "  TASK_SETUP 1..2",
    "  TASK_RUNTIME 2..7",
  ]);
});

test("NODE_RESET separates attempts even when depth leaves the attempts out", () => {
  const attempts = [
    attempt({ created: 1, updated: 3 }, 0),
    attempt({ created: 5, updated: 8 }, 1),
    attempt({ created: 10, updated: 12 }, 2),
  ];
  assert.deepEqual(
    taskAttemptSpans(attempts, 0).flatMap((s) => render(s)),
    ["NODE_RESET 3..5", "NODE_RESET 8..10"],
  );
  assert.equal(taskAttemptSpans(attempts, 1).length, 5);
});

test("a gate node not started yet is all NODE_SETUP; a waiting one idles until updated_at", () => {
  const gate = (t: Partial<Times> & { created: number; updated: number }) =>
    create(NodeExecutionSchema, {
      closure: {
        createdAt: ts(t.created),
        updatedAt: ts(t.updated),
        ...(t.started !== undefined ? { startedAt: ts(t.started) } : {}),
      },
    });
  assert.deepEqual(
    gateNodeSpans(gate({ created: 0, updated: 5 })).flatMap((s) => render(s)),
    ["NODE_SETUP 0..5"],
  );
  assert.deepEqual(
    gateNodeSpans(gate({ created: 0, started: 10, updated: 15 })).flatMap((s) => render(s)),
    ["NODE_SETUP 0..10", "NODE_IDLE 10..15"],
  );
});

test("plusDuration carries nanoseconds into seconds", () => {
  const t = plusDuration(
    create(TimestampSchema, { seconds: 10n, nanos: 700_000_000 }),
    create(DurationSchema, { seconds: 1n, nanos: 400_000_000 }),
  );
  assert.equal(t.seconds, 12n);
  assert.equal(t.nanos, 100_000_000);
});

test("latestUpstream picks the upstream node updated last, skipping absent and never-updated ones", () => {
  const ne = (updated?: number) =>
    create(NodeExecutionSchema, { closure: updated === undefined ? {} : { updatedAt: ts(updated) } });
  const byNode = new Map([
    ["a", ne(5)],
    ["b", ne(9)],
    ["c", ne()],
  ]);
  const upstream = {
    x: create(ConnectionSet_IdListSchema, { ids: ["a", "b", "c", "missing"] }),
    y: create(ConnectionSet_IdListSchema, { ids: ["c"] }),
  };
  assert.equal(latestUpstream("x", upstream, byNode), byNode.get("b"));
  assert.equal(latestUpstream("y", upstream, byNode), undefined);
  assert.equal(latestUpstream("z", upstream, byNode), undefined);
});

test("branchTarget finds the then, else-if and else nodes", () => {
  const branch = create(BranchNodeSchema, {
    ifElse: {
      case: { thenNode: taskNodeDef("t") },
      other: [{ thenNode: taskNodeDef("o") }],
      default: { case: "elseNode", value: taskNodeDef("e") },
    },
  });
  assert.equal(branchTarget("t", branch)?.id, "t");
  assert.equal(branchTarget("o", branch)?.id, "o");
  assert.equal(branchTarget("e", branch)?.id, "e");
  assert.equal(branchTarget("x", branch), undefined);
});

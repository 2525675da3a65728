import { test } from "node:test";
import assert from "node:assert/strict";
import type { NodeStatus, WorkflowStatus } from "../executor/status.ts";
import { compareRound } from "./round-change.ts";

const wf = (nodes: Record<string, NodeStatus>, extra: Partial<WorkflowStatus> = {}): WorkflowStatus => ({
  phase: "Running",
  failedAttempts: 0,
  nodes,
  ...extra,
});
const task = (state: Record<string, unknown>): NodeStatus => ({
  phase: "Running",
  startedAt: 5,
  task: { phase: "Running", version: 0, state },
});

test("a round's change: nothing, plugin state only, or progress — from the replaced nodes and the top-level fields", () => {
  const a = task({ pid: 1 });
  const before = wf({ a });
  assert.equal(compareRound(before, wf({ a }, { lastUpdatedAt: 9 }), []), "same", "the save's time stamp is no change");
  assert.equal(compareRound(before, wf({ a: task({ pid: 1 }) }), ["a"]), "same", "a copy that did not move");
  assert.equal(compareRound(before, wf({ a: task({ pid: 2 }) }), ["a"]), "state");
  assert.equal(compareRound(before, wf({ a: { ...task({ pid: 1 }), phase: "Succeeding" } }), ["a"]), "progressed");
  assert.equal(compareRound(before, wf({ a, b: { phase: "NotYetStarted" } }), ["b"]), "progressed", "a new node");
  assert.equal(compareRound(before, wf({ a }, { phase: "Succeeding" }), []), "progressed");
  assert.equal(
    compareRound(before, wf({ a: { ...task({ pid: 1 }), message: undefined } }), ["a"]),
    "same",
    "an undefined field is an absent one, as in the saved JSON",
  );
  const reordered: NodeStatus = {
    task: { state: { pid: 1 }, version: 0, phase: "Running" },
    startedAt: 5,
    phase: "Running",
  };
  assert.equal(compareRound(before, wf({ a: reordered }), ["a"]), "same", "key order is no change");
  assert.equal(
    compareRound(wf({ a }, { failureNode: task({ x: 1 }) }), wf({ a }, { failureNode: task({ x: 2 }) }), []),
    "state",
  );
  assert.equal(compareRound(before, wf({ a: task({ pid: 1, extra: 1 }) }), ["a"]), "state", "a key added in state");
  assert.equal(compareRound(wf({ a: task({ pid: 1, extra: 1 }) }), before, ["a"]), "state", "a key dropped in state");
});

test("an array node's sub-nodes stand in by its change counters", () => {
  const arr = (rev: number, stateRev: number, child: NodeStatus): NodeStatus => ({
    phase: "Running",
    array: { size: 1, phase: "Executing", version: 0, rev, stateRev },
    children: { n0: child },
  });
  const before = wf({ m: arr(1, 1, task({ pid: 1 })) });
  assert.equal(compareRound(before, wf({ m: arr(1, 1, task({ pid: 7 })) }), ["m"]), "same");
  assert.equal(compareRound(before, wf({ m: arr(1, 2, task({ pid: 7 })) }), ["m"]), "state");
  assert.equal(compareRound(before, wf({ m: arr(2, 1, task({ pid: 1 })) }), ["m"]), "progressed");
});

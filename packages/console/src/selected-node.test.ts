import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "./api.ts";
import { selectedNode } from "./selected-node.ts";
import type { NodeExecution } from "./types.ts";

const ne = (phase: string): NodeExecution =>
  ({
    id: { node_id: "n7", execution_id: { project: "p", domain: "d", name: "x" } },
    closure: { phase },
  }) as NodeExecution;

test("the cached node execution wins over the direct answer", () => {
  const cached = ne("RUNNING");
  assert.deepEqual(selectedNode(cached, { data: ne("QUEUED") }), { state: "found", node: cached });
});

test("a node not cached yet is loading until GetNodeExecution answers, then shown from its answer", () => {
  assert.deepEqual(selectedNode(undefined, {}), { state: "loading" });
  const direct = ne("SUCCEEDED");
  assert.deepEqual(selectedNode(undefined, { data: direct }), { state: "found", node: direct });
});

test("'has not run yet' only when the API says NOT_FOUND; other failures are shown as errors", () => {
  assert.deepEqual(selectedNode(undefined, { error: new ApiError(404, "Not found") }), { state: "not-run" });
  const failed = new ApiError(503, "The server is unavailable right now");
  assert.deepEqual(selectedNode(undefined, { error: failed }), { state: "error", error: failed });
});

test("an answer that came after an earlier failure is shown", () => {
  const direct = ne("RUNNING");
  assert.deepEqual(selectedNode(undefined, { data: direct, error: new ApiError(404, "Not found") }), {
    state: "found",
    node: direct,
  });
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { buildDag, elkInput } from "./dag.ts";
import type { CompiledWorkflow, WorkflowNode } from "./types.ts";

const task = (id: string, upstream: string[] = [], from?: string): WorkflowNode => ({
  id,
  metadata: { name: `${id}-name` },
  upstream_node_ids: upstream,
  inputs: from ? [{ var: "x", binding: { promise: { node_id: from, var: "y" } } }] : [],
  task_node: { reference_id: { project: "p", domain: "d", name: `t.${id}`, version: "v" } },
});

test("a compiled closure with connections: nodes in order, kinds, targets and phases of their node executions", () => {
  const compiled: CompiledWorkflow = {
    template: {
      nodes: [{ id: "end-node" }, task("b"), { id: "start-node" }, task("a"), { id: "g", gate_node: {} }],
    },
    connections: {
      upstream: { a: { ids: ["start-node"] }, b: { ids: ["a"] }, g: { ids: ["a"] }, "end-node": { ids: ["b", "g"] } },
    },
  };
  const dag = buildDag(compiled, [
    { id: { node_id: "a" }, closure: { phase: "SUCCEEDED" } },
    { id: { node_id: "b" }, closure: { phase: "RUNNING" } },
  ]);
  assert.deepEqual(
    dag.nodes.map((n) => [n.id, n.kind, n.phase]),
    [
      ["start-node", "start", "UNDEFINED"],
      ["a", "task", "SUCCEEDED"],
      ["b", "task", "RUNNING"],
      ["g", "gate", "UNDEFINED"],
      ["end-node", "end", "UNDEFINED"],
    ],
  );
  assert.equal(dag.nodes[1]!.target, "t.a");
  assert.equal(dag.nodes[1]!.label, "a-name");
  assert.deepEqual(dag.edges.map((e) => `${e.from}>${e.to}`).sort(), [
    "a>b",
    "a>g",
    "b>end-node",
    "g>end-node",
    "start-node>a",
  ]);
});

test("without connections, edges come from upstream ids and bindings; loose nodes hang off start and end", () => {
  const dag = buildDag({
    template: {
      nodes: [{ id: "start-node" }, { id: "end-node" }, task("a"), task("b", [], "a"), task("c", ["a"]), task("lone")],
    },
  });
  assert.deepEqual(dag.edges.map((e) => `${e.from}>${e.to}`).sort(), [
    "a>b",
    "a>c",
    "b>end-node",
    "c>end-node",
    "lone>end-node",
    "start-node>a",
    "start-node>lone",
  ]);
});

test("edges to unknown nodes and self-loops are dropped; an empty closure is an empty graph", () => {
  const dag = buildDag({ template: { nodes: [task("a", ["ghost", "a"])] } });
  assert.deepEqual(dag.edges, []);
  assert.deepEqual(buildDag(undefined), { nodes: [], edges: [] });
});

test("the ELK input has one child per node and one edge per edge", () => {
  const dag = buildDag({ template: { nodes: [{ id: "start-node" }, task("a"), { id: "end-node" }] } });
  const elk = elkInput(dag);
  assert.equal(elk.children.length, 3);
  assert.deepEqual(
    elk.edges.map((e) => [e.sources[0], e.targets[0]]),
    [
      ["start-node", "a"],
      ["a", "end-node"],
    ],
  );
  assert.equal(elk.layoutOptions["elk.algorithm"], "layered");
});

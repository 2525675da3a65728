import assert from "node:assert/strict";
import { test } from "node:test";
import { allNodes, buildDag, countsLabel, type DagContext, elkInput, phaseCounts } from "./dag.ts";
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
  assert.equal(elk.children?.length, 3);
  assert.deepEqual(
    elk.edges?.map((e) => [e.sources[0], e.targets[0]]),
    [
      ["start-node", "a"],
      ["a", "end-node"],
    ],
  );
  assert.equal(elk.layoutOptions?.["elk.algorithm"], "layered");
});

const SUB_ID = { project: "p", domain: "d", name: "sub", version: "v" };

test("an expanded sub-workflow holds its own graph, its nodes coloured by the children's executions", () => {
  const sub: CompiledWorkflow = {
    template: { id: SUB_ID, nodes: [{ id: "start-node" }, task("inner"), { id: "end-node" }] },
  };
  const top: CompiledWorkflow = {
    template: {
      nodes: [
        { id: "s", workflow_node: { sub_workflow_ref: SUB_ID } },
        {
          id: "br",
          branch_node: { if_else: { case: { then_node: task("yes") }, else_node: task("no") } },
        },
      ],
    },
  };
  const ctx: DagContext = {
    expanded: new Set(["s"]),
    children: new Map([
      ["s", [{ id: { node_id: "s-0-inner" }, metadata: { spec_node_id: "inner" }, closure: { phase: "RUNNING" } }]],
    ]),
    subWorkflows: [sub],
    counts: new Map(),
  };
  const dag = buildDag(top, [{ id: { node_id: "s" }, closure: { phase: "RUNNING" } }], ctx);
  assert.deepEqual(
    allNodes(dag).map((n) => [n.id, n.execId, n.phase, n.expandable]),
    [
      ["s", "s", "RUNNING", true],
      ["s/start-node", "", "UNDEFINED", false],
      ["s/inner", "s-0-inner", "RUNNING", false],
      ["s/end-node", "", "UNDEFINED", false],
      ["br", "br", "UNDEFINED", true],
    ],
  );
  assert.deepEqual(
    dag.nodes[0]!.children?.edges.map((e) => `${e.from}>${e.to}`),
    ["s/start-node>s/inner", "s/inner>s/end-node"],
  );
  // The ELK input nests the inside in the expanded node, which ELK sizes itself.
  const elkSub = elkInput(dag).children?.[0];
  assert.equal(elkSub?.width, undefined);
  assert.deepEqual(
    elkSub?.children?.map((c) => c.id),
    ["s/start-node", "s/inner", "s/end-node"],
  );

  // A branch expands to its cases; the case that ran has its phase.
  const branch = buildDag(top, [], {
    ...ctx,
    expanded: new Set(["br"]),
    children: new Map([
      ["br", [{ id: { node_id: "br-0-no" }, metadata: { spec_node_id: "no" }, closure: { phase: "SUCCEEDED" } }]],
    ]),
  });
  assert.deepEqual(
    branch.nodes[1]!.children?.nodes.map((n) => [n.id, n.phase]),
    [
      ["br/yes", "UNDEFINED"],
      ["br/no", "SUCCEEDED"],
    ],
  );
});

test("array nodes: sub-nodes counted by phase, in words", () => {
  const counts = phaseCounts([
    { phase: "RUNNING" },
    { phase: "SUCCEEDED" },
    { phase: "SUCCEEDED" },
    { phase: "FAILED" },
    {},
  ]);
  assert.deepEqual(counts, [
    ["SUCCEEDED", 2],
    ["RUNNING", 1],
    ["FAILED", 1],
    ["UNDEFINED", 1],
  ]);
  assert.equal(countsLabel(counts), "2 succeeded · 1 running · 1 failed · 1 undefined");
  const dag = buildDag({ template: { nodes: [{ id: "m", array_node: {} }] } }, [], {
    expanded: new Set(),
    children: new Map(),
    subWorkflows: [],
    counts: new Map([["m", counts]]),
  });
  assert.equal(dag.nodes[0]!.counts, counts);
});

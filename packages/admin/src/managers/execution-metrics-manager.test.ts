// GetExecutionMetrics span trees (upstream flyteadmin/pkg/manager/impl/metrics_manager.go) from hand-built closures: timestamps in, spans out, per node kind and depth.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { WorkflowExecutionGetMetricsRequestSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import { AloftError, Code } from "@aloft/core";
import { ExecutionMetricsManager } from "./execution-metrics-manager.ts";
import {
  D,
  FakeReads,
  P,
  arrayNodeDef,
  branchNodeDef,
  closureOf,
  compiledWorkflow,
  gateNodeDef,
  launchPlanNodeDef,
  lpId,
  render,
  subWorkflowNodeDef,
  taskNodeDef,
  ts,
  wfId,
} from "./execution-metrics-testing.ts";
import { METRICS_PAGE_SIZE } from "./execution-spans.ts";

async function metrics(reads: FakeReads, name: string, depth: number): Promise<string[]> {
  const m = new ExecutionMetricsManager(reads.deps());
  const res = await m.getExecutionMetrics(
    create(WorkflowExecutionGetMetricsRequestSchema, { id: { project: P, domain: D, name }, depth }),
  );
  return render(res.span);
}

/** n0 (two attempts) → n1 (never started: no attempts); nodes recorded out of created order. */
function chain(): FakeReads {
  const wf = closureOf(
    compiledWorkflow(wfId("chain"), [taskNodeDef("n0"), taskNodeDef("n1")], {
      n0: ["start-node"],
      n1: ["n0"],
      "end-node": ["n1"],
    }),
  );
  return new FakeReads()
    .execution("e1", wf, { created: 0, updated: 100 })
    .node("e1", "n1", { created: 41, updated: 45 })
    .node("e1", "start-node", { created: 1, updated: 2 })
    .node("e1", "n0", { created: 3, updated: 40 })
    .attempts("e1", "n0", [
      { created: 5, started: 6, duration: 10, updated: 17 },
      { created: 20, started: 22, duration: 15, updated: 38 },
    ]);
}

const CHAIN_FULL = [
  "workflow e1 0..100",
  "  WORKFLOW_SETUP 0..2",
  "  node n0 3..40",
  "    NODE_TRANSITION 2..3",
  "    NODE_SETUP 3..5",
  "    task n0#0 5..17",
  "      TASK_SETUP 5..6",
  "      TASK_RUNTIME 6..16",
  "      TASK_TEARDOWN 16..17",
  "    NODE_RESET 17..20",
  "    task n0#1 20..38",
  "      TASK_SETUP 20..22",
  "      TASK_RUNTIME 22..37",
  "      TASK_TEARDOWN 37..38",
  "    NODE_TEARDOWN 38..40",
  "  node n1 41..45",
  "    NODE_TRANSITION 40..41",
  "    NODE_SETUP 41..45",
  "  WORKFLOW_TEARDOWN 45..100",
];

test("a chain: a node with a retry (NODE_RESET between attempts) and a node that never started (NODE_SETUP only)", async () => {
  assert.deepEqual(await metrics(chain(), "e1", -1), CHAIN_FULL);
  assert.deepEqual(await metrics(chain(), "e1", 3), CHAIN_FULL);
});

test("node executions recorded without a spec node id are matched by their node id and all appear", async () => {
  // Events that carried no spec_node_id (upstream would key every one of them under "" and fail the request).
  const wf = closureOf(
    compiledWorkflow(wfId("chain"), [taskNodeDef("n0"), taskNodeDef("n1")], {
      n0: ["start-node"],
      n1: ["n0"],
      "end-node": ["n1"],
    }),
  );
  const none = { noSpecId: true };
  const reads = new FakeReads()
    .execution("e1", wf, { created: 0, updated: 100 })
    .node("e1", "n1", { created: 41, updated: 45 }, none)
    .node("e1", "start-node", { created: 1, updated: 2 }, none)
    .node("e1", "n0", { created: 3, updated: 40 }, none)
    .attempts("e1", "n0", [
      { created: 5, started: 6, duration: 10, updated: 17 },
      { created: 20, started: 22, duration: 15, updated: 38 },
    ]);
  assert.deepEqual(await metrics(reads, "e1", -1), CHAIN_FULL);
  // Mixed: only n1 lacks it.
  const mixed = chain();
  mixed.nodes.find((n) => n.ne.id?.nodeId === "n1")!.ne.metadata!.specNodeId = "";
  assert.deepEqual(await metrics(mixed, "e1", -1), CHAIN_FULL);
});

test("depth bounds the recursion: 0 the workflow span alone, 1 node spans, 2 node overheads, 3 task attempts", async () => {
  const reads = chain();
  assert.deepEqual(await metrics(reads, "e1", 0), ["workflow e1 0..100"]);
  assert.equal(reads.nodeListCalls.length, 0, "depth 0 reads no node executions");

  assert.deepEqual(await metrics(reads, "e1", 1), [
    "workflow e1 0..100",
    "  WORKFLOW_SETUP 0..2",
    "  node n0 3..40",
    "    NODE_TRANSITION 2..3",
    "  node n1 41..45",
    "    NODE_TRANSITION 40..41",
    "  WORKFLOW_TEARDOWN 45..100",
  ]);
  assert.equal(reads.taskListCalls.length, 0, "depth 1 reads no task executions");

  assert.deepEqual(await metrics(reads, "e1", 2), [
    "workflow e1 0..100",
    "  WORKFLOW_SETUP 0..2",
    "  node n0 3..40",
    "    NODE_TRANSITION 2..3",
    "    NODE_SETUP 3..5",
    "    NODE_RESET 17..20",
    "    NODE_TEARDOWN 38..40",
    "  node n1 41..45",
    "    NODE_TRANSITION 40..41",
    "    NODE_SETUP 41..45",
    "  WORKFLOW_TEARDOWN 45..100",
  ]);
});

test("an execution whose start node has not run is all WORKFLOW_SETUP", async () => {
  const wf = closureOf(
    compiledWorkflow(wfId("chain"), [taskNodeDef("n0")], { n0: ["start-node"], "end-node": ["n0"] }),
  );
  const reads = new FakeReads().execution("e0", wf, { created: 0, updated: 7 });
  assert.deepEqual(await metrics(reads, "e0", -1), ["workflow e0 0..7", "  WORKFLOW_SETUP 0..7"]);
});

function subWorkflow(inline: boolean): FakeReads {
  const inner = compiledWorkflow(wfId("inner"), [taskNodeDef("s0")], { s0: ["start-node"], "end-node": ["s0"] });
  const outer = compiledWorkflow(wfId("outer"), [subWorkflowNodeDef("sw", wfId("inner"))], {
    sw: ["start-node"],
    "end-node": ["sw"],
  });
  const reads = new FakeReads()
    .execution("e2", closureOf(outer, inline ? [inner] : []), { created: 0, updated: 60 })
    .node("e2", "start-node", { created: 1, updated: 2 })
    .node("e2", "sw", { created: 3, updated: 50 }, { isParent: true })
    .node("e2", "end-node", { created: 51, updated: 52 })
    .node("e2", "start-node", { created: 4, updated: 5 }, { nodeId: "sw-0-start-node", parent: "sw" })
    .node("e2", "s0", { created: 6, updated: 40 }, { nodeId: "sw-0-s0", parent: "sw" })
    .node("e2", "end-node", { created: 41, updated: 42 }, { nodeId: "sw-0-end-node", parent: "sw" })
    .attempts("e2", "sw-0-s0", [{ created: 8, started: 9, duration: 20, updated: 30 }]);
  if (!inline) reads.workflows.set("inner", closureOf(inner));
  return reads;
}

const SUB_FULL = [
  "workflow e2 0..60",
  "  WORKFLOW_SETUP 0..2",
  "  node sw 3..50",
  "    NODE_TRANSITION 2..3",
  "    NODE_SETUP 3..5",
  "    node sw-0-s0 6..40",
  "      NODE_TRANSITION 5..6",
  "      NODE_SETUP 6..8",
  "      task sw-0-s0#0 8..30",
  "        TASK_SETUP 8..9",
  "        TASK_RUNTIME 9..29",
  "        TASK_TEARDOWN 29..30",
  "      NODE_TEARDOWN 30..40",
  "    NODE_TEARDOWN 40..50",
  "  WORKFLOW_TEARDOWN 50..60",
];

test("a sub-workflow node: no breakdown when depth runs out at it; its nodes inline under it when deeper", async () => {
  const reads = subWorkflow(true);
  assert.deepEqual(await metrics(reads, "e2", 1), [
    "workflow e2 0..60",
    "  WORKFLOW_SETUP 0..2",
    "  node sw 3..50",
    "    NODE_TRANSITION 2..3",
    "  WORKFLOW_TEARDOWN 50..60",
  ]);
  assert.ok(!reads.nodeListCalls.some((c) => c.parent === "sw"), "the children are not read at depth 1");

  assert.deepEqual(await metrics(reads, "e2", 3), [
    "workflow e2 0..60",
    "  WORKFLOW_SETUP 0..2",
    "  node sw 3..50",
    "    NODE_TRANSITION 2..3",
    "    NODE_SETUP 3..5",
    "    node sw-0-s0 6..40",
    "      NODE_TRANSITION 5..6",
    "      NODE_SETUP 6..8",
    "      NODE_TEARDOWN 30..40",
    "    NODE_TEARDOWN 40..50",
    "  WORKFLOW_TEARDOWN 50..60",
  ]);
  assert.deepEqual(await metrics(reads, "e2", -1), SUB_FULL);
});

test("a sub-workflow missing from the closure's sub_workflows is read as a registered workflow", async () => {
  assert.deepEqual(await metrics(subWorkflow(false), "e2", -1), SUB_FULL);
});

test("a launch-plan node nests its child execution's workflow span", async () => {
  const parent = compiledWorkflow(wfId("parent"), [launchPlanNodeDef("lp", lpId("child"))], {
    lp: ["start-node"],
    "end-node": ["lp"],
  });
  const child = compiledWorkflow(wfId("child"), [taskNodeDef("c0")], { c0: ["start-node"], "end-node": ["c0"] });
  const reads = new FakeReads()
    .execution("e3", closureOf(parent), { created: 0, updated: 80 })
    .execution("e3c", closureOf(child), { created: 5, updated: 65 })
    .node("e3", "start-node", { created: 1, updated: 2 })
    .node("e3", "lp", { created: 3, updated: 70 }, { childExecution: "e3c" })
    .node("e3", "end-node", { created: 71, updated: 72 })
    .node("e3c", "start-node", { created: 6, updated: 7 })
    .node("e3c", "c0", { created: 8, updated: 60 })
    .attempts("e3c", "c0", [{ created: 9, started: 10, duration: 40, updated: 55 }]);
  assert.deepEqual(await metrics(reads, "e3", -1), [
    "workflow e3 0..80",
    "  WORKFLOW_SETUP 0..2",
    "  node lp 3..70",
    "    NODE_TRANSITION 2..3",
    "    NODE_SETUP 3..5",
    "    workflow e3c 5..65",
    "      WORKFLOW_SETUP 5..7",
    "      node c0 8..60",
    "        NODE_TRANSITION 7..8",
    "        NODE_SETUP 8..9",
    "        task c0#0 9..55",
    "          TASK_SETUP 9..10",
    "          TASK_RUNTIME 10..50",
    "          TASK_TEARDOWN 50..55",
    "        NODE_TEARDOWN 55..60",
    "      WORKFLOW_TEARDOWN 60..65",
    "    NODE_TEARDOWN 65..70",
    "  WORKFLOW_TEARDOWN 70..80",
  ]);
  // The child's workflow span is a depth level of its own: at depth 2 it comes without its breakdown.
  assert.deepEqual((await metrics(reads, "e3", 2)).slice(2, 7), [
    "  node lp 3..70",
    "    NODE_TRANSITION 2..3",
    "    NODE_SETUP 3..5",
    "    workflow e3c 5..65",
    "    NODE_TEARDOWN 65..70",
  ]);
});

test("a dynamic node: its task attempts, NODE_RESET until the generated workflow starts, the generated nodes inline", async () => {
  const wf = compiledWorkflow(wfId("dyn"), [taskNodeDef("d0")], { d0: ["start-node"], "end-node": ["d0"] });
  const generated = compiledWorkflow(wfId("d0-generated"), [taskNodeDef("x0")], {
    x0: ["start-node"],
    "end-node": ["x0"],
  });
  const reads = new FakeReads()
    .execution("e4", closureOf(wf), { created: 0, updated: 100 })
    .node("e4", "start-node", { created: 1, updated: 2 })
    .node("e4", "d0", { created: 3, updated: 90 }, { isParent: true })
    .attempts("e4", "d0", [{ created: 4, started: 5, duration: 10, updated: 16 }])
    .node("e4", "start-node", { created: 20, updated: 21 }, { nodeId: "d0-0-start-node", parent: "d0" })
    .node("e4", "x0", { created: 22, updated: 80 }, { nodeId: "d0-0-x0", parent: "d0" })
    .attempts("e4", "d0-0-x0", [{ created: 23, started: 24, duration: 50, updated: 75 }]);
  reads.dynamic.set("e4/d0", closureOf(generated));
  assert.deepEqual(await metrics(reads, "e4", -1), [
    "workflow e4 0..100",
    "  WORKFLOW_SETUP 0..2",
    "  node d0 3..90",
    "    NODE_TRANSITION 2..3",
    "    NODE_SETUP 3..4",
    "    task d0#0 4..16",
    "      TASK_SETUP 4..5",
    "      TASK_RUNTIME 5..15",
    "      TASK_TEARDOWN 15..16",
    "    NODE_RESET 16..21",
    "    node d0-0-x0 22..80",
    "      NODE_TRANSITION 21..22",
    "      NODE_SETUP 22..23",
    "      task d0-0-x0#0 23..75",
    "        TASK_SETUP 23..24",
    "        TASK_RUNTIME 24..74",
    "        TASK_TEARDOWN 74..75",
    "      NODE_TEARDOWN 75..80",
    "    NODE_TEARDOWN 80..90",
    "  WORKFLOW_TEARDOWN 90..100",
  ]);
});

test("a branch node holds the taken case's node span; a gate node is NODE_SETUP, NODE_IDLE, NODE_TEARDOWN", async () => {
  const wf = compiledWorkflow(
    wfId("bg"),
    [branchNodeDef("b", taskNodeDef("b-then"), taskNodeDef("b-else")), gateNodeDef("g")],
    {
      b: ["start-node"],
      g: ["b"],
      "end-node": ["g"],
    },
  );
  const reads = new FakeReads()
    .execution("e5", closureOf(wf), { created: 0, updated: 100 })
    .node("e5", "start-node", { created: 1, updated: 2 })
    .node("e5", "b", { created: 3, updated: 30 }, { isParent: true })
    .node("e5", "b-else", { created: 5, updated: 25 }, { nodeId: "b-0-b-else", parent: "b" })
    .attempts("e5", "b-0-b-else", [{ created: 6, started: 7, duration: 10, updated: 18 }])
    .node("e5", "g", { created: 31, started: 32, duration: 50, updated: 90 });
  assert.deepEqual(await metrics(reads, "e5", -1), [
    "workflow e5 0..100",
    "  WORKFLOW_SETUP 0..2",
    "  node b 3..30",
    "    NODE_TRANSITION 2..3",
    "    NODE_SETUP 3..5",
    "    node b-0-b-else 5..25",
    "      NODE_SETUP 5..6",
    "      task b-0-b-else#0 6..18",
    "        TASK_SETUP 6..7",
    "        TASK_RUNTIME 7..17",
    "        TASK_TEARDOWN 17..18",
    "      NODE_TEARDOWN 18..25",
    "    NODE_TEARDOWN 25..30",
    "  node g 31..90",
    "    NODE_TRANSITION 30..31",
    "    NODE_SETUP 31..32",
    "    NODE_IDLE 32..82",
    "    NODE_TEARDOWN 82..90",
    "  WORKFLOW_TEARDOWN 90..100",
  ]);
});

test("node executions are read once per parent in pages of METRICS_PAGE_SIZE; task executions once", async () => {
  const ids = Array.from({ length: METRICS_PAGE_SIZE + 10 }, (_, i) => `w${i}`);
  const wf = compiledWorkflow(wfId("wide"), ids.map(taskNodeDef), {
    ...Object.fromEntries(ids.map((i) => [i, ["start-node"]])),
    "end-node": ids,
  });
  const reads = new FakeReads()
    .execution("e6", closureOf(wf), { created: 0, updated: 10_000 })
    .node("e6", "start-node", { created: 1, updated: 2 });
  for (const [i, id] of ids.entries()) reads.node("e6", id, { created: 3 + i, updated: 3.5 + i });
  const lines = await metrics(reads, "e6", 2);
  assert.deepEqual(
    lines.filter((l) => l.startsWith("  node ")),
    ids.map((id, i) => `  node ${id} ${3 + i}..${3.5 + i}`),
  );
  assert.equal(lines.at(-1), `  WORKFLOW_TEARDOWN ${METRICS_PAGE_SIZE + 12.5}..10000`);
  assert.deepEqual(
    reads.nodeListCalls.map((c) => [c.parent, c.pageSize]),
    [["", METRICS_PAGE_SIZE]],
  );
  assert.deepEqual(reads.taskListCalls, [{ execution: "e6", pageSize: METRICS_PAGE_SIZE }]);
});

test("a node execution the workflow does not define is INTERNAL; an unknown execution is NOT_FOUND", async () => {
  const wf = closureOf(compiledWorkflow(wfId("chain"), [taskNodeDef("n0")], { n0: ["start-node"] }));
  const reads = new FakeReads()
    .execution("e7", wf, { created: 0, updated: 10 })
    .node("e7", "start-node", { created: 1, updated: 2 })
    .node("e7", "ghost", { created: 3, updated: 4 });
  await assert.rejects(
    metrics(reads, "e7", -1),
    (e: unknown) => e instanceof AloftError && e.code === Code.INTERNAL && /ghost/.test(e.message),
  );
  await assert.rejects(metrics(reads, "nope", 1), (e: unknown) => e instanceof AloftError && e.code === Code.NOT_FOUND);
});

test("an array node (map task): NODE_SETUP, its attempts, NODE_TEARDOWN, as a task node", async () => {
  const wf = closureOf(
    compiledWorkflow(wfId("mapped"), [arrayNodeDef("map")], { map: ["start-node"], "end-node": ["map"] }),
  );
  const reads = new FakeReads()
    .execution("e1", wf, { created: 0, updated: 30 })
    .node("e1", "start-node", { created: 1, updated: 2 })
    .node("e1", "map", { created: 3, updated: 20 })
    .attempts("e1", "map", [{ created: 4, started: 5, duration: 10, updated: 16 }]);
  assert.deepEqual(await metrics(reads, "e1", -1), [
    "workflow e1 0..30",
    "  WORKFLOW_SETUP 0..2",
    "  node map 3..20",
    "    NODE_TRANSITION 2..3",
    "    NODE_SETUP 3..4",
    "    task map#0 4..16",
    "      TASK_SETUP 4..5",
    "      TASK_RUNTIME 5..15",
    "      TASK_TEARDOWN 15..16",
    "    NODE_TEARDOWN 16..20",
    "  WORKFLOW_TEARDOWN 20..30",
  ]);
});

/** The chain with every execution, node and attempt in a terminal phase except `running` (a node id). */
function finishedChain(running?: string): FakeReads {
  const reads = chain();
  reads.executions.get("e1")!.closure!.phase = WorkflowExecution_Phase.SUCCEEDED;
  for (const { ne } of reads.nodes)
    ne.closure!.phase = ne.id?.nodeId === running ? NodeExecution_Phase.RUNNING : NodeExecution_Phase.SUCCEEDED;
  for (const te of reads.tasks.get("e1/n0")!) te.closure!.phase = TaskExecution_Phase.SUCCEEDED;
  return reads;
}

async function twice(reads: FakeReads, depth: number, cacheBytes?: number) {
  const m = new ExecutionMetricsManager({ ...reads.deps(), ...(cacheBytes !== undefined ? { cacheBytes } : {}) });
  const req = create(WorkflowExecutionGetMetricsRequestSchema, { id: { project: P, domain: D, name: "e1" }, depth });
  const first = await m.getExecutionMetrics(req);
  const reads1 = reads.nodeListCalls.length;
  const second = await m.getExecutionMetrics(req);
  return { first, second, readAgain: reads.nodeListCalls.length > reads1, m, req };
}

test("a finished execution's answer is kept per depth and shared; anything still running is read anew", async () => {
  const done = await twice(finishedChain(), -1);
  assert.deepEqual(render(done.first.span), CHAIN_FULL);
  assert.equal(done.second, done.first);
  assert.equal(done.readAgain, false);
  // Another depth is another answer.
  const shallow = await done.m.getExecutionMetrics(
    create(WorkflowExecutionGetMetricsRequestSchema, { ...done.req, depth: 1 }),
  );
  assert.notEqual(shallow, done.first);
  assert.deepEqual(render(shallow.span), await metrics(finishedChain(), "e1", 1));

  for (const reads of [finishedChain("n1"), chain()]) {
    const running = await twice(reads, -1);
    assert.notEqual(running.second, running.first);
    assert.equal(running.readAgain, true);
    assert.deepEqual(render(running.second.span), CHAIN_FULL);
  }
  const noCache = await twice(finishedChain(), -1, 0);
  assert.equal(noCache.readAgain, true);
});

test("a finished execution updated again (its updated_at moved) is read anew", async () => {
  const reads = finishedChain();
  const { m, req, first } = await twice(reads, -1);
  reads.executions.get("e1")!.closure!.updatedAt = ts(200);
  const again = await m.getExecutionMetrics(req);
  assert.notEqual(again, first);
  assert.equal(render(again.span).at(-1), "  WORKFLOW_TEARDOWN 45..200");
});

test("a running execution: finished nodes' spans are kept and shared, running or updated ones are built anew", async () => {
  const reads = finishedChain("n1");
  reads.executions.get("e1")!.closure!.phase = WorkflowExecution_Phase.RUNNING;
  const { first, second, m, req } = await twice(reads, -1);
  assert.notEqual(second, first);
  assert.deepEqual(render(second.span), CHAIN_FULL);
  const node = (res: typeof first, id: string) =>
    res.span!.spans.find((s) => s.id.case === "nodeId" && s.id.value.nodeId === id);
  assert.equal(node(second, "n0"), node(first, "n0"));
  assert.notEqual(node(second, "n1"), node(first, "n1"));
  // An attempt of the finished node still running: its span is not kept.
  const running = finishedChain("n1");
  running.tasks.get("e1/n0")![1]!.closure!.phase = TaskExecution_Phase.RUNNING;
  const again = await twice(running, -1);
  assert.notEqual(node(again.second, "n0"), node(again.first, "n0"));
  assert.deepEqual(render(again.second.span), CHAIN_FULL);
  // The finished node updated again (its updated_at moved): built anew.
  const n0 = reads.nodes.find(({ ne }) => ne.id?.nodeId === "n0")!.ne;
  n0.closure!.updatedAt = ts(40.5);
  const third = await m.getExecutionMetrics(req);
  assert.notEqual(node(third, "n0"), node(first, "n0"));
  assert.ok(render(third.span).includes("  node n0 3..40.5"));
  // Another depth is another span.
  const shallow = await m.getExecutionMetrics(create(WorkflowExecutionGetMetricsRequestSchema, { ...req, depth: 2 }));
  assert.deepEqual(render(shallow.span), await metrics(reads, "e1", 2));
});

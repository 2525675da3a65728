// A flaky admin and lost status writes on a workflow with a fan-out, a branch and a sub-workflow: the execution still
// succeeds with the right outputs, and admin accepts every event exactly once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { BooleanExpressionSchema, ComparisonExpression_Operator as Op } from "@aloft/idl/flyteidl/core/condition_pb.js";
import { NodeSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { AloftError, Code } from "@aloft/core";
import type { WorkflowStatus } from "../executor/status.ts";
import { MemoryWorkflowStore } from "../store/memory-workflow-store.ts";
import { succeed } from "../testing/fake-plugin.ts";
import { engineHarness } from "../testing/harness.ts";
import { RecordingEventSink } from "../testing/recording-sink.ts";
import { addOutputs, b, compiler, incOutputs, intLit, intOf } from "../testing/workflows.ts";

class FlakySink extends RecordingEventSink {
  #n = 0;
  constructor(readonly every: number) {
    super();
  }
  #flake() {
    if (++this.#n % this.every === 0) throw new AloftError(Code.UNAVAILABLE, "test.flaky", "flaky admin");
  }
  override async workflowEvent(...a: Parameters<RecordingEventSink["workflowEvent"]>) {
    this.#flake();
    return super.workflowEvent(...a);
  }
  override async nodeEvent(...a: Parameters<RecordingEventSink["nodeEvent"]>) {
    this.#flake();
    return super.nodeEvent(...a);
  }
  override async taskEvent(...a: Parameters<RecordingEventSink["taskEvent"]>) {
    this.#flake();
    return super.taskEvent(...a);
  }
}

class LossyStore extends MemoryWorkflowStore {
  #n = 0;
  constructor(readonly every: number) {
    super();
  }
  override async updateStatus(key: string, status: WorkflowStatus, v: number): Promise<number> {
    if (++this.#n % this.every === 0) throw new AloftError(Code.UNAVAILABLE, "test.lost", "write lost");
    return super.updateStatus(key, status, v);
  }
}

function composite() {
  const sub = b.workflow(
    "sub",
    [b.taskNode("s0", "inc", [b.bind("a", b.promise("start-node", "x"))])],
    { x: b.INT },
    { y: b.INT },
    [b.bind("y", b.promise("s0", "o"))],
  );
  const cond = create(BooleanExpressionSchema, {
    expr: {
      case: "comparison",
      value: {
        operator: Op.GT,
        leftValue: { val: { case: "var", value: "v" } },
        rightValue: { val: { case: "primitive", value: { value: { case: "integer", value: 0n } } } },
      },
    },
  });
  const br = create(NodeSchema, {
    id: "br",
    inputs: [b.bind("v", b.promise("a", "o"))],
    target: {
      case: "branchNode",
      value: {
        ifElse: {
          case: { condition: cond, thenNode: b.taskNode("pos", "inc", [b.bind("a", b.promise("a", "o"))]) },
          default: { case: "elseNode", value: b.taskNode("neg", "inc", [b.bind("a", b.int(-100))]) },
        },
      },
    },
  });
  const nodes = [
    b.taskNode("a", "inc", [b.bind("a", b.promise("start-node", "x"))]),
    b.taskNode("b", "inc", [b.bind("a", b.promise("start-node", "x"))]),
    br,
    b.subWorkflowNode("sw", "sub", [b.bind("x", b.promise("b", "o"))]),
    b.taskNode("sum", "add", [b.bind("a", b.promise("br", "o")), b.bind("b", b.promise("sw", "y"))]),
  ];
  return compiler.ok(b.workflow("cx", nodes, { x: b.INT }, { z: b.INT }, [b.bind("z", b.promise("sum", "o"))]), {
    subs: [sub],
  });
}

for (const [sinkEvery, storeEvery] of [
  [7, 5],
  [3, 11],
  [13, 2],
] as [number, number][]) {
  test(`flaky admin (every ${sinkEvery}th event) and lost writes (every ${storeEvery}th)`, async () => {
    const h = engineHarness({
      sink: new FlakySink(sinkEvery),
      store: new LossyStore(storeEvery),
      config: { maxWorkflowRetries: 1000 },
    });
    h.plugin.script("inc", succeed(incOutputs)).script("add", succeed(addOutputs));
    await h.engine.start();
    try {
      await h.launch("cx", composite(), { x: intLit(1) });
      const s = await h.waitTerminal("cx");
      assert.equal(s.phase, "Success");
      assert.equal(intOf((await h.outputs(s)).literals["z"]), 3n + 3n);
      const lines = h.sink.lines("cx");
      assert.equal(new Set(lines).size, lines.length, lines.join("\n"));
      assert.deepEqual(
        lines.filter((l) => l.startsWith("wf ")),
        ["wf RUNNING", "wf SUCCEEDING", "wf SUCCEEDED"],
      );
    } finally {
      await h.engine.stop();
    }
  });
}

import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  BooleanExpressionSchema,
  ComparisonExpression_Operator as Op,
  ConjunctionExpression_LogicalOperator as Logical,
  type BooleanExpression,
} from "@aloft/idl/flyteidl/core/condition_pb.js";
import { NodeExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { PrimitiveSchema, type Binding, type Primitive } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { NodeSchema, type Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { engineHarness } from "../testing/harness.ts";
import { queued, running, succeed } from "../testing/fake-plugin.ts";
import { b, compiler, incOutputs, intLit, intOf } from "../testing/workflows.ts";

const cmp = (v: string, op: Op, right: Primitive["value"]): BooleanExpression =>
  create(BooleanExpressionSchema, {
    expr: {
      case: "comparison",
      value: {
        operator: op,
        leftValue: { val: { case: "var", value: v } },
        rightValue: { val: { case: "primitive", value: create(PrimitiveSchema, { value: right }) } },
      },
    },
  });

const and = (l: BooleanExpression, r: BooleanExpression, op = Logical.AND): BooleanExpression =>
  create(BooleanExpressionSchema, {
    expr: { case: "conjunction", value: { operator: op, leftExpression: l, rightExpression: r } },
  });

function branch(id: string, inputs: Binding[], cases: [BooleanExpression, Node][], otherwise: Node | string): Node {
  const [first, ...others] = cases;
  return create(NodeSchema, {
    id,
    inputs,
    target: {
      case: "branchNode",
      value: {
        ifElse: {
          case: { condition: first![0], thenNode: first![1] },
          other: others.map(([condition, thenNode]) => ({ condition, thenNode })),
          default:
            typeof otherwise === "string"
              ? { case: "error", value: { failedNodeId: id, message: otherwise } }
              : { case: "elseNode", value: otherwise },
        },
      },
    },
  });
}

const x = (n: number) => ({ case: "integer" as const, value: BigInt(n) });

/** if x < 0 → inc(x); elif x >= 10 and x != 12 → inc(inc-input 100); else → inc(1000) | error */
function branchWorkflow(withElse: boolean) {
  const br = branch(
    "n0",
    [b.bind("x", b.promise("start-node", "x"))],
    [
      [cmp("x", Op.LT, x(0)), b.taskNode("neg", "inc", [b.bind("a", b.promise("start-node", "x"))])],
      [and(cmp("x", Op.GTE, x(10)), cmp("x", Op.NEQ, x(12))), b.taskNode("big", "inc", [b.bind("a", b.int(100))])],
    ],
    withElse ? b.taskNode("other", "inc", [b.bind("a", b.int(1000))]) : "no case matched",
  );
  const after = b.taskNode("n1", "inc", [b.bind("a", b.promise("n0", "o"))]);
  return compiler.ok(b.workflow("br", [br, after], { x: b.INT }, { y: b.INT }, [b.bind("y", b.promise("n1", "o"))]));
}

async function runBranch(name: string, input: number, withElse = true) {
  const h = engineHarness();
  h.plugin.script("inc", succeed(incOutputs));
  await h.engine.start();
  try {
    await h.launch(name, branchWorkflow(withElse), { x: intLit(input) });
    const s = await h.waitTerminal(name);
    return { h, s };
  } finally {
    await h.engine.stop();
  }
}

test("branch: the first true condition wins and its child runs under the branch", async () => {
  const { h, s } = await runBranch("b1", -5);
  assert.equal(s.phase, "Success");
  assert.equal(intOf((await h.outputs(s)).literals["y"]), -3n);
  const lines = h.sink.lines("b1").filter((l) => / n0/.test(l));
  // The chosen child is queued and started in the branch's first visit, before the branch reports RUNNING.
  assert.deepEqual(lines, [
    "node n0 QUEUED",
    "node n0-0-n0-neg QUEUED",
    "task n0-0-n0-neg#0 QUEUED v0",
    "node n0-0-n0-neg RUNNING",
    "node n0 RUNNING",
    "task n0-0-n0-neg#0 RUNNING v0",
    "task n0-0-n0-neg#0 SUCCEEDED v0",
    "node n0-0-n0-neg SUCCEEDED",
    "node n0 SUCCEEDED",
  ]);
  const child = h.sink.events.find(
    (r) => r.kind === "node" && r.event.id?.nodeId === "n0-0-n0-neg" && r.event.phase === NodeExecution_Phase.QUEUED,
  );
  assert.ok(child?.kind === "node");
  assert.equal(child.event.parentNodeMetadata?.nodeId, "n0");
  assert.equal(child.event.retryGroup, "0");
  assert.equal(child.event.specNodeId, "n0-neg");
  assert.equal(child.event.inputValue.value, "mem://test/metadata/propeller/p-d-b1/n0/data/0/n0-neg/inputs.pb");
});

test("branch: conjunctions, else, and else-error", async () => {
  assert.equal(
    intOf(
      (
        await (async () => {
          const r = await runBranch("b2", 11);
          return r.h.outputs(r.s);
        })()
      ).literals["y"],
    ),
    102n,
  );
  const r12 = await runBranch("b3", 12);
  assert.equal(intOf((await r12.h.outputs(r12.s)).literals["y"]), 1002n, "x != 12 is false: else");
  const err = await runBranch("b4", 5, false);
  assert.equal(err.s.phase, "Failed");
  assert.deepEqual(err.s.error, { kind: "USER", code: "UserProvidedError", message: "no case matched" });
  assert.ok(
    err.h.sink.lines("b4").includes("node n1 SKIPPED") || !err.h.sink.lines("b4").some((l) => l.startsWith("node n1")),
  );
});

test("branch: the chosen child waits for its own compiled predecessor outside the branch (a sibling of the branch)", async () => {
  // n0 (slow) and the branch n1 both depend only on the start node; n1's chosen child reads n0's output.
  const slow = b.taskNode("n0", "inc", [b.bind("a", b.promise("start-node", "x"))]);
  const br = branch(
    "n1",
    [b.bind("x", b.promise("start-node", "x"))],
    [[cmp("x", Op.GT, x(3)), b.taskNode("use", "inc", [b.bind("a", b.promise("n0", "o"))])]],
    b.taskNode("zero", "inc", [b.bind("a", b.int(0))]),
  );
  const wf = compiler.ok(
    b.workflow("sib", [slow, br], { x: b.INT }, { y: b.INT }, [b.bind("y", b.promise("n1", "o"))]),
  );
  assert.deepEqual(
    wf.primary?.connections?.upstream["n1-use"]?.ids,
    ["n0"],
    "the compiler records the inner node's predecessor",
  );
  const h = engineHarness();
  h.plugin.script("inc", async (a) => {
    // The top-level n0 takes a few rounds; the branch child succeeds at once.
    if (a.ctx.id.nodeExecutionId?.nodeId === "n0" && a.call < 5) return a.call === 1 ? queued() : running();
    return succeed(incOutputs)({ ...a, call: 3 });
  });
  await h.engine.start();
  try {
    await h.launch("b5", wf, { x: intLit(5) });
    const s = await h.waitTerminal("b5");
    assert.equal(s.phase, "Success", JSON.stringify(s.error));
    assert.equal(intOf((await h.outputs(s)).literals["y"]), 7n);
    const lines = h.sink.lines("b5");
    assert.ok(lines.indexOf("node n0 SUCCEEDED") < lines.indexOf("node n1-0-n1-use QUEUED"), lines.join("\n"));
  } finally {
    await h.engine.stop();
  }
});

test("branch: a nested branch's node also waits for the top-level sibling it reads (never for the branches it is in)", async () => {
  const slow = b.taskNode("n0", "inc", [b.bind("a", b.promise("start-node", "x"))]);
  const inner = branch(
    "inner",
    [b.bind("x", b.promise("start-node", "x"))],
    [[cmp("x", Op.GT, x(4)), b.taskNode("use", "inc", [b.bind("a", b.promise("n0", "o"))])]],
    b.taskNode("zero", "inc", [b.bind("a", b.int(0))]),
  );
  const outer = branch(
    "n1",
    [b.bind("x", b.promise("start-node", "x"))],
    [[cmp("x", Op.GT, x(3)), inner]],
    b.taskNode("other", "inc", [b.bind("a", b.int(0))]),
  );
  const wf = compiler.ok(
    b.workflow("nested", [slow, outer], { x: b.INT }, { y: b.INT }, [b.bind("y", b.promise("n1", "o"))]),
  );
  const h = engineHarness();
  h.plugin.script("inc", async (a) => {
    if (a.ctx.id.nodeExecutionId?.nodeId === "n0" && a.call < 5) return a.call === 1 ? queued() : running();
    return succeed(incOutputs)({ ...a, call: 3 });
  });
  await h.engine.start();
  try {
    await h.launch("b6", wf, { x: intLit(5) });
    assert.deepEqual(wf.primary?.connections?.upstream["n1-inner-use"]?.ids, ["n0"]);
    const s = await h.waitTerminal("b6");
    assert.equal(s.phase, "Success", JSON.stringify(s.error));
    assert.equal(intOf((await h.outputs(s)).literals["y"]), 7n);
    const lines = h.sink.lines("b6");
    const useEvent = h.sink.events.find((r) => r.kind === "node" && r.event.specNodeId === "n1-inner-use");
    assert.ok(useEvent?.kind === "node", "the nested node ran");
    const use = lines.indexOf(`node ${useEvent.event.id?.nodeId} QUEUED`);
    assert.ok(use > lines.indexOf("node n0 SUCCEEDED"), lines.join("\n"));
  } finally {
    await h.engine.stop();
  }
});

// Branch nodes: child renaming, interface derivation, conditions, and their errors.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import type { CompiledTask } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import {
  BooleanExpressionSchema,
  ComparisonExpression_Operator,
  OperandSchema,
  type BooleanExpression,
} from "@aloft/idl/flyteidl/core/condition_pb.js";
import { PrimitiveSchema, type Binding } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { IfBlockSchema, NodeSchema, type Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { INT, STR, bind, int, promise, task, taskNode, workflow } from "../testing/builders.ts";
import { CompileErrors } from "../errors.ts";
import { connections as conn, harness } from "../testing/harness.ts";
import { validateBooleanExpression } from "./branch-node.ts";

const TASKS: CompiledTask[] = [
  task("t_int", { a: INT }, { o: INT }),
  task("t_int2", { a: INT }, { o: INT, extra: STR }),
  task("t_str_out", { a: INT }, { o: STR }),
];
const { ok, errors } = harness(TASKS);

const eq = (v: string, right: { primitive: number | string }): BooleanExpression =>
  create(BooleanExpressionSchema, {
    expr: {
      case: "comparison",
      value: {
        operator: ComparisonExpression_Operator.EQ,
        leftValue: { val: { case: "var", value: v } },
        rightValue: {
          val: {
            case: "primitive",
            value: create(PrimitiveSchema, {
              value:
                typeof right.primitive === "string"
                  ? { case: "stringValue", value: right.primitive }
                  : Number.isInteger(right.primitive)
                    ? { case: "integer", value: BigInt(right.primitive) }
                    : { case: "floatValue", value: right.primitive },
            }),
          },
        },
      },
    },
  });

function branch(
  nodeId: string,
  inputs: Binding[],
  cases: [BooleanExpression | undefined, Node][],
  elseNode?: Node,
): Node {
  const [first, ...others] = cases;
  return create(NodeSchema, {
    id: nodeId,
    inputs,
    target: {
      case: "branchNode",
      value: {
        ifElse: {
          case: first ? { condition: first[0], thenNode: first[1] } : undefined,
          other: others.map(([condition, thenNode]) => ({ condition, thenNode })),
          default: elseNode ? { case: "elseNode", value: elseNode } : { case: undefined },
        },
      },
    },
  });
}

describe("branch nodes", () => {
  const wf = (b: Node, outputs: Record<string, typeof INT> = { y: INT }) =>
    workflow("wf", [b], { x: INT }, outputs, Object.keys(outputs).length ? [bind("y", promise(b.id, "o"))] : []);

  it("renames children, derives the interface, and gives children upstream edges only", () => {
    const b = branch(
      "n0",
      [bind(".x", promise("", "x"))],
      [[eq(".x", { primitive: 1 }), taskNode("n0", "t_int", [bind("a", promise("", "x"))])]],
      taskNode("n1", "t_int2", [bind("a", int(2))]),
    );
    const c = ok(wf(b));
    const ifElse =
      c.primary?.template?.nodes[2]?.target.case === "branchNode"
        ? c.primary.template.nodes[2].target.value.ifElse
        : undefined;
    assert.equal(ifElse?.case?.thenNode?.id, "n0-n0");
    assert.equal(ifElse?.default.case === "elseNode" ? ifElse.default.value.id : "", "n0-n1");
    assert.deepEqual(conn(c, "upstream"), { n0: ["start-node"], "n0-n0": ["start-node"], "end-node": ["n0"] });
    assert.deepEqual(conn(c, "downstream"), { "start-node": ["n0"], n0: ["end-node"] });
  });

  it("exposes only the outputs every child produces", () => {
    const b = branch(
      "n0",
      [bind(".x", promise("", "x"))],
      [[eq(".x", { primitive: 1 }), taskNode("a", "t_int2", [bind("a", int(1))])]],
      taskNode("b", "t_int", [bind("a", int(1))]),
    );
    const bad = workflow("wf", [b], { x: INT }, { y: STR }, [bind("y", promise("n0", "extra"))]);
    assert.deepEqual(
      errors(bad).map((e) => e.split("|")[0]),
      ["ParameterNotBound", "VariableNameNotFound"],
    );
  });

  it("MismatchingTypes when children produce the same output with different types", () => {
    const b = branch(
      "n0",
      [bind(".x", promise("", "x"))],
      [[eq(".x", { primitive: 1 }), taskNode("a", "t_int", [bind("a", int(1))])]],
      taskNode("b", "t_str_out", [bind("a", int(1))]),
    );
    // Without an interface the branch gets no edges from its bindings, so it is also unreachable (as upstream).
    assert.deepEqual(errors(wf(b, {})), [
      "MismatchingTypes|n0-b|Variable [o] (type [simple:INTEGER]) doesn't match expected type [simple:STRING].",
      "UnreachableNodes|start-node|The Workflow contain unreachable nodes [n0].",
      "ValueRequired|n0|Value required [.x].",
    ]);
  });

  it("MismatchingTypes when a condition compares an integer with a float", () => {
    const b = branch(
      "n0",
      [bind(".x", promise("", "x"))],
      [[eq(".x", { primitive: 0.5 }), taskNode("a", "t_int", [bind("a", int(1))])]],
      taskNode("b", "t_int", [bind("a", int(1))]),
    );
    assert.deepEqual(errors(wf(b)), [
      "MismatchingTypes|n0|Variable [RightValue] (type [simple:FLOAT]) doesn't match expected type [simple:INTEGER].",
    ]);
  });

  it("BranchNodeHasNoDefault without else node or error", () => {
    const b = branch(
      "n0",
      [bind(".x", promise("", "x"))],
      [[eq(".x", { primitive: 1 }), taskNode("a", "t_int", [bind("a", int(1))])]],
    );
    assert.deepEqual(errors(wf(b)), [
      "BranchNodeHasNoDefault|n0|Branch Node must have either the else case set or a default error.",
    ]);
  });

  it("BranchNodeHasNoCondition for a block without condition", () => {
    const b = branch(
      "n0",
      [bind(".x", promise("", "x"))],
      [[undefined, taskNode("a", "t_int", [bind("a", int(1))])]],
      taskNode("b", "t_int", [bind("a", int(1))]),
    );
    assert.deepEqual(errors(wf(b)), [
      "BranchNodeHasNoCondition|n0|One of the branches on the node doesn't have a condition.",
    ]);
  });

  it("BranchNodeIdNotFound for a block without a node", () => {
    const b = branch(
      "n0",
      [bind(".x", promise("", "x"))],
      [[eq(".x", { primitive: 1 }), taskNode("a", "t_int", [bind("a", int(1))])]],
      taskNode("b", "t_int", [bind("a", int(1))]),
    );
    if (b.target.case === "branchNode") {
      b.target.value.ifElse?.other.push(create(IfBlockSchema, { condition: eq(".x", { primitive: 2 }) }));
    }
    // The branch then has no interface, so errors cascade (unbound output, untyped condition, unreachable).
    const e = errors(wf(b));
    assert.ok(e.includes("BranchNodeIdNotFound|n0|BranchNode not assigned"), e.join("\n"));
    assert.ok(e.includes("ValueRequired|n0|Value required [IfElse.Case.ThenNode]."), e.join("\n"));
  });

  it("VariableNameNotFound for a condition on a variable the branch does not bind", () => {
    const b = branch(
      "n0",
      [],
      [[eq(".x", { primitive: 1 }), taskNode("a", "t_int", [bind("a", int(1))])]],
      taskNode("b", "t_int", [bind("a", int(1))]),
    );
    assert.deepEqual(errors(wf(b)), ["VariableNameNotFound|n0|Variable [.x] not found on node [n0]."]);
  });
});

describe("validateBooleanExpression", () => {
  const nb = { node: create(NodeSchema, { id: "b" }) };
  const collect = (expr: BooleanExpression) => {
    const errs = CompileErrors.root();
    validateBooleanExpression(nb, expr, true, errs);
    return errs.list().map((e) => `${e.code}|${e.description}`);
  };

  it("requires both operands", () => {
    const expr = create(BooleanExpressionSchema, {
      expr: { case: "comparison", value: { operator: ComparisonExpression_Operator.GT } },
    });
    assert.deepEqual(collect(expr), [
      "ValueRequired|Value required [LeftValue].",
      "ValueRequired|Value required [RightValue].",
    ]);
  });

  it("requires identical operand types", () => {
    const expr = eq("unused", { primitive: 1 });
    if (expr.expr.case === "comparison") {
      expr.expr.value.leftValue = create(OperandSchema, {
        val: { case: "primitive", value: create(PrimitiveSchema, { value: { case: "stringValue", value: "s" } }) },
      });
    }
    assert.deepEqual(collect(expr), [
      "MismatchingTypes|Variable [RightValue] (type [simple:INTEGER]) doesn't match expected type [simple:STRING].",
    ]);
  });

  it("reports a conjunction side without condition", () => {
    const expr = create(BooleanExpressionSchema, {
      expr: { case: "conjunction", value: { rightExpression: eq("unused", { primitive: 1 }) } },
    });
    const errors = collect(expr);
    assert.ok(errors.includes("BranchNodeHasNoCondition|One of the branches on the node doesn't have a condition."));
  });
});

// Node kinds beyond plain tasks: gate, array, launch plan, sub-workflow, failure node, attribute paths.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { CompiledTask } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { BindingDataSchema, type Binding } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { GateNodeSchema, NodeSchema, type Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { getRequirements } from "../requirements.ts";
import {
  INT,
  NONE,
  STR,
  bind,
  float,
  id,
  int,
  launchPlanNode,
  listOf,
  promise,
  str,
  subWorkflowNode,
  task,
  taskNode,
  unionOf,
  vars,
  workflow,
} from "../testing/builders.ts";
import { connections, harness } from "../testing/harness.ts";
import { tryCompileWorkflow } from "../workflow.ts";
import type { LaunchPlanInterface } from "../workflow-builder.ts";

const TASKS: CompiledTask[] = [
  task("t_int", { a: INT }, { o: INT }),
  task("t_int2", { a: INT }, { o: INT, extra: STR }),
  task("t_str_out", { a: INT }, { o: STR }),
  task("t_none", {}, {}),
  task("t_list", { a: listOf(INT) }, { o: listOf(INT) }),
];

const { ok, errors } = harness(TASKS);
const conn = connections;

describe("gate nodes", () => {
  const gate = (
    nodeId: string,
    condition: MessageInitShape<typeof GateNodeSchema>["condition"],
    inputs: Binding[] = [],
  ) =>
    create(NodeSchema, {
      id: nodeId,
      inputs,
      target: { case: "gateNode", value: create(GateNodeSchema, { condition }) },
    });

  it("a signal gate outputs its typed variable", () => {
    const g = gate("g", { case: "signal", value: { signalId: "s", type: INT, outputVariableName: "o" } });
    ok(workflow("wf", [g, taskNode("n1", "t_int", [bind("a", promise("g", "o"))])]));
  });

  it("an approve gate passes its inputs through", () => {
    const g = gate("g", { case: "approve", value: { signalId: "s" } }, [bind("v", promise("", "x"))]);
    const c = ok(workflow("wf", [g, taskNode("n1", "t_int", [bind("a", promise("g", "v"))])], { x: INT }));
    assert.deepEqual(conn(c, "downstream")["g"], ["n1"]);
  });

  it("a sleep gate has an empty interface", () => {
    ok(workflow("wf", [gate("g", { case: "sleep", value: {} })]));
  });

  it("ValueRequired for a signal without type or output name; NoConditionFound without condition", () => {
    const noType = gate("g1", { case: "signal", value: { signalId: "s", outputVariableName: "o" } });
    const noName = gate("g2", { case: "signal", value: { signalId: "s", type: INT } });
    const none = gate("g3", { case: undefined });
    assert.deepEqual(errors(workflow("wf", [noType, noName, none])), [
      "NoConditionFound|g3|Can't find any condition in gate node [g3].",
      "ValueRequired|g1|Value required [GateNode.Signal.Type].",
      "ValueRequired|g2|Value required [GateNode.Signal.OutputVariableName].",
    ]);
  });
});

describe("array nodes", () => {
  const arrayNode = (nodeId: string, inner: Node, inputs: Binding[], extra: Record<string, unknown> = {}) =>
    create(NodeSchema, {
      id: nodeId,
      inputs,
      target: { case: "arrayNode", value: { node: inner, ...extra } as never },
    });

  it("take the inner node's interface and are part of the requirements", () => {
    const a = arrayNode("m", taskNode("inner", "t_list"), [bind("a", promise("", "xs"))]);
    const wf = workflow("wf", [a], { xs: listOf(INT) }, { y: listOf(INT) }, [bind("y", promise("m", "o"))]);
    ok(wf);
    assert.deepEqual(
      getRequirements(wf).taskIds.map((t) => t.name),
      ["t_list"],
    );
  });

  it("wrap the original sub-node interface in collections when told so", () => {
    const a = arrayNode("m", taskNode("inner", "t_int"), [bind("a", promise("", "xs"))], {
      isOriginalSubNodeInterface: true,
    });
    ok(workflow("wf", [a], { xs: listOf(INT) }, { y: listOf(INT) }, [bind("y", promise("m", "o"))]));
  });
});

describe("launch plan nodes", () => {
  const lp: LaunchPlanInterface = {
    id: id(ResourceType.LAUNCH_PLAN, "lp"),
    expectedInputs: {
      $typeName: "flyteidl.core.ParameterMap",
      parameters: {
        req: {
          $typeName: "flyteidl.core.Parameter",
          var: vars({ req: INT }).variables["req"],
          behavior: { case: "required", value: true },
        },
        opt: {
          $typeName: "flyteidl.core.Parameter",
          var: vars({ opt: STR }).variables["opt"],
          behavior: { case: "default", value: { $typeName: "flyteidl.core.Literal" } as never },
        },
      },
    },
    expectedOutputs: vars({ o: INT }),
  };

  it("require required parameters and accept bound optional ones", () => {
    ok(workflow("wf", [launchPlanNode("n0", "lp", [bind("req", int(1)), bind("opt", str("s"))])]), { lps: [lp] });
    ok(workflow("wf", [launchPlanNode("n0", "lp", [bind("req", int(1))])]), { lps: [lp] });
    assert.deepEqual(errors(workflow("wf", [launchPlanNode("n0", "lp")]), { lps: [lp] }), [
      "ParameterNotBound|n0|Parameter not bound [req].",
    ]);
  });

  it("expose the launch plan's outputs", () => {
    ok(
      workflow("wf", [
        launchPlanNode("n0", "lp", [bind("req", int(1))]),
        taskNode("n1", "t_int", [bind("a", promise("n0", "o"))]),
      ]),
      { lps: [lp] },
    );
  });
});

describe("sub-workflows", () => {
  it("are compiled into the closure with their own start/end nodes and connections", () => {
    const sub = workflow("sub", [taskNode("s0", "t_int", [bind("a", promise("", "a"))])], { a: INT }, { o: INT }, [
      bind("o", promise("s0", "o")),
    ]);
    const c = ok(
      workflow("wf", [
        subWorkflowNode("n0", "sub", [bind("a", int(1))]),
        taskNode("n1", "t_int", [bind("a", promise("n0", "o"))]),
      ]),
      { subs: [sub] },
    );
    const compiled = c.subWorkflows[0];
    assert.deepEqual(
      compiled?.template?.nodes.map((n) => n.id),
      ["start-node", "end-node", "s0"],
    );
    assert.deepEqual(compiled?.connections?.downstream["start-node"]?.ids, ["s0"]);
    assert.deepEqual(
      getRequirements(workflow("wf", [subWorkflowNode("n0", "sub")]), [sub]).taskIds.map((t) => t.name),
      ["t_int"],
    );
  });
});

describe("sub-workflow errors and recursion", () => {
  it("reports errors inside a sub-workflow with the sub-workflow's node ids", () => {
    const sub = workflow("sub", [taskNode("s0", "t_int", [bind("a", str("x"))])]);
    const e = errors(workflow("wf", [subWorkflowNode("n0", "sub")]), { subs: [sub] });
    assert.deepEqual(e, [
      "MismatchingTypes|s0|Variable [a] (type [simple:STRING]) doesn't match expected type [simple:INTEGER].",
    ]);
  });

  it("a launch plan of the workflow being compiled uses the workflow's own interface", () => {
    const self = create(NodeSchema, {
      id: "again",
      inputs: [bind("x", int(1))],
      target: {
        case: "workflowNode",
        value: { reference: { case: "launchplanRef", value: id(ResourceType.WORKFLOW, "wf") } },
      },
    });
    const lp: LaunchPlanInterface = { id: id(ResourceType.WORKFLOW, "wf") };
    ok(workflow("wf", [self], { x: INT }), { lps: [lp] });
  });
});

describe("failure node", () => {
  it("gets upstream edges only and stays out of the node list", () => {
    const failure = taskNode("fail", "t_int", [bind("a", promise("n0", "o"))]);
    const wf = workflow("wf", [taskNode("n0", "t_int", [bind("a", int(1))])]);
    wf.failureNode = failure;
    const c = ok(wf);
    assert.deepEqual(conn(c, "upstream")["fail"], ["n0"]);
    assert.equal(conn(c, "downstream")["n0"]?.includes("fail"), false);
    assert.equal(
      c.primary?.template?.nodes.some((n) => n.id === "fail"),
      false,
    );
  });
});

describe("attribute paths", () => {
  const dataclass = create(LiteralTypeSchema, {
    type: { case: "simple", value: SimpleType.STRUCT },
    structure: { dataclassType: { count: INT } },
  });
  const tasks = [...TASKS, task("t_dc", {}, { o: dataclass })];
  const withAttr = (attr: string) => {
    const p = promise("n0", "o");
    if (p.value.case === "promise")
      p.value.value.attrPath = [
        { $typeName: "flyteidl.core.PromiseAttribute", value: { case: "stringValue", value: attr } },
      ];
    return p;
  };

  it("resolve a dataclass field's type", () => {
    const r = tryCompileWorkflow(
      workflow("wf", [taskNode("n0", "t_dc"), taskNode("n1", "t_int", [bind("a", withAttr("count"))])]),
      [],
      tasks,
      [],
    );
    assert.ok(r.ok);
  });

  it("FieldNotFound for a missing field", () => {
    const r = tryCompileWorkflow(
      workflow("wf", [taskNode("n0", "t_dc"), taskNode("n1", "t_int", [bind("a", withAttr("nope"))])]),
      [],
      tasks,
      [],
    );
    assert.ok(!r.ok);
    assert.deepEqual(
      r.errors.map((e) => `${e.code}|${e.nodeId}`),
      ["FieldNotFound|n1"],
    );
  });
});

describe("optional inputs and none", () => {
  it("binds none to an optional input", () => {
    const tasks = [...TASKS, task("t_opt", { a: unionOf(INT, NONE) }, {})];
    const none = create(BindingDataSchema, {
      value: { case: "scalar", value: { value: { case: "noneType", value: {} } } },
    });
    assert.ok(tryCompileWorkflow(workflow("wf", [taskNode("n0", "t_opt", [bind("a", none)])]), [], tasks, []).ok);
    assert.ok(
      !tryCompileWorkflow(workflow("wf", [taskNode("n0", "t_opt", [bind("a", float(1.5))])]), [], tasks, []).ok,
    );
  });
});

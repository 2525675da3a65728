// Workflow structure (start/end nodes, edges, promises) and every error kind a plain task workflow can raise.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clone, create, equals } from "@bufbuild/protobuf";
import type { CompiledTask } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { BindingDataSchema, BindingSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { NodeSchema, WorkflowTemplateSchema, type WorkflowTemplate } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { identifierText } from "./proto-text.ts";
import {
  INT,
  NONE,
  STR,
  bind,
  enumOf,
  id,
  int,
  list,
  promise,
  str,
  task,
  taskNode,
  unionOf,
  workflow,
  listOf,
  subWorkflowNode,
} from "./testing/builders.ts";
import { compileWorkflow, tryCompileWorkflow } from "./workflow.ts";
import { connections, harness, type CompileOptions } from "./testing/harness.ts";

const TASKS: CompiledTask[] = [
  task("t_int", { a: INT }, { o: INT }),
  task("t_str", { s: STR }, { o: STR }),
  task("t_none", {}, {}),
  task("t_enum", { c: enumOf("red", "green") }, {}),
  task("t_opt", { a: unionOf(INT, NONE) }, {}),
  task("t_list", { xs: listOf(INT) }, { o: listOf(INT) }),
];

const { ok, errors } = harness(TASKS);
const codes = (wf: WorkflowTemplate, o: CompileOptions = {}) => errors(wf, o).map((e) => e.split("|")[0]!);
const conn = connections;

describe("compileWorkflow: structure", () => {
  it("adds start and end nodes, edges, and makes workflow-input promises explicit", () => {
    const wf = workflow(
      "wf",
      [
        taskNode("n0", "t_int", [bind("a", promise("", "x"))]),
        taskNode("n1", "t_int", [bind("a", promise("n0", "o"))]),
      ],
      { x: INT },
      { y: INT },
      [bind("y", promise("n1", "o"))],
    );
    const c = ok(wf);
    const nodes = c.primary?.template?.nodes ?? [];
    assert.deepEqual(
      nodes.map((n) => n.id),
      ["start-node", "end-node", "n0", "n1"],
    );
    assert.equal(nodes[1]?.inputs[0]?.binding?.value.case, "promise");
    const n0 = nodes[2]!;
    const p = n0.inputs[0]?.binding?.value;
    assert.ok(p?.case === "promise" && p.value.nodeId === "start-node");
    assert.deepEqual(conn(c, "downstream"), { "start-node": ["n0"], n0: ["n1"], n1: ["end-node"] });
    assert.deepEqual(conn(c, "upstream"), { n0: ["start-node"], n1: ["n0"], "end-node": ["n1"] });
    assert.deepEqual(
      c.tasks.map((t) => t.template?.id?.name),
      TASKS.map((t) => t.template?.id?.name),
      "every supplied task is in the closure",
    );
  });

  it("connects nodes without dependencies to start and end, and sorts upstream_node_ids", () => {
    const wf = workflow("wf", [
      taskNode("b", "t_none"),
      taskNode("a", "t_none"),
      taskNode("c", "t_none", [], ["b", "a"]),
    ]);
    const c = ok(wf);
    assert.deepEqual(conn(c, "downstream"), { "start-node": ["a", "b"], a: ["c"], b: ["c"], c: ["end-node"] });
    assert.deepEqual(c.primary?.template?.nodes.find((n) => n.id === "c")?.upstreamNodeIds, ["a", "b"]);
  });

  it("does not modify its inputs", () => {
    const wf = workflow("wf", [taskNode("n0", "t_int", [bind("a", promise("", "x"))])], { x: INT });
    const before = clone(WorkflowTemplateSchema, wf);
    ok(wf);
    assert.ok(equals(WorkflowTemplateSchema, wf, before));
  });

  it("silently drops a second top-level node with an existing id (as upstream)", () => {
    const c = ok(workflow("wf", [taskNode("n0", "t_none"), taskNode("n0", "t_int", [bind("a", int(1))])]));
    assert.equal(c.primary?.template?.nodes.filter((n) => n.id === "n0").length, 1);
  });

  it("accepts an unbound optional input", () => {
    ok(workflow("wf", [taskNode("n0", "t_opt")]));
  });

  it("follows output aliases", () => {
    const n0 = taskNode("n0", "t_int", [bind("a", int(1))]);
    n0.outputAliases = [{ $typeName: "flyteidl.core.Alias", var: "o", alias: "renamed" }];
    ok(workflow("wf", [n0, taskNode("n1", "t_int", [bind("a", promise("n0", "renamed"))])]));
  });

  it("validates an indexed promise against the element type", () => {
    ok(
      workflow("wf", [
        taskNode("n0", "t_list", [bind("xs", list(int(1), int(2)))]),
        taskNode("n1", "t_int", [bind("a", promise("n0", "[0].o"))]),
      ]),
    );
  });

  it("throws a CompilationError from the throwing variant", () => {
    assert.throws(() => compileWorkflow(workflow("wf", []), [], TASKS, []), /NoNodesFound/);
  });
});

describe("compileWorkflow: errors", () => {
  it("NoNodesFound", () => {
    const wf = workflow("wf", []);
    assert.deepEqual(errors(wf), [
      `NoNodesFound|${identifierText(wf.id)}|Can't find any nodes in workflow [${identifierText(wf.id)}].`,
    ]);
  });

  it("TaskReferenceNotFound, reported at start-node before anything else", () => {
    const e = errors(workflow("wf", [taskNode("n0", "missing")]));
    assert.equal(e.length, 1);
    assert.match(
      e[0]!,
      /^TaskReferenceNotFound\|start-node\|Referenced Task \[resource_type:TASK .*name:"missing".*\] not found\.$/,
    );
  });

  it("WorkflowReferenceNotFound for a launch plan that was not supplied", () => {
    const lpNode = create(NodeSchema, {
      id: "n0",
      target: {
        case: "workflowNode",
        value: { reference: { case: "launchplanRef", value: id(ResourceType.LAUNCH_PLAN, "lp") } },
      },
    });
    assert.deepEqual(codes(workflow("wf", [lpNode])), ["WorkflowReferenceNotFound"]);
  });

  it("WorkflowReferenceNotFound for a sub-workflow that was not supplied", () => {
    const e = errors(workflow("wf", [subWorkflowNode("n0", "sub")]));
    assert.deepEqual(
      e.map((x) => x.split("|").slice(0, 2).join("|")),
      ["WorkflowReferenceNotFound|n0"],
    );
  });

  it("VariableNameNotFound for a binding to an unknown input", () => {
    const e = errors(workflow("wf", [taskNode("n0", "t_int", [bind("a", int(1)), bind("zzz", int(1))])]));
    assert.deepEqual(e, ["VariableNameNotFound|n0|Variable [zzz] not found on node [n0]."]);
  });

  it("ParameterNotBound for a missing required input", () => {
    assert.deepEqual(errors(workflow("wf", [taskNode("n0", "t_int")])), [
      "ParameterNotBound|n0|Parameter not bound [a].",
    ]);
  });

  it("ParameterBoundMoreThanOnce", () => {
    const e = errors(workflow("wf", [taskNode("n0", "t_int", [bind("a", int(1)), bind("a", int(2))])]));
    assert.deepEqual(e, ["ParameterBoundMoreThanOnce|n0|Input [a] is bound more than once."]);
  });

  it("ValueRequired (plus ParameterNotBound) for a binding without data", () => {
    const n0 = taskNode("n0", "t_int", [create(BindingSchema, { var: "a" })]);
    assert.deepEqual(errors(workflow("wf", [n0])), [
      "ParameterNotBound|n0|Parameter not bound [a].",
      "ValueRequired|n0|Value required [Binding].",
    ]);
  });

  it("MismatchingTypes for a scalar of the wrong type", () => {
    const e = errors(workflow("wf", [taskNode("n0", "t_int", [bind("a", str("x"))])]));
    assert.deepEqual(e, [
      "MismatchingTypes|n0|Variable [a] (type [simple:STRING]) doesn't match expected type [simple:INTEGER].",
    ]);
  });

  it("MismatchingTypes for a promise of the wrong type (names from node metadata)", () => {
    const e = errors(
      workflow("wf", [
        taskNode("n0", "t_str", [bind("s", str("x"))]),
        taskNode("n1", "t_int", [bind("a", promise("n0", "o"))]),
      ]),
    );
    assert.deepEqual(e, [
      "MismatchingTypes|n1|The output variable 'n0.o' has type [simple:STRING], but it's assigned to the input variable 'n1.a' which has type type [simple:INTEGER].",
    ]);
  });

  it("MismatchingTypes for a workflow output of the wrong type", () => {
    const wf = workflow("wf", [taskNode("n0", "t_str", [bind("s", str("x"))])], {}, { y: INT }, [
      bind("y", promise("n0", "o")),
    ]);
    assert.deepEqual(codes(wf), ["MismatchingTypes"]);
  });

  it("ParameterNotBound for an unbound workflow output", () => {
    const wf = workflow("wf", [taskNode("n0", "t_none")], {}, { y: INT });
    assert.deepEqual(errors(wf), ["ParameterNotBound|end-node|Parameter not bound [y]."]);
  });

  it("MismatchingBindings for a list bound to a scalar input", () => {
    const e = errors(workflow("wf", [taskNode("n0", "t_int", [bind("a", list(int(1)))])]));
    assert.equal(e.length, 1);
    assert.match(
      e[0]!,
      /^MismatchingBindings\|n0\|Input \[a\] on node \[n0\] expects bindings of type \[simple:INTEGER\]\. {2}Received \[bindings:\{scalar:/,
    );
  });

  it("IllegalEnumValue", () => {
    const e = errors(workflow("wf", [taskNode("n0", "t_enum", [bind("c", str("pink"))])]));
    assert.deepEqual(e, [
      "IllegalEnumValue|n0|Input [c] on node [n0] is an Enum and expects value to be one of [[red green]].  Received [pink]",
    ]);
  });

  it("NodeReferenceNotFound (plus ParameterNotBound) for a promise to an unknown node", () => {
    const e = errors(workflow("wf", [taskNode("n0", "t_int", [bind("a", promise("ghost", "o"))])]));
    assert.deepEqual(e, [
      "NodeReferenceNotFound|ghost|Referenced node [ghost] not found.",
      "ParameterNotBound|n0|Parameter not bound [a].",
    ]);
  });

  it("VariableNameNotFound (plus ParameterNotBound) for an unknown upstream output", () => {
    const e = errors(
      workflow("wf", [
        taskNode("n0", "t_int", [bind("a", int(1))]),
        taskNode("n1", "t_int", [bind("a", promise("n0", "nope"))]),
      ]),
    );
    assert.deepEqual(e, [
      "ParameterNotBound|n1|Parameter not bound [a].",
      "VariableNameNotFound|n0|Variable [nope] not found on node [n0].",
    ]);
  });

  it("SyntaxError for an empty promise variable", () => {
    const e = errors(workflow("wf", [taskNode("n0", "t_int", [bind("a", promise("", ""))])]));
    assert.deepEqual(e, ["SyntaxError|n0|Failed to parse element []."]);
  });

  it("UnrecognizedValue for a scalar whose type cannot be known", () => {
    const blob = create(BindingDataSchema, {
      value: { case: "scalar", value: { value: { case: "blob", value: {} } } },
    });
    const e = errors(workflow("wf", [taskNode("n0", "t_int", [bind("a", blob)])]));
    assert.deepEqual(e, ["UnrecognizedValue|n0|Unrecognized value [*core.Scalar_Blob]."]);
  });

  it("CycleDetected with the path from start-node", () => {
    const wf = workflow("wf", [
      taskNode("n0", "t_none"),
      taskNode("n1", "t_none", [], ["n0", "n2"]),
      taskNode("n2", "t_none", [], ["n1"]),
    ]);
    assert.deepEqual(errors(wf), [
      "CycleDetected|start-node|A cycle has been detected while traversing the Workflow [start-node>n0>n1>n2>n1].",
    ]);
  });

  it("UnreachableNodes for a cycle not reachable from start-node", () => {
    const wf = workflow("wf", [
      taskNode("n0", "t_none"),
      taskNode("n2", "t_none", [], ["n1"]),
      taskNode("n1", "t_none", [], ["n2"]),
    ]);
    assert.deepEqual(errors(wf), ["UnreachableNodes|start-node|The Workflow contain unreachable nodes [n1,n2]."]);
  });

  it("DuplicateAlias, and ParameterNotBound for an alias of a missing output", () => {
    const n0 = taskNode("n0", "t_int", [bind("a", int(1))]);
    n0.outputAliases = [
      { $typeName: "flyteidl.core.Alias", var: "o", alias: "x" },
      { $typeName: "flyteidl.core.Alias", var: "o", alias: "y" },
      { $typeName: "flyteidl.core.Alias", var: "ghost", alias: "z" },
    ];
    assert.deepEqual(errors(workflow("wf", [n0])), [
      "DuplicateAlias|n0|Duplicate alias [y] found. An output alias can only be used once in the Workflow.",
      "ParameterNotBound|n0|Parameter not bound [z].",
    ]);
  });

  it("DuplicateId for two sub-workflows with the same id", () => {
    const sub = workflow("sub", [taskNode("s0", "t_none")]);
    const e = errors(workflow("wf", [taskNode("n0", "t_none")]), { subs: [sub, clone(WorkflowTemplateSchema, sub)] });
    assert.deepEqual(e, [`DuplicateId|${identifierText(sub.id)}|Trying to insert two nodes with the same id.`]);
  });

  it("AmbiguousBindingUnionValue and IncompatibleBindingUnionValue for collections bound to unions", () => {
    const tasks = [
      ...TASKS,
      task("t_u1", { u: unionOf(listOf(INT), listOf(STR)) }, {}),
      task("t_u2", { u: unionOf(INT, STR) }, {}),
    ];
    const wf = workflow("wf", [
      taskNode("n0", "t_u1", [bind("u", list())]),
      taskNode("n1", "t_u2", [bind("u", list(int(1)))]),
    ]);
    const r = tryCompileWorkflow(wf, [], tasks, []);
    assert.ok(!r.ok);
    assert.deepEqual(
      r.errors.map((e) => `${e.code}|${e.nodeId}`),
      ["AmbiguousBindingUnionValue|n0", "IncompatibleBindingUnionValue|n1"],
    );
  });

  it("collects every error, not just the first", () => {
    const wf = workflow("wf", [
      taskNode("n0", "t_int", [bind("a", str("x"))]),
      taskNode("n1", "t_int"),
      taskNode("n2", "t_enum", [bind("c", str("pink")), bind("zzz", int(1))]),
    ]);
    assert.deepEqual(codes(wf), ["IllegalEnumValue", "MismatchingTypes", "ParameterNotBound", "VariableNameNotFound"]);
  });
});

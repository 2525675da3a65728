import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clone, create } from "@bufbuild/protobuf";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { NodeSchema, WorkflowTemplateSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { CompilationError } from "./errors.ts";
import { getRequirements } from "./requirements.ts";
import { id, launchPlanNode, subWorkflowNode, taskNode, workflow } from "./testing/builders.ts";

const names = (ids: { name: string }[]) => ids.map((i) => i.name);

describe("getRequirements", () => {
  it("collects task and launch-plan ids, de-duplicated and sorted", () => {
    const wf = workflow("wf", [
      taskNode("n0", "b"),
      taskNode("n1", "a"),
      taskNode("n2", "b"),
      launchPlanNode("n3", "lp"),
    ]);
    const reqs = getRequirements(wf);
    assert.deepEqual(names(reqs.taskIds), ["a", "b"]);
    assert.deepEqual(names(reqs.launchPlanIds), ["lp"]);
  });

  it("sorts by resource type, project, domain, name, version", () => {
    const older = taskNode("n0", "t");
    const newer = taskNode("n1", "t");
    if (newer.target.case === "taskNode" && newer.target.value.reference.case === "referenceId") {
      newer.target.value.reference.value.version = "v0";
    }
    const reqs = getRequirements(workflow("wf", [older, newer]));
    assert.deepEqual(
      reqs.taskIds.map((t) => t.version),
      ["v0", "v1"],
    );
  });

  it("walks branches, array nodes and the failure node", () => {
    const branch = create(NodeSchema, {
      id: "b",
      target: {
        case: "branchNode",
        value: {
          ifElse: {
            case: { thenNode: taskNode("x", "in_case") },
            other: [{ thenNode: taskNode("y", "in_other") }],
            default: { case: "elseNode", value: taskNode("z", "in_else") },
          },
        },
      },
    });
    const array = create(NodeSchema, {
      id: "m",
      target: { case: "arrayNode", value: { node: taskNode("i", "in_array") } },
    });
    const wf = workflow("wf", [branch, array]);
    wf.failureNode = taskNode("f", "on_failure");
    assert.deepEqual(names(getRequirements(wf).taskIds), ["in_array", "in_case", "in_else", "in_other", "on_failure"]);
  });

  it("follows sub-workflows, also nested ones", () => {
    const inner = workflow("inner", [taskNode("i0", "deep")]);
    const outer = workflow("outer", [subWorkflowNode("o0", "inner"), taskNode("o1", "mid")]);
    const wf = workflow("wf", [subWorkflowNode("n0", "outer")]);
    assert.deepEqual(names(getRequirements(wf, [outer, inner]).taskIds), ["deep", "mid"]);
  });

  it("does not loop on sub-workflows that reference each other", () => {
    const a = workflow("a", [subWorkflowNode("x", "b"), taskNode("t", "ta")]);
    const b = workflow("b", [subWorkflowNode("y", "a")]);
    assert.deepEqual(names(getRequirements(workflow("wf", [subWorkflowNode("n0", "a")]), [a, b]).taskIds), ["ta"]);
  });

  it("leaves a missing sub-workflow to compileWorkflow (as upstream)", () => {
    assert.deepEqual(getRequirements(workflow("wf", [subWorkflowNode("n0", "ghost")])).taskIds, []);
  });

  it("throws DuplicateId for two sub-workflows with the same id", () => {
    const sub = workflow("sub", [taskNode("s", "t")]);
    assert.throws(
      () => getRequirements(workflow("wf", [subWorkflowNode("n0", "sub")]), [sub, clone(WorkflowTemplateSchema, sub)]),
      (e: unknown) => e instanceof CompilationError && e.errors[0]?.code === "DuplicateId",
    );
  });

  it("returns identifiers as given (resource type included)", () => {
    const reqs = getRequirements(workflow("wf", [launchPlanNode("n0", "lp")]));
    assert.deepEqual(reqs.launchPlanIds[0], id(ResourceType.LAUNCH_PLAN, "lp"));
  });
});

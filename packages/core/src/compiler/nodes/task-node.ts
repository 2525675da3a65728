// Task nodes: the interface is the referenced task's (an absent interface is an empty one).
import type { TypedInterface } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { compileErrors as E, type CompileErrors } from "../errors.ts";
import { emptyInterface } from "../interface.ts";
import { identifierText } from "../proto-text.ts";
import type { NodeBuilder, WorkflowBuilder } from "../workflow-builder.ts";

export function taskNodeInterface(
  w: WorkflowBuilder,
  nb: NodeBuilder,
  errs: CompileErrors,
): TypedInterface | undefined {
  const target = nb.node.target;
  const ref =
    target.case === "taskNode" && target.value.reference.case === "referenceId"
      ? target.value.reference.value
      : undefined;
  if (!ref) {
    errs.collect(E.valueRequired(nb.node.id, "TaskNode.ReferenceId"));
    return undefined;
  }
  const task = w.getTask(ref);
  if (!task) {
    errs.collect(E.taskReferenceNotFound(nb.node.id, identifierText(ref)));
    return undefined;
  }
  return task.interface ?? emptyInterface();
}

// Workflow nodes: a launch plan (its required parameters plus the optional ones the node binds; its expected
// outputs), the workflow being compiled itself, or an inline sub-workflow (its template's interface).
import { create } from "@bufbuild/protobuf";
import { TypedInterfaceSchema, type TypedInterface, type Variable } from "@aloft/idl/flyteidl/core/interface_pb.js";
import type { Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { compileErrors as E, type CompileErrors } from "../errors.ts";
import { identifierText } from "../proto-text.ts";
import type { NodeBuilder, WorkflowBuilder } from "../workflow-builder.ts";

export function workflowNodeInterface(
  w: WorkflowBuilder,
  nb: NodeBuilder,
  errs: CompileErrors,
): TypedInterface | undefined {
  const node = nb.node;
  if (node.target.case !== "workflowNode") return undefined;
  const ref = node.target.value.reference;
  const lpRef = ref.case === "launchplanRef" ? ref.value : undefined;
  const subRef = ref.case === "subWorkflowRef" ? ref.value : undefined;
  if (identifierText(lpRef) === identifierText(w.workflow.template?.id)) {
    // A launch plan of the workflow being compiled (recursion): use the workflow's own interface.
    const iface = w.workflow.template?.interface;
    if (!iface) errs.collect(E.valueRequired(node.id, "WorkflowNode.Interface"));
    return iface;
  }
  if (lpRef) return launchPlanInterface(w, nb, lpRef, errs);
  if (subRef) {
    const wf = w.getSubWorkflow(subRef);
    if (!wf) errs.collect(E.workflowReferenceNotFound(node.id, identifierText(subRef)));
    else if (!wf.template) errs.collect(E.valueRequired(node.id, "WorkflowNode.Template"));
    else if (!wf.template.interface) errs.collect(E.valueRequired(node.id, "WorkflowNode.Template.Interface"));
    return wf?.template?.interface;
  }
  errs.collect(E.workflowReferenceNotFound(node.id, "<nil>/<nil>"));
  return undefined;
}

function launchPlanInterface(
  w: WorkflowBuilder,
  nb: NodeBuilder,
  ref: Identifier,
  errs: CompileErrors,
): TypedInterface | undefined {
  const node = nb.node;
  const lp = w.getLaunchPlan(ref);
  if (!lp) {
    errs.collect(E.workflowReferenceNotFound(node.id, identifierText(ref)));
    return undefined;
  }
  if (!lp.expectedInputs) errs.collect(E.valueRequired(node.id, "WorkflowNode.ExpectedInputs"));
  if (!lp.expectedOutputs) errs.collect(E.valueRequired(node.id, "WorkflowNode.ExpectedOutputs"));
  // Parameters with a default that the node does not override stay with the launch plan.
  const exposed: Record<string, Variable> = {};
  for (const [name, p] of Object.entries(lp.expectedInputs?.parameters ?? {})) {
    const required = p.behavior.case === "required" && p.behavior.value;
    if (p.var && (required || node.inputs.some((b) => b.var === name))) exposed[name] = p.var;
  }
  return create(TypedInterfaceSchema, { inputs: { variables: exposed }, outputs: lp.expectedOutputs });
}

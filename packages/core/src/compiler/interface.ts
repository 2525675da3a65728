// Node interface derivation (upstream `validators/interface.go`): what inputs a node accepts and what outputs it
// produces. Each node kind derives its own (nodes/*.ts); this module validates and records the result.
import { create } from "@bufbuild/protobuf";
import {
  TypedInterfaceSchema,
  VariableMapSchema,
  type TypedInterface,
  type VariableMap,
} from "@aloft/idl/flyteidl/core/interface_pb.js";
import { compileErrors as E, type CompileErrors } from "./errors.ts";
import { arrayNodeInterface } from "./nodes/array-node.ts";
import { validateBranchInterface } from "./nodes/branch-node.ts";
import { gateNodeInterface } from "./nodes/gate-node.ts";
import { taskNodeInterface } from "./nodes/task-node.ts";
import { workflowNodeInterface } from "./nodes/workflow-node.ts";
import type { NodeBuilder, WorkflowBuilder } from "./workflow-builder.ts";

const emptyMap = (): VariableMap => create(VariableMapSchema);
export const emptyInterface = (): TypedInterface =>
  create(TypedInterfaceSchema, { inputs: emptyMap(), outputs: emptyMap() });

/** Checks every variable has a name and a type; missing input/output maps become empty maps (in place). */
export function validateInterface(
  nodeId: string,
  iface: TypedInterface | undefined,
  errs: CompileErrors,
): {
  iface: TypedInterface;
  ok: boolean;
} {
  const result = iface ?? create(TypedInterfaceSchema);
  if (result.inputs) validateVariables(nodeId, result.inputs, errs.newScope());
  else result.inputs = emptyMap();
  if (result.outputs) validateVariables(nodeId, result.outputs, errs.newScope());
  else result.outputs = emptyMap();
  return { iface: result, ok: !errs.hasErrors() };
}

function validateVariables(nodeId: string, vars: VariableMap, errs: CompileErrors): void {
  for (const [name, variable] of Object.entries(vars.variables)) {
    if (name === "") errs.collect(E.valueRequired(nodeId, "paramName"));
    if (variable.type === undefined) errs.collect(E.valueRequired(nodeId, "param.Type"));
  }
}

/** Computes (once) and records the effective interface of a node, by node kind. */
export function validateUnderlyingInterface(
  w: WorkflowBuilder,
  nb: NodeBuilder,
  errs: CompileErrors,
): { iface: TypedInterface | undefined; ok: boolean } {
  if (nb.iface) return { iface: nb.iface, ok: true };
  let iface: TypedInterface | undefined;
  switch (nb.node.target.case) {
    case "taskNode":
      iface = taskNodeInterface(w, nb, errs);
      break;
    case "workflowNode":
      iface = workflowNodeInterface(w, nb, errs);
      break;
    case "branchNode":
      iface = validateBranchInterface(w, nb, errs.newScope()).iface;
      break;
    case "gateNode":
      iface = gateNodeInterface(w, nb, errs);
      break;
    case "arrayNode":
      iface = arrayNodeInterface(w, nb, errs);
      break;
    default:
      errs.collect(E.valueRequired(nb.node.id, "Target"));
  }
  if (iface) validateInterface(nb.node.id, iface, errs.newScope());
  if (!errs.hasErrors()) nb.iface = iface;
  return { iface, ok: !errs.hasErrors() };
}

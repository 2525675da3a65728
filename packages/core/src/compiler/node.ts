// Node validation (upstream `validators/node.go`, `vars.go`): interface, output aliases, and per-kind checks
// (branch children, sub-workflows compiled on first use, task references).
import { clone, create } from "@bufbuild/protobuf";
import {
  VariableMapSchema,
  VariableSchema,
  type Variable,
  type VariableMap,
} from "@aloft/idl/flyteidl/core/interface_pb.js";
import { addEdges } from "./bindings.ts";
import { validateBranchNode } from "./nodes/branch-node.ts";
import { compileErrors as E, type CompileErrors } from "./errors.ts";
import { validateUnderlyingInterface } from "./interface.ts";
import { identifierText } from "./proto-text.ts";
import {
  END_NODE_ID,
  START_NODE_ID,
  compareStrings,
  type NodeBuilder,
  type WorkflowBuilder,
} from "./workflow-builder.ts";

/** The node's outputs after applying its output aliases. */
export function validateEffectiveOutputs(
  nb: NodeBuilder,
  errs: CompileErrors,
): { outputs: VariableMap | undefined; ok: boolean } {
  const aliases = new Map<string, string>();
  for (const alias of nb.node.outputAliases) {
    if (aliases.has(alias.var)) errs.collect(E.duplicateAlias(nb.node.id, alias.alias));
    else aliases.set(alias.var, alias.alias);
  }
  let outputs: VariableMap | undefined;
  if (nb.iface) {
    outputs = create(VariableMapSchema);
    for (const [name, variable] of Object.entries(nb.iface.outputs?.variables ?? {})) {
      const alias = aliases.get(name);
      if (alias !== undefined) {
        outputs.variables[alias] = clone(VariableSchema, variable);
        aliases.delete(name);
      } else {
        outputs.variables[name] = variable;
      }
    }
    // Aliases left over name outputs that do not exist.
    for (const alias of aliases.values()) errs.collect(E.parameterNotBound(nb.node.id, alias));
  }
  return { outputs, ok: !errs.hasErrors() };
}

export function validateOutputVar(
  nb: NodeBuilder,
  name: string,
  errs: CompileErrors,
): { param: Variable | undefined; ok: boolean } {
  let param: Variable | undefined;
  const effective = validateEffectiveOutputs(nb, errs.newScope());
  if (effective.ok) {
    param = effective.outputs?.variables[name];
    if (!param) errs.collect(E.variableNameNotFound(nb.node.id, nb.node.id, name));
  }
  return { param, ok: !errs.hasErrors() };
}

export function validateNode(
  w: WorkflowBuilder,
  nb: NodeBuilder,
  validateConditionTypes: boolean,
  errs: CompileErrors,
): boolean {
  const node = nb.node;
  if (node.id === "") errs.collect(E.valueRequired("<node>", "Id"));
  if (node.id === START_NODE_ID || node.id === END_NODE_ID) return true;

  if (validateUnderlyingInterface(w, nb, errs.newScope()).ok) validateEffectiveOutputs(nb, errs.newScope());

  // Stable output whatever order the client sent.
  node.upstreamNodeIds.sort(compareStrings);

  const target = node.target;
  if (target.case === "branchNode") {
    const r = validateBranchNode(w, nb, validateConditionTypes, errs.newScope());
    if (r.ok) {
      for (const child of r.children) addEdges(w, child, "upstream", errs.newScope());
    }
  } else if (target.case === "workflowNode" && target.value.reference.case === "subWorkflowRef") {
    const ref = target.value.reference.value;
    // Each sub-workflow is compiled once per enclosing workflow.
    if (!w.getCompiledSubWorkflow(ref)) {
      const wf = w.getSubWorkflow(ref);
      if (!wf) {
        errs.collect(E.workflowReferenceNotFound(node.id, identifierText(ref)));
      } else if (!nb.subWorkflow) {
        const compiled = w.validateWorkflow(wf, errs.newScope());
        if (compiled) {
          nb.subWorkflow = compiled.workflow;
          w.storeCompiledSubWorkflow(ref, compiled.workflow);
        }
      }
    }
  } else if (target.case === "taskNode" && target.value.reference.case === "referenceId") {
    const ref = target.value.reference.value;
    const task = w.getTask(ref);
    if (task) nb.task = task;
    else errs.collect(E.taskReferenceNotFound(node.id, identifierText(ref)));
  }
  return !errs.hasErrors();
}

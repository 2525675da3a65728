// Branch nodes (upstream `validators/branch.go`, `condition.go`, part of `node.go`): children are renamed
// `<branch>-<child>`, the branch's outputs are those every child produces, its inputs come from its bindings, and
// conditions compare operands of identical types.
import { create } from "@bufbuild/protobuf";
import {
  TypedInterfaceSchema,
  VariableMapSchema,
  type TypedInterface,
  type Variable,
} from "@aloft/idl/flyteidl/core/interface_pb.js";
import type { BooleanExpression, Operand } from "@aloft/idl/flyteidl/core/condition_pb.js";
import type { LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import type { Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { validateBindings } from "../bindings.ts";
import { compileErrors as E, type CompileErrors } from "../errors.ts";
import { validateUnderlyingInterface } from "../interface.ts";
import { literalTypeForPrimitive, literalTypeForScalar } from "../literal-types.ts";
import { validateNode } from "../node.ts";
import { literalTypeText, literalTypeToStr } from "../proto-text.ts";
import type { NodeBuilder, WorkflowBuilder } from "../workflow-builder.ts";

export function branchChildId(branchId: string, childId: string): string {
  return `${branchId}-${childId}`;
}

export function validateBranchInterface(
  w: WorkflowBuilder,
  nb: NodeBuilder,
  errs: CompileErrors,
): { iface: TypedInterface | undefined; ok: boolean } {
  if (nb.iface) return { iface: nb.iface, ok: true };
  const node = nb.node;
  if (node.target.case !== "branchNode") {
    errs.collect(E.valueRequired(node.id, "Branch"));
    return { iface: undefined, ok: false };
  }
  const ifElse = node.target.value.ifElse;
  if (!ifElse) {
    errs.collect(E.valueRequired(node.id, "Branch.IfElse"));
    return { iface: undefined, ok: false };
  }
  if (!ifElse.case) {
    errs.collect(E.valueRequired(node.id, "Branch.IfElse.Case"));
    return { iface: undefined, ok: false };
  }
  if (!ifElse.case.thenNode) {
    errs.collect(E.valueRequired(node.id, "Branch.IfElse.Case.ThenNode"));
    return { iface: undefined, ok: false };
  }

  const children: Node[] = [ifElse.case.thenNode];
  for (const other of ifElse.other) {
    if (!other.thenNode) {
      errs.collect(E.valueRequired(node.id, "IfElse.Case.ThenNode"));
      continue;
    }
    children.push(other.thenNode);
  }
  if (ifElse.default.case === "elseNode") children.push(ifElse.default.value);

  let outputs: Record<string, Variable> | undefined;
  let common = new Set<string>();
  for (const child of children) {
    const cb = w.nodeBuilder(child);
    child.id = branchChildId(node.id, child.id);
    const r = validateUnderlyingInterface(w, cb, errs.newScope());
    if (!r.ok || !r.iface) continue;
    const childOutputs = r.iface.outputs?.variables ?? {};
    if (!outputs) {
      outputs = childOutputs;
      common = new Set(Object.keys(childOutputs));
      continue;
    }
    // Outputs present in several children must have the same type in all of them.
    common = new Set([...common].filter((name) => name in childOutputs));
    for (const name of common) {
      const a = outputs[name];
      const b = childOutputs[name];
      if (sameType(child.id, name, a?.type, b?.type, errs.newScope()))
        sameType(child.id, name, b?.type, a?.type, errs.newScope());
    }
  }

  // Inputs are discovered from the bindings: they include every variable the conditions may use.
  const inputs = validateBindings(
    w,
    nb,
    node.inputs,
    create(VariableMapSchema),
    false,
    "upstream",
    errs.newScope(),
  ).resolved;
  if (errs.hasErrors() || !outputs) return { iface: undefined, ok: !errs.hasErrors() };
  const filtered = create(VariableMapSchema);
  for (const [name, v] of Object.entries(outputs)) if (common.has(name)) filtered.variables[name] = v;
  return { iface: create(TypedInterfaceSchema, { inputs, outputs: filtered }), ok: true };
}

function sameType(
  nodeId: string,
  name: string,
  actual: LiteralType | undefined,
  expected: LiteralType | undefined,
  errs: CompileErrors,
): boolean {
  if (literalTypeText(actual) !== literalTypeText(expected)) {
    errs.collect(E.mismatchingTypes(nodeId, name, literalTypeToStr(actual), literalTypeToStr(expected)));
  }
  return !errs.hasErrors();
}

/** Validates conditions and children; returns the children that validated (edges are added by the caller). */
export function validateBranchNode(
  w: WorkflowBuilder,
  nb: NodeBuilder,
  requireParamType: boolean,
  errs: CompileErrors,
): { children: NodeBuilder[]; ok: boolean } {
  const node = nb.node;
  const ifElse = node.target.case === "branchNode" ? node.target.value.ifElse : undefined;
  if (!ifElse) return { children: [], ok: !errs.hasErrors() }; // reported by the interface derivation
  const blocks = [];
  if (!ifElse.case) errs.collect(E.branchNodeHasNoCondition(node.id));
  else blocks.push(ifElse.case);
  blocks.push(...ifElse.other);

  const subNodes: NodeBuilder[] = [];
  for (const block of blocks) {
    validateBooleanExpression(nb, block.condition, requireParamType, errs.newScope());
    if (!block.thenNode) errs.collect(E.branchNodeNotSpecified(node.id));
    else subNodes.push(w.nodeBuilder(block.thenNode));
  }
  if (ifElse.default.case === "elseNode") subNodes.push(w.nodeBuilder(ifElse.default.value));
  else if (ifElse.default.case !== "error") errs.collect(E.branchNodeHasNoDefault(node.id));

  const children = subNodes.filter((child) => validateNode(w, child, requireParamType, errs.newScope()));
  return { children, ok: !errs.hasErrors() };
}

export function validateBooleanExpression(
  nb: NodeBuilder,
  expr: BooleanExpression | undefined,
  requireParamType: boolean,
  errs: CompileErrors,
): boolean {
  const id = nb.node.id;
  if (!expr) {
    errs.collect(E.branchNodeHasNoCondition(id));
  } else if (expr.expr.case === "comparison") {
    const cmp = expr.expr.value;
    const right = validateOperand(nb, "RightValue", cmp.rightValue, requireParamType, errs.newScope());
    const left = validateOperand(nb, "LeftValue", cmp.leftValue, requireParamType, errs.newScope());
    if (right.ok && left.ok && right.type && left.type) {
      if (literalTypeText(right.type) !== literalTypeText(left.type)) {
        errs.collect(E.mismatchingTypes(id, "RightValue", literalTypeToStr(right.type), literalTypeToStr(left.type)));
      }
    }
  } else if (expr.expr.case === "conjunction") {
    const c = expr.expr.value;
    validateBooleanExpression(nb, c.leftExpression, requireParamType, errs.newScope());
    validateBooleanExpression(nb, c.rightExpression, requireParamType, errs.newScope());
  } else {
    errs.collect(E.valueRequired(id, "Expr"));
  }
  return !errs.hasErrors();
}

function validateOperand(
  nb: NodeBuilder,
  paramName: string,
  operand: Operand | undefined,
  requireParamType: boolean,
  errs: CompileErrors,
): { type: LiteralType | undefined; ok: boolean } {
  const id = nb.node.id;
  let type: LiteralType | undefined;
  const val = operand?.val;
  if (!operand) {
    errs.collect(E.valueRequired(id, paramName));
  } else if (val?.case === "primitive") {
    type = literalTypeForPrimitive(val.value);
  } else if (val?.case === "scalar") {
    type = literalTypeForScalar(val.value);
  } else if (val?.case === "var" && val.value !== "") {
    if (!nb.iface) {
      errs.collect(E.valueRequired(id, val.value));
    } else {
      const input = nb.iface.inputs?.variables[val.value];
      if (input) type = input.type;
      else if (requireParamType || !nb.node.inputs.some((b) => b.var === val.value)) {
        errs.collect(E.variableNameNotFound(id, id, val.value));
      }
    }
  } else {
    errs.collect(E.valueRequired(id, `${paramName}.Val`));
  }
  return { type, ok: !errs.hasErrors() };
}

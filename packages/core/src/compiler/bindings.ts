// Binding validation (upstream `validators/bindings.go`): every input binding of a node against the node's input
// variables, type-checked, with promises resolved to their producing node (which also yields the implicit edges).
import { create } from "@bufbuild/protobuf";
import { VariableMapSchema, VariableSchema, type VariableMap } from "@aloft/idl/flyteidl/core/interface_pb.js";
import {
  BindingDataCollectionSchema,
  BindingDataMapSchema,
  BindingDataSchema,
  type Binding,
  type BindingData,
} from "@aloft/idl/flyteidl/core/literals_pb.js";
import {
  LiteralTypeSchema,
  SimpleType,
  type LiteralType,
  type OutputReference,
} from "@aloft/idl/flyteidl/core/types_pb.js";
import { areTypesCastable } from "./castability.ts";
import { CompileErrors, compileErrors as E } from "./errors.ts";
import { isOptionalType, literalTypeForScalar } from "./literal-types.ts";
import { validateOutputVar } from "./node.ts";
import { literalTypeText, literalTypeToStr, protoText } from "./proto-text.ts";
import { START_NODE_ID, type EdgeDirection, type NodeBuilder, type WorkflowBuilder } from "./workflow-builder.ts";

interface BindingResult {
  type: LiteralType | undefined;
  upstreamNodes: string[];
  ok: boolean;
}

/**
 * Validates `bindings` against `params`. With `validateParamTypes` false (branch and approve-gate nodes, whose
 * inputs are discovered from their bindings) unknown variables are accepted and typed from the bound value.
 * The returned map holds the resolved type of every valid binding.
 */
export function validateBindings(
  w: WorkflowBuilder,
  nb: NodeBuilder,
  bindings: readonly Binding[],
  params: VariableMap | undefined,
  validateParamTypes: boolean,
  direction: EdgeDirection,
  errs: CompileErrors,
): { resolved: VariableMap; ok: boolean } {
  const nodeId = nb.node.id;
  const resolved = create(VariableMapSchema);
  const provided = new Set<string>();
  for (const binding of bindings) {
    let param = params?.variables[binding.var];
    if (!param && validateParamTypes) {
      errs.collect(E.variableNameNotFound(nodeId, nodeId, binding.var));
    } else if (!binding.binding) {
      errs.collect(E.valueRequired(nodeId, "Binding"));
    } else if (provided.has(binding.var)) {
      errs.collect(E.parameterBoundMoreThanOnce(nodeId, binding.var));
    } else {
      param ??= create(VariableSchema, { type: { type: { case: "simple", value: SimpleType.NONE } } });
      provided.add(binding.var);
      const r = validateBinding(w, nb, binding.var, binding.binding, param.type, errs.newScope(), validateParamTypes);
      if (r.ok) {
        for (const up of r.upstreamNodes) {
          if (direction === "bidirectional") w.addExecutionEdge(up, nodeId);
          else if (direction === "downstream") w.addDownstreamEdge(up, nodeId);
          else w.addUpstreamEdge(up, nodeId);
        }
        resolved.variables[binding.var] = create(VariableSchema, r.type ? { type: r.type } : {});
      }
    }
  }
  for (const [name, variable] of Object.entries(params?.variables ?? {})) {
    if (!provided.has(name) && !isOptionalType(variable)) errs.collect(E.parameterNotBound(nodeId, name));
  }
  return { resolved, ok: !errs.hasErrors() };
}

function validateBinding(
  w: WorkflowBuilder,
  nb: NodeBuilder,
  param: string,
  binding: BindingData,
  expectedIn: LiteralType | undefined,
  errs: CompileErrors,
  validateParamTypes: boolean,
): BindingResult {
  const nodeId = nb.node.id;
  const expected = expectedIn ?? create(LiteralTypeSchema);
  const fail = (): BindingResult => ({ type: undefined, upstreamNodes: [], ok: !errs.hasErrors() });
  const value = binding.value;

  // Collections and maps cannot be typed through a union: try each variant, exactly one must fit.
  if (value.case !== "scalar" && value.case !== "promise" && expected.type.case === "unionType") {
    let match: { variant: LiteralType; result: BindingResult } | undefined;
    for (const variant of expected.type.value.variants) {
      const r = validateBinding(w, nb, param, binding, variant, CompileErrors.root(), validateParamTypes);
      if (!r.ok) continue;
      if (match) {
        errs.collect(
          E.ambiguousBindingUnionValue(
            nodeId,
            param,
            literalTypeText(expected),
            protoText(BindingDataSchema, binding),
            literalTypeText(match.variant),
            literalTypeText(variant),
          ),
        );
        return fail();
      }
      match = { variant, result: r };
    }
    if (match) return match.result;
    errs.collect(
      E.incompatibleBindingUnionValue(nodeId, param, literalTypeText(expected), protoText(BindingDataSchema, binding)),
    );
    return fail();
  }

  switch (value.case) {
    case "collection": {
      if (expected.type.case !== "collectionType") {
        errs.collect(
          E.mismatchingBindings(
            nodeId,
            param,
            literalTypeText(expected),
            protoText(BindingDataCollectionSchema, value.value),
          ),
        );
        return fail();
      }
      return validateElements(
        w,
        nb,
        param,
        value.value.bindings,
        expected.type.value,
        errs,
        validateParamTypes,
        "collectionType",
      );
    }
    case "map": {
      if (expected.type.case !== "mapValueType") {
        errs.collect(
          E.mismatchingBindings(nodeId, param, literalTypeText(expected), protoText(BindingDataMapSchema, value.value)),
        );
        return fail();
      }
      const elements = Object.values(value.value.bindings);
      return validateElements(w, nb, param, elements, expected.type.value, errs, validateParamTypes, "mapValueType");
    }
    case "promise":
      return validatePromise(w, nb, param, value.value, expected, errs, validateParamTypes);
    case "scalar": {
      const type = literalTypeForScalar(value.value);
      if (!type) {
        errs.collect(E.unrecognizedValue(nodeId, goScalarTypeName(value.value.value.case)));
      } else if (validateParamTypes && !areTypesCastable(type, expected)) {
        errs.collect(E.mismatchingTypes(nodeId, param, literalTypeToStr(type), literalTypeToStr(expected)));
      }
      if (expected.type.case === "enumType") {
        const v = value.value.value;
        const s = v.case === "primitive" && v.value.value.case === "stringValue" ? v.value.value.value : "";
        const allowed = expected.type.value.values;
        if (!allowed.includes(s)) errs.collect(E.illegalEnumValue(nodeId, param, s, allowed));
      }
      return { type, upstreamNodes: [], ok: !errs.hasErrors() };
    }
    default: {
      // offloaded_metadata (or nothing) cannot be bound at compile time.
      const received = value.case === undefined ? "" : `*core.BindingData_${goName(value.case)}`;
      errs.collect(E.mismatchingBindings(nodeId, param, literalTypeText(expected), received));
      return fail();
    }
  }
}

function validateElements(
  w: WorkflowBuilder,
  nb: NodeBuilder,
  param: string,
  elements: readonly BindingData[],
  elementType: LiteralType,
  errs: CompileErrors,
  validateParamTypes: boolean,
  kind: "collectionType" | "mapValueType",
): BindingResult {
  const upstreamNodes: string[] = [];
  let subType: LiteralType | undefined;
  for (const element of elements) {
    const r = validateBinding(w, nb, param, element, elementType, errs.newScope(), validateParamTypes);
    if (r.ok) {
      upstreamNodes.push(...r.upstreamNodes);
      subType = r.type;
    }
  }
  const type = create(LiteralTypeSchema, { type: { case: kind, value: subType ?? create(LiteralTypeSchema) } });
  return { type, upstreamNodes, ok: !errs.hasErrors() };
}

function validatePromise(
  w: WorkflowBuilder,
  nb: NodeBuilder,
  param: string,
  promise: OutputReference,
  expected: LiteralType,
  errs: CompileErrors,
  validateParamTypes: boolean,
): BindingResult {
  const node = nb.node;
  const fail = (): BindingResult => ({ type: undefined, upstreamNodes: [], ok: !errs.hasErrors() });
  const up = promise.nodeId === "" ? w.getNode(START_NODE_ID) : w.getNode(promise.nodeId);
  if (!up) {
    if (promise.nodeId !== "") errs.collect(E.nodeReferenceNotFound(promise.nodeId, promise.nodeId));
    errs.collect(E.parameterNotBound(node.id, param));
    return fail();
  }
  const parsed = parseVarName(promise.var);
  if (!parsed) {
    errs.collect(E.syntaxError(node.id, promise.var));
    return fail();
  }
  const inputVar = node.metadata ? `${node.metadata.name}.${param}` : param;
  const outputVar = up.node.metadata ? `${up.node.metadata.name}.${promise.var}` : promise.var;
  const out = validateOutputVar(up, parsed.name, errs.newScope());
  if (!out.ok || !out.param) {
    errs.collect(E.parameterNotBound(node.id, param));
    return fail();
  }
  const paramType = out.param.type ?? create(LiteralTypeSchema);
  let source = paramType;
  if (parsed.index !== undefined) {
    // An indexed reference needs a collection and yields its element type.
    if (paramType.type.case !== "collectionType") {
      errs.collect(
        E.mismatchingVariables(node.id, outputVar, literalTypeToStr(paramType), inputVar, literalTypeToStr(expected)),
      );
    } else {
      source = paramType.type.value;
    }
  }
  for (const attr of promise.attrPath) {
    if (source.type.case === "collectionType") source = source.type.value;
    else if (source.type.case === "mapValueType") source = source.type.value;
    else if (source.structure && Object.keys(source.structure.dataclassType).length > 0) {
      const key = attr.value.case === "stringValue" ? attr.value.value : "";
      const field = source.structure.dataclassType[key];
      if (!field) {
        errs.collect(E.fieldNotFound(node.id, promise.var, literalTypeText(source), key));
        return fail();
      }
      source = field;
    }
  }
  if (!validateParamTypes || areTypesCastable(source, expected)) {
    promise.nodeId = up.node.id; // an empty node id means the workflow inputs: make it explicit
    return { type: out.param.type, upstreamNodes: [promise.nodeId], ok: true };
  }
  errs.collect(
    E.mismatchingVariables(node.id, outputVar, literalTypeToStr(source), inputVar, literalTypeToStr(expected)),
  );
  return fail();
}

/** `[<index>].<name>` or `<name>` (upstream `typing.ParseVarName`). */
export function parseVarName(v: string): { name: string; index?: number } | undefined {
  const indexed = /^\[(\d+)\]\.(.+)$/.exec(v);
  if (indexed) return { index: Number(indexed[1]), name: indexed[2]! };
  if (v === "") return undefined;
  return { name: v };
}

/** Adds a node's explicit (`upstream_node_ids`) and implicit (promise) edges. */
export function addEdges(w: WorkflowBuilder, nb: NodeBuilder, direction: EdgeDirection, errs: CompileErrors): void {
  if (!nb.iface) return; // the interface could not be derived; errors are already reported
  if (direction !== "upstream") {
    for (const up of nb.node.upstreamNodeIds) w.addExecutionEdge(up, nb.node.id);
  }
  validateBindings(w, nb, nb.node.inputs, nb.iface.inputs, true, direction, errs.newScope());
}

function goName(camel: string): string {
  return camel.charAt(0).toUpperCase() + camel.slice(1);
}

function goScalarTypeName(kase: string | undefined): string {
  return kase === undefined ? "<nil>" : `*core.Scalar_${goName(kase)}`;
}

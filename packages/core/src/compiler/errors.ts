// Compile errors with upstream's codes and messages (flytepropeller `pkg/compiler/errors`). Errors are collected,
// not thrown one by one: a scoped collector lets a validator ask "did anything fail below me?" while every error
// lands in one de-duplicated set, listed sorted by code then by rendered text.
import { invalidArgument, type AloftError } from "../errors.ts";

export const CompileErrorCode = {
  CycleDetected: "CycleDetected",
  BranchNodeIdNotFound: "BranchNodeIdNotFound",
  BranchNodeHasNoCondition: "BranchNodeHasNoCondition",
  BranchNodeHasNoDefault: "BranchNodeHasNoDefault",
  ValueRequired: "ValueRequired",
  InvalidValue: "InvalidValue",
  NodeReferenceNotFound: "NodeReferenceNotFound",
  TaskReferenceNotFound: "TaskReferenceNotFound",
  WorkflowReferenceNotFound: "WorkflowReferenceNotFound",
  VariableNameNotFound: "VariableNameNotFound",
  DuplicateAlias: "DuplicateAlias",
  DuplicateId: "DuplicateId",
  MismatchingTypes: "MismatchingTypes",
  MismatchingBindings: "MismatchingBindings",
  MismatchingInterfaces: "MismatchingInterfaces",
  InconsistentTypes: "InconsistentTypes",
  ParameterBoundMoreThanOnce: "ParameterBoundMoreThanOnce",
  ParameterNotBound: "ParameterNotBound",
  NoEntryNodeFound: "NoEntryNodeFound",
  UnreachableNodes: "UnreachableNodes",
  UnrecognizedValue: "UnrecognizedValue",
  WorkflowBuildError: "WorkflowBuildError",
  ValueCollision: "ValueCollision",
  SyntaxError: "SyntaxError",
  NoNodesFound: "NoNodesFound",
  IllegalEnumValue: "IllegalEnumValue",
  AmbiguousBindingUnionValue: "AmbiguousBindingUnionValue",
  IncompatibleBindingUnionValue: "IncompatibleBindingUnionValue",
  NoConditionFound: "NoConditionFound",
  FieldNotFound: "FieldNotFound",
  InvalidLiteralType: "InvalidLiteralType",
} as const;
export type CompileErrorCode = (typeof CompileErrorCode)[keyof typeof CompileErrorCode];

export interface CompileError {
  readonly code: CompileErrorCode;
  readonly nodeId: string;
  readonly description: string;
}

/** Upstream's `CompileError.Error()`. */
export function formatCompileError(e: CompileError): string {
  return `Code: ${e.code}, Node Id: ${e.nodeId}, Description: ${e.description}`;
}

/** Upstream's `CompileErrors.Error()`: a header and one tab-indented line per error. */
export function formatCompileErrors(errors: readonly CompileError[]): string {
  let out = `Collected Errors: ${errors.length}\n`;
  errors.forEach((e, i) => {
    out += `\tError ${i}: ${formatCompileError(e)}\n`;
  });
  return out;
}

/** Sorted the way upstream lists its error set: by code, then by rendered text. */
export function sortCompileErrors(errors: Iterable<CompileError>): CompileError[] {
  return [...errors].sort((a, b) => {
    if (a.code !== b.code) return a.code < b.code ? -1 : 1;
    const x = formatCompileError(a);
    const y = formatCompileError(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** A scope of the error collector. Child scopes report into their parents; the root keeps the set. */
export class CompileErrors {
  private readonly set: Map<string, CompileError> | undefined;
  private readonly parent: CompileErrors | undefined;
  private count = 0;

  private constructor(parent?: CompileErrors) {
    this.parent = parent;
    this.set = parent ? undefined : new Map();
  }

  static root(): CompileErrors {
    return new CompileErrors();
  }

  newScope(): CompileErrors {
    return new CompileErrors(this);
  }

  collect(...errors: CompileError[]): void {
    for (const e of errors) {
      this.count++;
      if (this.parent) this.parent.collect(e);
      else this.set?.set(formatCompileError(e), e);
    }
  }

  /** True when this scope or any of its children collected an error. */
  hasErrors(): boolean {
    return this.count > 0;
  }

  /** The de-duplicated errors of the whole collection, sorted. */
  list(): CompileError[] {
    if (this.parent) return this.parent.list();
    return sortCompileErrors(this.set?.values() ?? []);
  }
}

/** Outcome of the non-throwing entry points. */
export type CompileResult<T> = { ok: true; value: T } | { ok: false; errors: CompileError[] };

/** Thrown by the throwing entry points; carries the full list. */
export class CompilationError extends Error {
  readonly errors: readonly CompileError[];
  constructor(errors: readonly CompileError[]) {
    super(formatCompileErrors(errors));
    this.name = "CompilationError";
    this.errors = errors;
  }
}

/**
 * The API-edge view of a failed compilation: INVALID_ARGUMENT with upstream's rendering of the error list.
 * `prefix` lets the caller add its context (admin: `failed to compile workflow for [<id>] with err: `).
 */
export function compileErrorsToAloftError(errors: readonly CompileError[], prefix = ""): AloftError {
  return invalidArgument("compiler.compilation_failed", `${prefix}${formatCompileErrors(errors)}`);
}

const err = (code: CompileErrorCode, nodeId: string, description: string): CompileError => ({
  code,
  nodeId,
  description,
});

/** Factories with upstream's exact descriptions. */
export const compileErrors = {
  branchNodeNotSpecified: (nodeId: string) => err("BranchNodeIdNotFound", nodeId, "BranchNode not assigned"),
  branchNodeHasNoCondition: (nodeId: string) =>
    err("BranchNodeHasNoCondition", nodeId, "One of the branches on the node doesn't have a condition."),
  branchNodeHasNoDefault: (nodeId: string) =>
    err("BranchNodeHasNoDefault", nodeId, "Branch Node must have either the else case set or a default error."),
  valueRequired: (nodeId: string, param: string) => err("ValueRequired", nodeId, `Value required [${param}].`),
  invalidValue: (nodeId: string, param: string) => err("InvalidValue", nodeId, `Invalid value [${param}].`),
  parameterNotBound: (nodeId: string, param: string) =>
    err("ParameterNotBound", nodeId, `Parameter not bound [${param}].`),
  nodeReferenceNotFound: (nodeId: string, ref: string) =>
    err("NodeReferenceNotFound", nodeId, `Referenced node [${ref}] not found.`),
  workflowReferenceNotFound: (nodeId: string, ref: string) =>
    err("WorkflowReferenceNotFound", nodeId, `Referenced Workflow [${ref}] not found.`),
  taskReferenceNotFound: (nodeId: string, ref: string) =>
    err("TaskReferenceNotFound", nodeId, `Referenced Task [${ref}] not found.`),
  variableNameNotFound: (nodeId: string, ref: string, variable: string) =>
    err("VariableNameNotFound", nodeId, `Variable [${variable}] not found on node [${ref}].`),
  parameterBoundMoreThanOnce: (nodeId: string, param: string) =>
    err("ParameterBoundMoreThanOnce", nodeId, `Input [${param}] is bound more than once.`),
  duplicateAlias: (nodeId: string, alias: string) =>
    err(
      "DuplicateAlias",
      nodeId,
      `Duplicate alias [${alias}] found. An output alias can only be used once in the Workflow.`,
    ),
  duplicateId: (nodeId: string) => err("DuplicateId", nodeId, "Trying to insert two nodes with the same id."),
  mismatchingTypes: (nodeId: string, fromVar: string, fromType: string, toType: string) =>
    err(
      "MismatchingTypes",
      nodeId,
      `Variable [${fromVar}] (type [${fromType}]) doesn't match expected type [${toType}].`,
    ),
  mismatchingVariables: (nodeId: string, fromVar: string, fromType: string, toVar: string, toType: string) =>
    err(
      "MismatchingTypes",
      nodeId,
      `The output variable '${fromVar}' has type [${fromType}], but it's assigned to the input variable '${toVar}' which has type type [${toType}].`,
    ),
  mismatchingBindings: (nodeId: string, sinkParam: string, expectedType: string, receivedType: string) =>
    err(
      "MismatchingBindings",
      nodeId,
      `Input [${sinkParam}] on node [${nodeId}] expects bindings of type [${expectedType}].  Received [${receivedType}]`,
    ),
  fieldNotFound: (nodeId: string, fromVar: string, fromType: string, key: string) =>
    err("FieldNotFound", nodeId, `Variable [${fromVar}] (type [${fromType}]) doesn't have field [${key}].`),
  illegalEnumValue: (nodeId: string, sinkParam: string, received: string, expected: readonly string[]) =>
    err(
      "IllegalEnumValue",
      nodeId,
      `Input [${sinkParam}] on node [${nodeId}] is an Enum and expects value to be one of [[${expected.join(" ")}]].  Received [${received}]`,
    ),
  noEntryNode: (graphId: string) =>
    err("NoEntryNodeFound", graphId, `Can't find a node to start executing Workflow [${graphId}].`),
  cycleDetected: (nodeId: string, cycle: string) =>
    err("CycleDetected", nodeId, `A cycle has been detected while traversing the Workflow [${cycle}].`),
  unreachableNodes: (nodeId: string, nodes: string) =>
    err("UnreachableNodes", nodeId, `The Workflow contain unreachable nodes [${nodes}].`),
  unrecognizedValue: (nodeId: string, value: string) =>
    err("UnrecognizedValue", nodeId, `Unrecognized value [${value}].`),
  valueCollision: (nodeId: string, valueName: string, value: string) =>
    err("ValueCollision", nodeId, `${valueName} is expected to be unique. ${value} already exists.`),
  syntaxError: (nodeId: string, element: string) => err("SyntaxError", nodeId, `Failed to parse element [${element}].`),
  noNodesFound: (graphId: string) => err("NoNodesFound", graphId, `Can't find any nodes in workflow [${graphId}].`),
  ambiguousBindingUnionValue: (
    nodeId: string,
    sinkParam: string,
    expectedType: string,
    binding: string,
    match1: string,
    match2: string,
  ) =>
    err(
      "AmbiguousBindingUnionValue",
      nodeId,
      `Input [${sinkParam}] on node [${nodeId}] expects bindings of union type [${expectedType}].  Received [${binding}] which is ambiguous as both variants [${match1}] and [${match2}] match.`,
    ),
  incompatibleBindingUnionValue: (nodeId: string, sinkParam: string, expectedType: string, binding: string) =>
    err(
      "IncompatibleBindingUnionValue",
      nodeId,
      `Input [${sinkParam}] on node [${nodeId}] expects bindings of union type [${expectedType}].  Received [${binding}] which does not match any of the variants.`,
    ),
  noConditionFound: (nodeId: string) =>
    err("NoConditionFound", nodeId, `Can't find any condition in gate node [${nodeId}].`),
  invalidLiteralType: (nodeId: string, name: string, reason: string) =>
    err("InvalidLiteralType", nodeId, `Failed to validate literal type for [${name}] with err: ${reason}`),
};

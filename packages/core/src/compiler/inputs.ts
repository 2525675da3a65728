// Launch inputs against a workflow's interface (upstream `transformers/k8s/inputs.go`, used when a compiled
// closure becomes an execution): every input known, of a castable type, and every declared input present (admin has
// already merged launch-plan defaults by then).
import type { TypedInterface } from "@aloft/idl/flyteidl/core/interface_pb.js";
import type { LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { areTypesCastable } from "./castability.ts";
import { CompileErrors, compileErrors as E, type CompileError } from "./errors.ts";
import { literalTypeForLiteral, validateLiteralType } from "./literal-types.ts";
import { literalTypeText } from "./proto-text.ts";
import { START_NODE_ID } from "./workflow-builder.ts";

/** Returns the problems found (empty when the inputs fit). */
export function validateLaunchInputs(
  iface: TypedInterface | undefined,
  inputs: LiteralMap | undefined,
  nodeId = START_NODE_ID,
): CompileError[] {
  const errs = CompileErrors.root();
  const declared = iface?.inputs?.variables;
  if (!iface) {
    errs.collect(E.valueRequired(nodeId, "interface"));
    return errs.list();
  }
  if (!declared) {
    errs.collect(E.valueRequired(nodeId, "interface.InputsRef"));
    return errs.list();
  }
  if (!inputs && Object.keys(declared).length > 0) {
    errs.collect(E.valueRequired("root", "inputs"));
    return errs.list();
  }
  const bound = new Set<string>();
  for (const [name, literal] of Object.entries(inputs?.literals ?? {})) {
    const variable = declared[name];
    if (!variable) {
      errs.collect(E.variableNameNotFound(nodeId, "", name));
      continue;
    }
    const type = literalTypeForLiteral(literal);
    const invalid = validateLiteralType(type);
    if (invalid !== undefined) {
      errs.collect(E.invalidLiteralType(nodeId, name, invalid));
      continue;
    }
    if (!areTypesCastable(type, variable.type)) {
      // Upstream passes the declared type first and the value's type second; the wording reads reversed.
      errs.collect(E.mismatchingTypes(nodeId, name, literalTypeText(variable.type), literalTypeText(type)));
      continue;
    }
    bound.add(name);
  }
  for (const name of Object.keys(declared)) {
    if (!bound.has(name)) errs.collect(E.parameterNotBound(nodeId, name));
  }
  return errs.list();
}

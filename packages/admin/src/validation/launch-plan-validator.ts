// CreateLaunchPlan validation (flyteadmin launch_plan_validator.go, validation.go, notifications_validator.go):
// the same order and messages, all INVALID_ARGUMENT. The identifier and project/domain checks run in the manager
// (the gate is asynchronous); everything about the spec is here and pure.
import { create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { LaunchPlanSpec } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import type { Labels, Notification } from "@aloft/idl/flyteidl/admin/common_pb.js";
import {
  ParameterMapSchema,
  ParameterSchema,
  VariableSchema,
  type ParameterMap,
  type VariableMap,
} from "@aloft/idl/flyteidl/core/interface_pb.js";
import type { Literal, LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { areTypesCastable, literalTypeForLiteral, literalTypeText, validateLiteralType } from "@aloft/core";
import { invalidArgument, invalidValue, missing } from "@aloft/core";
import { WORKFLOW_TERMINAL } from "@aloft/core";
import { validateIdentifier } from "./identifier.ts";
import { labelValueErrors, qualifiedNameErrors } from "./k8s-names.ts";
import { validateSchedule } from "./schedule-validator.ts";

const MAX_LABEL_ENTRIES = 16;
const FIXED_INPUTS = "fixed_inputs";
const DEFAULT_INPUTS = "default_inputs";

export interface LaunchPlanValidationOptions {
  /** `featureGates.enableArtifacts`: when off, artifact queries in default inputs are rejected. */
  enableArtifacts: boolean;
}

const ia = (message: string) => invalidArgument("launch_plan.invalid", message);

/**
 * Validates a launch plan spec against the interface inputs of its workflow and returns the expected inputs
 * (the spec's defaults plus every workflow input that is neither fixed nor defaulted, as required).
 */
export function validateLaunchPlanSpec(
  spec: LaunchPlanSpec,
  workflowInputs: VariableMap | undefined,
  opts: LaunchPlanValidationOptions,
): ParameterMap {
  validateIdentifier(spec.workflowId, ResourceType.WORKFLOW);
  validateLabels(spec.labels);
  validateLiteralMap(spec.fixedInputs, FIXED_INPUTS);
  if (!opts.enableArtifacts) {
    for (const name of sortedKeys(spec.defaultInputs?.parameters)) {
      if (spec.defaultInputs?.parameters[name]?.behavior.case === "artifactQuery") {
        throw ia(`artifact mode not enabled but query found ${DEFAULT_INPUTS} ${name}`);
      }
    }
  }
  validateParameterMap(spec.defaultInputs, DEFAULT_INPUTS);
  const expected = expectedInputs(workflowInputs, spec.fixedInputs, spec.defaultInputs);
  validateSchedule(spec.entityMetadata?.schedule, expected);
  if (spec.entityMetadata) {
    validateNotifications(spec.entityMetadata.notifications);
    const conditions = spec.entityMetadata.launchConditions;
    if (conditions) throw ia(`Launch condition must be empty, found type_url:${JSON.stringify(conditions.typeUrl)}`);
  }
  return expected;
}

export function validateLabels(labels: Labels | undefined): void {
  if (!labels) return;
  const entries = Object.entries(labels.values);
  if (entries.length === 0) return;
  if (entries.length > MAX_LABEL_ENTRIES) throw ia(`labels map cannot exceed ${MAX_LABEL_ENTRIES} entries`);
  for (const [key, value] of entries) {
    const keyErrors = qualifiedNameErrors(key);
    if (keyErrors.length > 0) throw ia(`invalid label key [${key}]: [${keyErrors.join(" ")}]`);
    const valueErrors = labelValueErrors(value);
    if (valueErrors.length > 0) throw ia(`invalid label value [${value}]: [${valueErrors.join(" ")}]`);
  }
}

function validateLiteralMap(map: LiteralMap | undefined, field: string): void {
  for (const name of sortedKeys(map?.literals)) {
    const literal = map!.literals[name]!;
    if (name === "") throw ia(`missing key in ${field}`);
    if (literal.value.case === undefined) throw ia(`missing valid literal in ${field} ${name}`);
    const dt = datetimeOf(literal);
    if (dt !== undefined) validateDatetime(dt);
  }
}

function validateParameterMap(map: ParameterMap | undefined, field: string): void {
  for (const name of sortedKeys(map?.parameters)) {
    const param = map!.parameters[name]!;
    if (name === "") throw ia(`missing key in ${field}`);
    const declared = param.var?.type;
    if (!declared) {
      throw ia(`The Variable component of the Parameter ${name} in ${field} either is missing, or has a missing Type`);
    }
    const b = param.behavior;
    if (b.case !== "default" && b.case !== "artifactQuery" && !(b.case === "required" && b.value)) {
      throw ia(
        `Invalid variable ${name} in ${field} - variable has neither default, nor is required. One must be specified`,
      );
    }
    if (b.case !== "default") continue;
    const inputType = literalTypeForLiteral(b.value);
    if (!inputType) {
      throw ia(
        "Flyte encountered an issue while determining\n" +
          `the type of the default value for Parameter '${name}' in '${field}'.\n` +
          `Registered type: [${literalTypeText(declared)}].\n` +
          "Flyte needs to support the latest FlyteIDL to support this type.\n" +
          "Suggested solution: Please update all of your Flyte images to the latest version and try again.",
      );
    }
    if (!areTypesCastable(inputType, declared)) {
      // (sic) upstream names the declared type first and the default's type as "expected".
      throw ia(
        `Type mismatch for Parameter ${name} in ${field} has type ${literalTypeText(declared)}, expected ${literalTypeText(inputType)}`,
      );
    }
    if (declared.type.case === "simple" && declared.type.value === SimpleType.DATETIME)
      validateDatetime(datetimeOf(b.value));
  }
}

/** Upstream `checkAndFetchExpectedInputForLaunchPlan`. */
export function expectedInputs(
  workflowInputs: VariableMap | undefined,
  fixed: LiteralMap | undefined,
  defaults: ParameterMap | undefined,
): ParameterMap {
  const defaultMap = defaults?.parameters ?? {};
  const fixedMap = fixed?.literals ?? {};
  const wfVars = workflowInputs?.variables ?? {};
  const out = create(ParameterMapSchema);
  if (Object.keys(wfVars).length === 0) {
    const nDefaults = Object.keys(defaultMap).length;
    if (nDefaults > 0) throw ia(`invalid launch plan default inputs, expected none but found ${nDefaults}`);
    const nFixed = Object.keys(fixedMap).length;
    if (nFixed > 0) throw ia(`invalid launch plan fixed inputs, expected none but found ${nFixed}`);
    return out;
  }
  for (const name of sortedKeys(defaultMap)) {
    const wfVar = wfVars[name];
    if (!wfVar) throw ia(`unexpected default_input ${name}`);
    const t = defaultMap[name]!.var?.type;
    if (!areTypesCastable(t, wfVar.type)) {
      throw ia(
        `invalid default_input wrong type ${name}, expected ${literalTypeText(t)}, got ${literalTypeText(wfVar.type)} instead`,
      );
    }
  }
  for (const name of sortedKeys(fixedMap)) {
    const wfVar = wfVars[name];
    if (!wfVar) throw ia(`unexpected fixed_input ${name}`);
    const inputType = literalTypeForLiteral(fixedMap[name]!);
    const typeError = validateLiteralType(inputType);
    if (typeError !== undefined) throw ia(`Failed to validate literal type for [${name}] with err: ${typeError}`);
    if (!areTypesCastable(inputType, wfVar.type)) {
      throw ia(
        `invalid fixed_input wrong type ${name}, expected ${literalTypeText(wfVar.type)}, got ${literalTypeText(inputType)} instead`,
      );
    }
  }
  for (const [name, wfVar] of Object.entries(wfVars)) {
    const d = defaultMap[name];
    if (d) out.parameters[name] = d;
    else if (!(name in fixedMap)) {
      out.parameters[name] = create(ParameterSchema, {
        var: create(VariableSchema, { type: wfVar.type, description: wfVar.description }),
        behavior: { case: "required", value: true },
      });
    }
  }
  return out;
}

export function validateNotifications(notifications: readonly Notification[]): void {
  for (const n of notifications) {
    switch (n.type.case) {
      case "email":
      case "slack":
      case "pagerDuty":
        validateRecipients(n.type.value.recipientsEmail);
        break;
      default:
        throw invalidValue("notification type");
    }
    for (const phase of n.phases) if (!WORKFLOW_TERMINAL.has(phase)) throw invalidValue("phase");
  }
}

function validateRecipients(recipients: readonly string[]): void {
  if (recipients.length === 0) throw missing("recipients");
  for (const r of recipients) if (r === "") throw missing("recipient");
}

function datetimeOf(literal: Literal | undefined): Timestamp | undefined {
  const scalar = literal?.value.case === "scalar" ? literal.value.value : undefined;
  const primitive = scalar?.value.case === "primitive" ? scalar.value.value : undefined;
  return primitive?.value.case === "datetime" ? primitive.value.value : undefined;
}

const MIN_SECONDS = -62135596800n; // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253402300799n; // 9999-12-31T23:59:59Z

/** Upstream `ValidateDatetime`: protobuf's Timestamp.CheckValid. */
function validateDatetime(t: Timestamp | undefined): void {
  if (!t) throw ia("invalid nil Timestamp");
  const text = [t.seconds !== 0n ? `seconds:${t.seconds}` : "", t.nanos !== 0 ? `nanos:${t.nanos}` : ""]
    .filter(Boolean)
    .join(" ");
  if (t.seconds < MIN_SECONDS) throw ia(`timestamp (${text}) before 0001-01-01`);
  if (t.seconds > MAX_SECONDS) throw ia(`timestamp (${text}) after 9999-12-31`);
  if (t.nanos < 0 || t.nanos >= 1e9) throw ia(`timestamp (${text}) has out-of-range nanos`);
}

function sortedKeys(map: Record<string, unknown> | undefined): string[] {
  return map ? Object.keys(map).sort() : [];
}

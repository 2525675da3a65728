// Execution request validation (flyteadmin execution_validator.go): names, ids, literal maps, labels and the
// resolution of launch inputs against a launch plan's expected / default / fixed inputs (upstream flyteadmin/pkg/manager/impl/execution_manager.go).
import { create } from "@bufbuild/protobuf";
import type { ExecutionCreateRequest } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import {
  ResourceType,
  type NodeExecutionIdentifier,
  type TaskExecutionIdentifier,
  type WorkflowExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { ParameterMap } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { LiteralMapSchema, type Literal, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { areTypesCastable, literalTypeForLiteral, literalTypeText, validateLiteralType } from "@aloft/core";
import { invalidArgument, missing } from "@aloft/core";
import { randomString } from "@aloft/core";
import { validateIdentifierFields } from "./identifier.ts";
import { labelValueErrors, qualifiedNameErrors } from "./k8s-names.ts";
import { validateNotifications } from "./launch-plan-validator.ts";

const MAX_EXECUTION_NAME_LENGTH = 63;
const EXECUTION_NAME_REGEX = /^[a-z][a-z\-0-9]*$/;
/** k8s `rand.String` alphabet (no vowels, no look-alike digits). */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** Generated execution names: "a" + 19 characters (20 in all), as flyteadmin's GetExecutionName. */
export function generateExecutionName(): string {
  return `a${randomString(19, NAME_ALPHABET)}`;
}

/** CheckValidExecutionID: checked on the lower-cased name, so upper-case letters pass (and are stored as given). */
export function validateExecutionName(name: string, field = "name"): void {
  const lower = name.toLowerCase();
  if (lower.length > MAX_EXECUTION_NAME_LENGTH) {
    throw invalidArgument(
      "execution.name_too_long",
      `size of ${field} exceeded length ${MAX_EXECUTION_NAME_LENGTH} : ${lower}`,
    );
  }
  if (!EXECUTION_NAME_REGEX.test(lower)) {
    throw invalidArgument(
      "execution.invalid_name",
      `invalid ${field} format: ${lower}, does not match regex '^[a-z][a-z\\-0-9]*$'`,
    );
  }
}

/** The request checks that need no database (the project/domain gate runs between name and spec, in the manager). */
export function validateExecutionRequestFields(req: ExecutionCreateRequest): void {
  if (req.project === "") throw missing("project");
  if (req.domain === "") throw missing("domain");
  if (req.name !== "") validateExecutionName(req.name);
}

/** After the gate: spec, the launched entity's id and type, inputs and labels. */
export function validateExecutionSpec(req: ExecutionCreateRequest, inputs: LiteralMap | undefined): void {
  const spec = req.spec;
  if (!spec) throw missing("spec");
  const lp = spec.launchPlan;
  if (!lp) throw missing("id");
  validateIdentifierFields(lp);
  if (lp.resourceType !== ResourceType.LAUNCH_PLAN && lp.resourceType !== ResourceType.TASK) {
    throw invalidArgument(
      "execution.invalid_launch_type",
      `Invalid reference entity resource type [${ResourceType[lp.resourceType]}], only [map[LAUNCH_PLAN:{} TASK:{}]] allowed`,
    );
  }
  validateLiteralMap(inputs, "inputs");
  if (spec.notificationOverrides.case === "notifications")
    validateNotifications(spec.notificationOverrides.value.notifications);
  for (const [k, v] of Object.entries(spec.labels?.values ?? {})) {
    const keyErrors = qualifiedNameErrors(k);
    if (keyErrors.length > 0)
      throw invalidArgument("validation.label_key", `invalid label key [${k}]: [${keyErrors.join(" ")}]`);
    const valueErrors = labelValueErrors(v);
    if (valueErrors.length > 0)
      throw invalidArgument("validation.label_value", `invalid label value [${v}]: [${valueErrors.join(" ")}]`);
  }
}

export function validateLiteralMap(map: LiteralMap | undefined, field: string): void {
  for (const [name, lit] of Object.entries(map?.literals ?? {})) {
    if (name === "") throw invalidArgument("validation.literal_key", `missing key in ${field}`);
    if (!lit || lit.value.case === undefined)
      throw invalidArgument("validation.literal_value", `missing valid literal in ${field} ${name}`);
  }
}

/**
 * CheckAndFetchInputsForExecution: user inputs must be expected and castable; missing expected inputs take their
 * default or are an error when required; fixed inputs are added and cannot be overridden.
 */
export function resolveExecutionInputs(
  user: LiteralMap | undefined,
  fixed: LiteralMap | undefined,
  expected: ParameterMap | undefined,
): LiteralMap {
  const out: Record<string, Literal> = {};
  const params = expected?.parameters ?? {};
  for (const [name, value] of Object.entries(user?.literals ?? {})) {
    if (!(name in params)) throw invalidArgument("execution.invalid_input", `invalid input ${name}`);
    out[name] = value;
  }
  for (const [name, param] of Object.entries(params)) {
    const given = out[name];
    if (given === undefined) {
      if (param.behavior.case === "required" && param.behavior.value) {
        throw invalidArgument("execution.missing_input", `expected_inputs ${name} missing`);
      }
      if (param.behavior.case === "default") out[name] = param.behavior.value;
      continue;
    }
    const type = literalTypeForLiteral(given);
    const invalid = validateLiteralType(type);
    if (invalid !== undefined)
      throw invalidArgument(
        "execution.invalid_literal_type",
        `Failed to validate literal type for [${name}] with err: ${invalid}`,
      );
    if (!areTypesCastable(type, param.var?.type)) {
      throw invalidArgument(
        "execution.input_type",
        `invalid ${name} input wrong type. Expected ${literalTypeText(param.var?.type)}, but got ${literalTypeText(type)}`,
      );
    }
  }
  for (const [name, value] of Object.entries(fixed?.literals ?? {})) {
    if (name in out) throw invalidArgument("execution.fixed_input", `fixed_inputs ${name} cannot be overridden`);
    out[name] = value;
  }
  return create(LiteralMapSchema, { literals: out });
}

/** ValidateWorkflowExecutionIdentifier: id, project, domain, name. */
export function validateWorkflowExecutionId(
  id: WorkflowExecutionIdentifier | undefined,
): asserts id is WorkflowExecutionIdentifier {
  if (!id) throw missing("id");
  if (id.project === "") throw missing("project");
  if (id.domain === "") throw missing("domain");
  if (id.name === "") throw missing("name");
}

export function validateNodeExecutionId(
  id: NodeExecutionIdentifier | undefined,
): asserts id is NodeExecutionIdentifier {
  if (!id) throw missing("id");
  if (!id.executionId) throw missing("execution_id");
  validateWorkflowExecutionId(id.executionId);
  if (id.nodeId === "") throw missing("node_id");
}

export function validateTaskExecutionId(
  id: TaskExecutionIdentifier | undefined,
): asserts id is TaskExecutionIdentifier {
  if (!id) throw missing("id");
  if (!id.nodeExecutionId) throw missing("node_execution_id");
  validateNodeExecutionId(id.nodeExecutionId);
  if (!id.taskId) throw missing("task_id");
  if (id.taskId.resourceType !== ResourceType.TASK) {
    throw invalidArgument(
      "identifier.resource_type",
      `unexpected resource type ${ResourceType[id.taskId.resourceType]} for task id, expected TASK`,
    );
  }
  validateIdentifierFields(id.taskId);
}

// The Flyte compiler: pure functions from registration artefacts to compiled closures, with upstream's
// validations, error codes and messages. Used by admin registration, the engine and the SDK.
export { compileTask, tryCompileTask } from "./task.ts";
export { compileWorkflow, tryCompileWorkflow, launchPlanInterfaceOf } from "./workflow.ts";
export { getRequirements, type WorkflowRequirements } from "./requirements.ts";
export { areTypesCastable } from "./castability.ts";
export {
  literalTypeForLiteral,
  literalTypeForScalar,
  literalTypeForPrimitive,
  validateLiteralType,
  isOptionalType,
} from "./literal-types.ts";
export {
  CompilationError,
  CompileErrorCode,
  compileErrorsToAloftError,
  formatCompileError,
  formatCompileErrors,
  type CompileError,
  type CompileResult,
} from "./errors.ts";
export { identifierText, literalTypeText, literalTypeToStr } from "./proto-text.ts";
export { START_NODE_ID, END_NODE_ID, type LaunchPlanInterface } from "./workflow-builder.ts";
export { validateLaunchInputs } from "./inputs.ts";

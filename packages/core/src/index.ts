// @aloft/core: the package's front door. Everything not exported here is private to the package.
export { base32 } from "./base32.ts";
export {
  getMessage,
  listAll,
  putMessage,
  readAll,
  toUint8Array,
  validateKey,
  validateListOptions,
  validatePrefix,
  validateSignedUrlOptions,
} from "./blob/blob-store.ts";
export type {
  BlobBody,
  BlobHead,
  BlobListPage,
  BlobStore,
  ListOptions,
  PutOptions,
  SignedUrlOptions,
} from "./blob/blob-store.ts";
export {
  ADMIN_OFFLOAD_ROOT,
  DEFAULT_ADMIN_METADATA_PREFIX,
  END_NODE_ID,
  INPUTS_OBJECT,
  START_NODE_ID,
  checkpointPrefix,
  childNodeDataDir,
  deckKey,
  dynamicCompiledKey,
  dynamicWorkflowClosureKey,
  errorKey,
  executionAttemptInputsKeys,
  executionOutputsKey,
  futuresKey,
  inputsKey,
  joinKey,
  joinUri,
  nodeDataDir,
  nodeExecutionOutputsKey,
  nodeOutputDir,
  outputsKey,
  rawOutputDataPrefix,
  taskExecutionOutputsKey,
  uploadKey,
  workflowClosureKey,
  workflowDataDir,
  workflowInputsKey,
  workflowOutputsKey,
} from "./blob/keys.ts";
export { LocalBlobStore } from "./blob/local-blob-store.ts";
export type { LocalBlobStoreOptions } from "./blob/local-blob-store.ts";
export { LocalUrlSigner } from "./blob/local-url-signer.ts";
export { MemoryBlobStore } from "./blob/memory-blob-store.ts";
export { systemClock } from "./clock.ts";
export type { Clock } from "./clock.ts";
export { areTypesCastable } from "./compiler/castability.ts";
export { CompilationError, compileErrorsToAloftError, formatCompileErrors } from "./compiler/errors.ts";
export { literalTypeForLiteral, validateLiteralType } from "./compiler/literal-types.ts";
export { literalTypeText, protoText } from "./compiler/proto-text.ts";
export { isValidQuantity } from "./compiler/quantity.ts";
export { DEFAULT_NAMESPACE_TEMPLATE, namespaceFor } from "./namespace.ts";
export {
  compareQuantities,
  parseQuantity,
  QuantityError,
  quantityMilliValue,
  quantityString,
  quantityValue,
  type Quantity,
} from "./quantity.ts";
export { validateLaunchInputs } from "./compiler/inputs.ts";
export { getRequirements } from "./compiler/requirements.ts";
export { compileTask, tryCompileTask } from "./compiler/task.ts";
export type { LaunchPlanInterface } from "./compiler/workflow-builder.ts";
export { compileWorkflow, launchPlanInterfaceOf, tryCompileWorkflow } from "./compiler/workflow.ts";
export { defaultConfig, loadConfig, underDataDir } from "./config.ts";
export type { AloftConfig, AuthClientConfig, AuthConfig, ClusterResourceValue, Domain } from "./config.ts";
export type { ProjectDomainName, VersionedId } from "./entity-ids.ts";
export {
  AloftError,
  Code,
  alreadyExists,
  failedPrecondition,
  httpStatusFromCode,
  httpStatusOf,
  internal,
  invalidArgument,
  invalidValue,
  messageTooLarge,
  missing,
  notFound,
  resourceExhausted,
  toAloftError,
  unavailable,
  unimplemented,
} from "./errors.ts";
export type { ErrorDetail } from "./errors.ts";
export { messageDiff, messageDigest } from "./hashing.ts";
export { newRequestId, randomString } from "./ids.ts";
export { eventExecution, eventNode } from "./event-execution.ts";
export { cutLargeMapEntries, cutLiteralsDir, offloadCutLiterals } from "./literals/large-inputs.ts";
export { defaultLiteralOffloadingConfig, offloadLargeLiterals } from "./literals/literal-offloading.ts";
export type { LiteralOffloadingConfig } from "./literals/literal-offloading.ts";
export { createLogger, silentLogger } from "./logger.ts";
export type { Logger } from "./logger.ts";
export type { Metrics, SchedulerMetrics } from "./metrics.ts";
export { decodeMsgpack, decodeMsgpackWithFloatWidths, encodeMsgpack } from "./msgpack.ts";
export type { MsgpackValue, MsgpackValueWithFloatWidths } from "./msgpack.ts";
export { checkExposure, displayHost, isLoopbackAddress, isLoopbackHost } from "./network.ts";
export type { Exposure } from "./network.ts";
export { NODE_TERMINAL, TASK_TERMINAL, WORKFLOW_TERMINAL } from "./phases.ts";
export { noTracing } from "./tracing.ts";
export type { Tracer, Tracing } from "./tracing.ts";
export { fixedLengthUniqueIdForParts } from "./unique-id.ts";

// The FlyteWorkflow custom resource (flyte.lyft.com/v1alpha1): built from a compiled closure as upstream's
// transformer builds it, prepared with what admin adds at launch, its static part offloaded to the blob store when
// large, and read back into the engine's execution spec. Pure apart from the blob store port.
export { buildFlyteWorkflow, buildStaticFields, serializeFlyteWorkflow, type StaticFields } from "./build.ts";
export {
  prepareFlyteWorkflow,
  type ExecutionParameters as FlyteWorkflowExecutionParameters,
  type TaskResourceAttributes,
} from "./prepare.ts";
export {
  DEFAULT_MAX_STATIC_BYTES,
  offloadStaticPart,
  resolveStaticPart,
  staticPartBytes,
  type OffloadOptions,
  type ResolvedStaticPart,
} from "./offload.ts";
export { readFlyteWorkflow, type FlyteWorkflowExecution } from "./read.ts";
export {
  FLYTE_WORKFLOW_API_VERSION,
  FLYTE_WORKFLOW_GROUP,
  FLYTE_WORKFLOW_KIND,
  FLYTE_WORKFLOW_PLURAL,
  FLYTE_WORKFLOW_VERSION,
  LABEL_DOMAIN,
  LABEL_EXECUTION_ID,
  LABEL_PROJECT,
  LABEL_SHARD_KEY,
  LABEL_WORKFLOW_NAME,
  SHARD_KEYSPACE_SIZE,
  type FlyteWorkflow,
  type NodeSpec as FlyteWorkflowNodeSpec,
  type WorkflowSpec as FlyteWorkflowSpec,
} from "./types.ts";

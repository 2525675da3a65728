// The FlyteWorkflow custom resource (flyte.lyft.com/v1alpha1) as upstream serializes it
// (`flytepropeller/pkg/apis/flyteworkflow/v1alpha1`): Go struct field order, Go JSON for the plain parts, jsonpb
// (camelCase) for the flyteidl messages upstream wraps with a MarshalJSON, Go JSON (proto field names) for the ones it
// does not. Key order follows the Go structs so `JSON.stringify` reads like upstream's output.
import type { Json, JsonObject } from "./go-json.ts";

export const FLYTE_WORKFLOW_GROUP = "flyte.lyft.com";
export const FLYTE_WORKFLOW_VERSION = "v1alpha1";
export const FLYTE_WORKFLOW_API_VERSION = `${FLYTE_WORKFLOW_GROUP}/${FLYTE_WORKFLOW_VERSION}`;
/** Upstream's Go constant `FlyteWorkflowKind` is lower case; the CRD's `names.kind` is `FlyteWorkflow`. */
export const FLYTE_WORKFLOW_KIND = "flyteworkflow";
export const FLYTE_WORKFLOW_PLURAL = "flyteworkflows";
/** `ShardKeyspaceSize`: the `shard-key` label is FNV-1a(execution name) modulo this. */
export const SHARD_KEYSPACE_SIZE = 32;

export const LABEL_DOMAIN = "domain";
export const LABEL_EXECUTION_ID = "execution-id";
export const LABEL_PROJECT = "project";
export const LABEL_SHARD_KEY = "shard-key";
export const LABEL_WORKFLOW_NAME = "workflow-name";

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  resourceVersion?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  [key: string]: Json | undefined;
}

export type NodeKind = "task" | "branch" | "workflow" | "gate" | "array" | "start" | "end";

export interface IfBlockSpec {
  condition: JsonObject | null;
  then: string | null;
}

export interface BranchNodeSpec {
  if: IfBlockSpec;
  elseIf?: IfBlockSpec[];
  else?: string;
  elseFail?: JsonObject;
}

export interface ArrayNodeSpec {
  SubNodeSpec: NodeSpec | null;
  Parallelism: number | null;
  MinSuccesses: number | null;
  MinSuccessRatio: number | null;
  ExecutionMode: number;
  IsOriginalSubNodeInterface: boolean | null;
  DataMode: number;
  BoundInputs: string[] | null;
}

export interface NodeSpec {
  id: string;
  name?: string;
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  kind: NodeKind | "";
  branch?: BranchNodeSpec;
  task?: string;
  workflow?: { launchPlanRefId?: JsonObject; subWorkflowRef?: string };
  gate?: { kind: "approve" | "signal" | "sleep"; approve?: JsonObject; signal?: JsonObject; sleep?: JsonObject };
  array?: ArrayNodeSpec;
  inputBindings?: JsonObject[];
  retry?: { minAttempts: number | null };
  outputAlias?: JsonObject[];
  extendedResources?: JsonObject;
  executionDeadline?: string;
  activeDeadline?: string;
  interruptible?: boolean;
  containerImage?: string;
  podTemplate?: JsonObject;
}

export interface WorkflowSpec {
  id: string;
  nodes: Record<string, NodeSpec>;
  /** Deprecated downstream-only copy of `edges.downstream`, still written. */
  connections: Record<string, string[] | null>;
  edges: { downstream: Record<string, string[] | null>; upstream: Record<string, string[] | null> };
  onFailure?: NodeSpec;
  outputs?: JsonObject;
  outputBindings?: JsonObject[];
  onFailurePolicy?: number;
}

export interface TaskPluginOverride {
  PluginIDs: string[] | null;
  MissingPluginBehavior: number;
}

export interface TaskResourceSpec {
  CPU: string;
  Memory: string;
  EphemeralStorage: string;
  Storage: string;
  GPU: string;
}

export interface ExecutionConfig {
  TaskPluginImpls: Record<string, TaskPluginOverride> | null;
  MaxParallelism: number;
  RecoveryExecution: JsonObject;
  TaskResources: { Requests: TaskResourceSpec; Limits: TaskResourceSpec };
  Interruptible: boolean | null;
  OverwriteCache: boolean;
  EnvironmentVariables: Record<string, string> | null;
}

export interface WorkflowStatusSkeleton {
  phase: number;
  [key: string]: Json | undefined;
}

export interface FlyteWorkflow {
  kind: string;
  apiVersion: string;
  metadata: ObjectMeta;
  /** null once the static part is offloaded (`workflowClosureReference`). */
  spec: WorkflowSpec | null;
  workflowMeta?: { eventVersion?: number };
  inputs?: JsonObject;
  executionId: JsonObject;
  tasks: Record<string, JsonObject> | null;
  subWorkflows?: Record<string, WorkflowSpec>;
  activeDeadlineSeconds?: number;
  "node-defaults": { interruptible?: boolean };
  acceptedAt?: string;
  serviceAccountName?: string;
  securityContext: JsonObject;
  status: WorkflowStatusSkeleton;
  rawOutputDataConfig: JsonObject;
  executionConfig: ExecutionConfig;
  workflowClosureReference?: string;
  consoleUrl?: string;
  offloadedInputs?: string;
}

// What admin adds to the built resource before creating it (`flyteadmin/pkg/workflowengine/impl/prepare_execution.go`
// `PrepareFlyteWorkflow`): the execution id, acceptedAt, the security context (service account, IAM role
// annotation), user labels and annotations over the system ones, the event version, the execution config (task
// plugin overrides, max parallelism, interruptible, overwrite-cache, environment variables, recovery execution, task
// resource defaults and limits) and the raw output data config.
import { RawOutputDataConfigSchema, type RawOutputDataConfig } from "@aloft/idl/flyteidl/admin/common_pb.js";
import type { PluginOverride, WorkflowExecutionConfig } from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import {
  WorkflowExecutionIdentifierSchema,
  type WorkflowExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { SecurityContextSchema } from "@aloft/idl/flyteidl/core/security_pb.js";
import { emptyExecutionConfig } from "./build.ts";
import { toGoJson } from "./go-json.ts";
import { canonicalQuantity, metav1Time } from "./k8s-values.ts";
import type { FlyteWorkflow, TaskResourceSpec } from "./types.ts";

/** Admin's task resource defaults and limits (quantity strings; absent or zero leaves "0"). */
export interface TaskResourceAttributes {
  cpu?: string;
  memory?: string;
  ephemeralStorage?: string;
  storage?: string;
  gpu?: string;
}

/** admin `ExecutionParameters`, the parts PrepareFlyteWorkflow reads. */
export interface ExecutionParameters {
  executionId: WorkflowExecutionIdentifier;
  /** Epoch milliseconds. */
  acceptedAt: number;
  /** The execution's WorkflowExecutionConfig (security context, max parallelism, interruptible, envs, …). */
  executionConfig?: WorkflowExecutionConfig;
  /** Annotation key that carries the IAM role (admin `roleNameKey`). */
  roleNameKey?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Admin's default is 2. */
  eventVersion?: number;
  taskPluginOverrides?: readonly PluginOverride[];
  recoveryExecution?: WorkflowExecutionIdentifier;
  taskResources?: { defaults: TaskResourceAttributes; limits: TaskResourceAttributes };
  rawOutputDataConfig?: RawOutputDataConfig;
}

function resourceSpec(attrs: TaskResourceAttributes): TaskResourceSpec {
  const q = (v: string | undefined) => (v ? canonicalQuantity(v) : "0");
  return {
    CPU: q(attrs.cpu),
    Memory: q(attrs.memory),
    EphemeralStorage: q(attrs.ephemeralStorage),
    Storage: q(attrs.storage),
    GPU: q(attrs.gpu),
  };
}

/** A prepared copy of `wf` (the input is not modified). */
export function prepareFlyteWorkflow(wf: FlyteWorkflow, p: ExecutionParameters): FlyteWorkflow {
  const out: FlyteWorkflow = structuredClone(wf);
  out.executionId = toGoJson(WorkflowExecutionIdentifierSchema, p.executionId);
  out.acceptedAt = metav1Time(p.acceptedAt);

  const sc = p.executionConfig?.securityContext;
  if (sc?.runAs) {
    out.securityContext = toGoJson(SecurityContextSchema, sc);
    if (sc.runAs.iamRole) {
      out.metadata.annotations = { ...(out.metadata.annotations ?? {}), [p.roleNameKey ?? ""]: sc.runAs.iamRole };
    }
    if (sc.runAs.k8sServiceAccount) out.serviceAccountName = sc.runAs.k8sServiceAccount;
  }
  out.metadata.labels = sortKeys({ ...(out.metadata.labels ?? {}), ...(p.labels ?? {}) });
  out.metadata.annotations = sortKeys({ ...(out.metadata.annotations ?? {}), ...(p.annotations ?? {}) });
  out.workflowMeta = p.eventVersion ? { eventVersion: p.eventVersion } : {};

  const config = emptyExecutionConfig();
  config.TaskPluginImpls = {};
  for (const o of p.taskPluginOverrides ?? []) {
    config.TaskPluginImpls[o.taskType] = {
      PluginIDs: o.pluginId.length > 0 ? [...o.pluginId] : null,
      MissingPluginBehavior: o.missingPluginBehavior,
    };
  }
  config.TaskPluginImpls = sortKeys(config.TaskPluginImpls);
  config.RecoveryExecution = p.recoveryExecution
    ? toGoJson(WorkflowExecutionIdentifierSchema, p.recoveryExecution)
    : {};
  const wec = p.executionConfig;
  if (wec) {
    config.MaxParallelism = wec.maxParallelism;
    if (wec.interruptible !== undefined) config.Interruptible = wec.interruptible;
    config.OverwriteCache = wec.overwriteCache;
    if (wec.envs)
      config.EnvironmentVariables = sortKeys(Object.fromEntries(wec.envs.values.map((kv) => [kv.key, kv.value])));
  }
  if (p.taskResources) {
    config.TaskResources = {
      Requests: resourceSpec(p.taskResources.defaults),
      Limits: resourceSpec(p.taskResources.limits),
    };
  }
  out.executionConfig = config;
  if (p.rawOutputDataConfig) out.rawOutputDataConfig = toGoJson(RawOutputDataConfigSchema, p.rawOutputDataConfig);
  return reorder(out);
}

const sortKeys = <T>(m: Record<string, T>): Record<string, T> =>
  Object.fromEntries(
    Object.keys(m)
      .sort()
      .map((k) => [k, m[k]!]),
  );

/** Upstream's Go struct order, so the serialized resource reads as upstream's. */
const TOP_LEVEL_ORDER = [
  "kind",
  "apiVersion",
  "metadata",
  "spec",
  "workflowMeta",
  "inputs",
  "executionId",
  "tasks",
  "subWorkflows",
  "activeDeadlineSeconds",
  "node-defaults",
  "acceptedAt",
  "serviceAccountName",
  "securityContext",
  "status",
  "rawOutputDataConfig",
  "executionConfig",
  "workflowClosureReference",
  "consoleUrl",
  "offloadedInputs",
] as const;

const META_ORDER = ["name", "generateName", "namespace", "resourceVersion", "labels", "annotations", "finalizers"];

export function reorder(wf: FlyteWorkflow): FlyteWorkflow {
  const out: Record<string, unknown> = {};
  const src = wf as unknown as Record<string, unknown>;
  for (const k of TOP_LEVEL_ORDER) if (src[k] !== undefined) out[k] = src[k];
  for (const k of Object.keys(src)) if (!(k in out) && src[k] !== undefined) out[k] = src[k];
  const meta: Record<string, unknown> = {};
  for (const k of META_ORDER) if (wf.metadata[k] !== undefined) meta[k] = wf.metadata[k];
  for (const [k, v] of Object.entries(wf.metadata)) if (!(k in meta) && v !== undefined) meta[k] = v;
  if (Object.keys((meta["annotations"] as object | undefined) ?? {}).length === 0) delete meta["annotations"];
  out["metadata"] = meta;
  return out as unknown as FlyteWorkflow;
}

// A FlyteWorkflow resource back into what the engine's executor runs: the compiled closure (read from the blob
// store when offloaded, which is lossless, or rebuilt from the spec), the inputs, the execution id and the launch
// settings admin put in (`executionConfig`, `rawOutputDataConfig`, `workflowMeta`, `acceptedAt`), and the Kubernetes
// settings the pod plugin takes from the resource as upstream's pods do: its namespace, labels and annotations, service
// account, `executionConfig.TaskResources` as platform resources, and the resource itself as the pods' owner.
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { type BlobStore, invalidArgument } from "@aloft/core";
import { RawOutputDataConfigSchema } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { WorkflowExecutionIdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { SecurityContextSchema, type SecurityContext } from "@aloft/idl/flyteidl/core/security_pb.js";
import { ANNOTATION_ABORT_CAUSE } from "../kube/resource.ts";
import type { KubernetesLaunch } from "../plugins/plugin.ts";
import type { ExecutionSpec, LaunchSpec } from "../store/workflow-store.ts";
import { closureFromStaticPart } from "./closure-from-spec.ts";
import { fromGoJson } from "./go-json.ts";
import { resolveStaticPart } from "./offload.ts";
import { FLYTE_WORKFLOW_API_VERSION, type FlyteWorkflow, type TaskResourceSpec } from "./types.ts";

export interface FlyteWorkflowExecution extends ExecutionSpec {
  namespace: string;
  /** The resource's name (the execution name, or a generated one). */
  name: string;
  /** The resource's uid (set by the API server; absent on a resource not created yet). */
  uid?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  serviceAccountName?: string;
  securityContext?: SecurityContext;
}

function launchSpecOf(wf: FlyteWorkflow): LaunchSpec {
  const spec: LaunchSpec = {};
  const c = wf.executionConfig;
  if (c?.MaxParallelism) spec.maxParallelism = c.MaxParallelism;
  const prefix = fromGoJson(RawOutputDataConfigSchema, wf.rawOutputDataConfig).outputLocationPrefix;
  if (prefix) spec.rawOutputPrefix = prefix;
  if (c?.Interruptible !== null && c?.Interruptible !== undefined) spec.interruptible = c.Interruptible;
  if (c?.EnvironmentVariables && Object.keys(c.EnvironmentVariables).length > 0)
    spec.envs = { ...c.EnvironmentVariables };
  const impls = Object.entries(c?.TaskPluginImpls ?? {}).filter(([, o]) => (o.PluginIDs ?? []).length > 0);
  if (impls.length > 0) spec.taskPluginImpls = Object.fromEntries(impls.map(([t, o]) => [t, o.PluginIDs![0]!]));
  if (c?.OverwriteCache) spec.overwriteCache = true;
  if (wf.workflowMeta?.eventVersion) spec.eventVersion = wf.workflowMeta.eventVersion;
  const recovery = fromGoJson(WorkflowExecutionIdentifierSchema, c?.RecoveryExecution ?? {});
  if (recovery.name) spec.recoverFrom = { project: recovery.project, domain: recovery.domain, name: recovery.name };
  return spec;
}

/** Annotations of the resource that are Aloft's bookkeeping, not for the pods. */
const NOT_INHERITED_ANNOTATIONS = new Set([ANNOTATION_ABORT_CAUSE, "kubectl.kubernetes.io/last-applied-configuration"]);

/** `TaskResources` as Kubernetes resource names; a zero or empty quantity is unset (Go's zero resource.Quantity). */
function resourceList(spec: TaskResourceSpec | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const set = (name: string, q: string | undefined) => {
    if (q && q !== "0") out[name] = q;
  };
  set("cpu", spec?.CPU);
  set("memory", spec?.Memory);
  set("ephemeral-storage", spec?.EphemeralStorage);
  set("gpu", spec?.GPU);
  return out;
}

/**
 * What the pod plugin needs from the resource (upstream: the node execution context's labels and annotations are the
 * workflow's, the pods' owner reference is the workflow's controller reference). The owner is set only once the
 * resource has a uid, i.e. as read back from the API server.
 */
function kubernetesOf(wf: FlyteWorkflow): KubernetesLaunch {
  const meta = wf.metadata;
  const out: KubernetesLaunch = {};
  if (meta.namespace) out.namespace = meta.namespace;
  if (meta.labels && Object.keys(meta.labels).length > 0) out.labels = { ...meta.labels };
  const annotations = Object.entries(meta.annotations ?? {}).filter(([k]) => !NOT_INHERITED_ANNOTATIONS.has(k));
  if (annotations.length > 0) out.annotations = Object.fromEntries(annotations);
  if (wf.serviceAccountName) out.serviceAccountName = wf.serviceAccountName;
  const requests = resourceList(wf.executionConfig?.TaskResources?.Requests);
  const limits = resourceList(wf.executionConfig?.TaskResources?.Limits);
  if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) out.taskResources = { requests, limits };
  const uid = meta.uid;
  // The CRD's kind (a resource read from the API server says so; upstream's Go constant is lower case).
  if (uid && meta.name)
    out.owner = { apiVersion: FLYTE_WORKFLOW_API_VERSION, kind: "FlyteWorkflow", name: meta.name, uid };
  return out;
}

/** Reads a resource (resolving an offloaded static part through `blobs`) into the engine's execution spec. */
export async function readFlyteWorkflow(wf: FlyteWorkflow, blobs?: BlobStore): Promise<FlyteWorkflowExecution> {
  if (wf.offloadedInputs) throw invalidArgument("flyteworkflow.invalid", "offloaded inputs are not supported yet");
  const resolved = await resolveStaticPart(wf, blobs);
  const inputs = wf.inputs ? fromJson(LiteralMapSchema, wf.inputs as JsonValue) : create(LiteralMapSchema);
  const closure = resolved.closure ?? closureFromStaticPart(resolved.workflow, inputs);
  const id = fromGoJson(WorkflowExecutionIdentifierSchema, wf.executionId);
  const labels = wf.metadata.labels ?? {};
  const executionId = id.name
    ? { project: id.project, domain: id.domain, name: id.name }
    : { project: labels["project"] ?? "", domain: labels["domain"] ?? "", name: wf.metadata.name ?? "" };
  const sc = fromGoJson(SecurityContextSchema, wf.securityContext);
  const spec = launchSpecOf(wf);
  const kubernetes = kubernetesOf(wf);
  if (Object.keys(kubernetes).length > 0) spec.kubernetes = kubernetes;
  const out: FlyteWorkflowExecution = {
    executionId,
    closure,
    inputs,
    spec,
    acceptedAt: wf.acceptedAt ? Date.parse(wf.acceptedAt) : 0,
    namespace: wf.metadata.namespace ?? "",
    name: wf.metadata.name ?? "",
    labels: { ...labels },
    annotations: { ...(wf.metadata.annotations ?? {}) },
  };
  if (kubernetes.owner) out.uid = kubernetes.owner.uid;
  if (wf.serviceAccountName) out.serviceAccountName = wf.serviceAccountName;
  if (sc.runAs || sc.secrets.length > 0 || sc.tokens.length > 0) out.securityContext = sc;
  return out;
}

// A FlyteWorkflow resource back into what the engine's executor runs: the compiled closure (read from the blob
// store when offloaded, which is lossless, or rebuilt from the spec), the inputs, the execution id and the launch
// settings admin put in (`executionConfig`, `rawOutputDataConfig`, `workflowMeta`, `acceptedAt`).
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { type BlobStore, invalidArgument } from "@aloft/core";
import { RawOutputDataConfigSchema } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { WorkflowExecutionIdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { SecurityContextSchema, type SecurityContext } from "@aloft/idl/flyteidl/core/security_pb.js";
import type { ExecutionSpec, LaunchSpec } from "../store/workflow-store.ts";
import { closureFromStaticPart } from "./closure-from-spec.ts";
import { fromGoJson } from "./go-json.ts";
import { resolveStaticPart } from "./offload.ts";
import type { FlyteWorkflow } from "./types.ts";

export interface FlyteWorkflowExecution extends ExecutionSpec {
  namespace: string;
  /** The resource's name (the execution name, or a generated one). */
  name: string;
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
  const out: FlyteWorkflowExecution = {
    executionId,
    closure,
    inputs,
    spec: launchSpecOf(wf),
    acceptedAt: wf.acceptedAt ? Date.parse(wf.acceptedAt) : 0,
    namespace: wf.metadata.namespace ?? "",
    name: wf.metadata.name ?? "",
    labels: { ...labels },
    annotations: { ...(wf.metadata.annotations ?? {}) },
  };
  if (wf.serviceAccountName) out.serviceAccountName = wf.serviceAccountName;
  if (sc.runAs || sc.secrets.length > 0 || sc.tokens.length > 0) out.securityContext = sc;
  return out;
}

// A task's GPU accelerator (`extended_resources.gpu_accelerator`, the node's override winning) steers its pod to nodes
// with that GPU (upstream flyteplugins/go/tasks/pluginmachinery/flytek8s/pod_helper.go ApplyGPUNodeSelectors): only
// for pods whose containers ask for the configured GPU resource, a required node affinity on the device label (plus a
// toleration of the taint of that name and value), and the partition size: a named size requires and tolerates the
// partition label with that value; `unpartitioned` requires the configured requirement (default: no partition label)
// and adds the configured toleration.
import type { ExtendedResources, GPUAccelerator } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import type { NodeSelectorRequirement, PodPluginConfig, Toleration } from "./config.ts";

type Json = Record<string, any>;

/** The accelerator in effect: the node override's, else the task's (upstream applyExtendedResourcesOverrides). */
export function acceleratorOf(
  task: ExtendedResources | undefined,
  override: ExtendedResources | undefined,
): GPUAccelerator | undefined {
  return override?.gpuAccelerator ?? task?.gpuAccelerator;
}

/** Adds `reqs` to every required node selector term of the pod (one new term when there is none). */
function requireOnNodes(spec: Json, reqs: NodeSelectorRequirement[]): void {
  const affinity = (spec["affinity"] ??= {}) as Json;
  const nodeAffinity = (affinity["nodeAffinity"] ??= {}) as Json;
  const required = (nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"] ??= {}) as Json;
  const terms = (required["nodeSelectorTerms"] ??= []) as Json[];
  if (terms.length === 0) terms.push({ matchExpressions: [] });
  for (const term of terms) term["matchExpressions"] = [...((term["matchExpressions"] ?? []) as Json[]), ...reqs];
}

/** Applies `accelerator` to the pod spec (in place) when one of its containers requests GPUs. */
export function applyGpuAccelerator(
  spec: Json,
  accelerator: GPUAccelerator | undefined,
  config: Pick<
    PodPluginConfig,
    | "gpuResourceName"
    | "gpuDeviceNodeLabel"
    | "gpuPartitionSizeNodeLabel"
    | "gpuUnpartitionedNodeSelectorRequirement"
    | "gpuUnpartitionedToleration"
  >,
): void {
  if (!accelerator) return;
  const wantsGpu = ((spec["containers"] ?? []) as Json[]).some(
    (c) => c["resources"]?.["limits"]?.[config.gpuResourceName] !== undefined,
  );
  if (!wantsGpu) return;
  const reqs: NodeSelectorRequirement[] = [];
  const tolerations: Toleration[] = [];
  if (accelerator.device) {
    reqs.push({ key: config.gpuDeviceNodeLabel, operator: "In", values: [accelerator.device] });
    tolerations.push({
      key: config.gpuDeviceNodeLabel,
      operator: "Equal",
      value: accelerator.device,
      effect: "NoSchedule",
    });
  }
  const partition = accelerator.partitionSizeValue;
  if (partition.case === "unpartitioned" && partition.value) {
    reqs.push(
      config.gpuUnpartitionedNodeSelectorRequirement ?? {
        key: config.gpuPartitionSizeNodeLabel,
        operator: "DoesNotExist",
      },
    );
    if (config.gpuUnpartitionedToleration) tolerations.push(config.gpuUnpartitionedToleration);
  } else if (partition.case === "partitionSize" && partition.value) {
    reqs.push({ key: config.gpuPartitionSizeNodeLabel, operator: "In", values: [partition.value] });
    tolerations.push({
      key: config.gpuPartitionSizeNodeLabel,
      operator: "Equal",
      value: partition.value,
      effect: "NoSchedule",
    });
  }
  if (reqs.length > 0) requireOnNodes(spec, reqs);
  if (tolerations.length > 0) spec["tolerations"] = [...((spec["tolerations"] ?? []) as Json[]), ...tolerations];
}

// A container's resources (upstream flyteplugins/go/tasks/pluginmachinery/flytek8s/container_helper.go, spec §7.3).
// Sources by priority, key by key: the node's override > the task's container > the pod template's container.
// Then, per resource (cpu and memory always; ephemeral-storage and GPU only when asked for): a missing request takes
// the limit or else the platform default, a missing limit takes the request, both are clamped to the platform limit,
// and the request never exceeds the limit; a GPU's request always equals its limit. The generic `gpu` becomes the configured GPU resource name.
import { Resources_ResourceName, type Resources } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { checkedQuantity, exceeds, minQuantity } from "./quantity.ts";

export type ResourceList = Record<string, string>;

export interface ResourceRequirements {
  requests?: ResourceList;
  limits?: ResourceList;
}

/** Platform defaults (requests) and limits, as admin's TASK_RESOURCE attributes give them. */
export interface PlatformResources {
  requests: ResourceList;
  limits: ResourceList;
}

const NAMES: Partial<Record<Resources_ResourceName, string>> = {
  [Resources_ResourceName.CPU]: "cpu",
  [Resources_ResourceName.MEMORY]: "memory",
  [Resources_ResourceName.GPU]: "gpu",
  [Resources_ResourceName.EPHEMERAL_STORAGE]: "ephemeral-storage",
  // STORAGE is deprecated upstream; it was always ephemeral storage for a pod.
  [Resources_ResourceName.STORAGE]: "ephemeral-storage",
};

/** The IDL's resources as Kubernetes resource lists (unknown names left out). */
export function fromIdl(res: Resources | undefined): ResourceRequirements {
  const list = (entries: Resources["requests"] | undefined) => {
    const out: ResourceList = {};
    for (const e of entries ?? []) {
      const name = NAMES[e.name];
      if (name !== undefined && e.value !== "") out[name] = e.value;
    }
    return out;
  };
  return { requests: list(res?.requests), limits: list(res?.limits) };
}

/** Key-by-key merge: later sources win. */
export function mergeResources(...sources: (ResourceRequirements | undefined)[]): ResourceRequirements {
  const requests: ResourceList = {};
  const limits: ResourceList = {};
  for (const s of sources) {
    Object.assign(requests, s?.requests ?? {});
    Object.assign(limits, s?.limits ?? {});
  }
  return { requests, limits };
}

function renameGpu(list: ResourceList, gpuName: string): ResourceList {
  if (!("gpu" in list)) return list;
  const { gpu, ...rest } = list;
  return { ...rest, [gpuName]: gpu! };
}

/**
 * Defaults and clamps `res` for the primary container (`assignDefaults`), or only clamps it for a secondary one.
 * Throws INVALID_ARGUMENT for a value that is not a quantity.
 */
export function applyPlatformResources(
  res: ResourceRequirements,
  platform: PlatformResources,
  options: { gpuName: string; assignDefaults: boolean },
): Required<ResourceRequirements> {
  const requests = renameGpu({ ...(res.requests ?? {}) }, options.gpuName);
  const limits = renameGpu({ ...(res.limits ?? {}) }, options.gpuName);
  const defaults = renameGpu(platform.requests, options.gpuName);
  const caps = renameGpu(platform.limits, options.gpuName);
  const names = new Set([...Object.keys(requests), ...Object.keys(limits)]);
  if (options.assignDefaults) {
    names.add("cpu");
    names.add("memory");
  }
  for (const name of names) {
    for (const v of [requests[name], limits[name]]) if (v !== undefined) checkedQuantity(v);
    if (options.assignDefaults) {
      if (requests[name] === undefined) {
        const d = limits[name] ?? defaults[name];
        if (d !== undefined) requests[name] = d;
      }
      if (limits[name] === undefined && requests[name] !== undefined) limits[name] = requests[name]!;
    }
    const cap = caps[name];
    if (cap !== undefined) {
      if (requests[name] !== undefined) requests[name] = minQuantity(requests[name]!, cap);
      if (limits[name] !== undefined) limits[name] = minQuantity(limits[name]!, cap);
    }
    const r = requests[name];
    const l = limits[name];
    if (name === options.gpuName) {
      // GPUs (an extended resource) cannot be overcommitted: the API server wants request = limit, so both take the
      // limit, or the request when only that is given — for every container, not only the primary.
      const v = l ?? r;
      if (v !== undefined) {
        requests[name] = v;
        limits[name] = v;
      }
    } else if (r !== undefined && l !== undefined && exceeds(r, l)) requests[name] = l;
  }
  return { requests, limits };
}

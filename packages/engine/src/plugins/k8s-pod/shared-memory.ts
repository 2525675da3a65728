// A task's shared memory (`extended_resources.shared_memory`, the node's override winning; flytekit's
// `shared_memory=`): a memory-backed emptyDir volume named `mount_name`, limited to `size_limit` when given, mounted
// at `mount_path` in the primary container — typically /dev/shm for PyTorch data loaders, whose default 64 MiB in a
// container is too small. A missing name or path, or a clash with a volume or mount the pod has, is a bad task.
import type { ExtendedResources, SharedMemory } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { checkedQuantity } from "./quantity.ts";

type Json = Record<string, any>;

/** The shared memory in effect: the node override's, else the task's. */
export function sharedMemoryOf(
  task: ExtendedResources | undefined,
  override: ExtendedResources | undefined,
): SharedMemory | undefined {
  return override?.sharedMemory ?? task?.sharedMemory;
}

/** Adds the volume and the primary container's mount (in place). Throws a message for a bad request. */
export function applySharedMemory(spec: Json, primary: string, shm: SharedMemory | undefined): string | undefined {
  if (!shm) return undefined;
  if (!shm.mountName || !shm.mountPath) return "shared memory needs both a mount name and a mount path";
  if (shm.sizeLimit) checkedQuantity(shm.sizeLimit);
  const volumes = (spec["volumes"] ?? []) as Json[];
  if (volumes.some((v) => v["name"] === shm.mountName))
    return `shared memory: the pod already has a volume named "${shm.mountName}"`;
  const container = ((spec["containers"] ?? []) as Json[]).find((c) => c["name"] === primary);
  if (!container) return undefined;
  const mounts = (container["volumeMounts"] ?? []) as Json[];
  if (mounts.some((m) => m["mountPath"] === shm.mountPath))
    return `shared memory: the primary container already mounts something at "${shm.mountPath}"`;
  spec["volumes"] = [
    ...volumes,
    { name: shm.mountName, emptyDir: { medium: "Memory", ...(shm.sizeLimit ? { sizeLimit: shm.sizeLimit } : {}) } },
  ];
  container["volumeMounts"] = [...mounts, { name: shm.mountName, mountPath: shm.mountPath }];
  return undefined;
}

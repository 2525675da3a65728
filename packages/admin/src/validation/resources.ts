// The task resource checks of registration (flyteadmin task_validator.go validateTaskResources), on core's Kubernetes
// quantities.
import {
  invalidArgument,
  parseQuantity,
  quantityMilliValue,
  quantityString,
  quantityValue,
  type Quantity,
} from "@aloft/core";
import { Resources_ResourceName as RN, type Resources_ResourceEntry } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import type { Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { identifierText } from "./identifier.ts";

/** Platform maximums as Kubernetes quantity strings; "" (or zero) means no limit. */
export interface TaskResourceSet {
  cpu: string;
  memory: string;
  gpu: string;
  ephemeralStorage: string;
}

type QuantityMap = Map<RN, Quantity>;

/** The platform limits that are set (non-zero), by resource name. */
export function platformLimitMap(limits: TaskResourceSet): QuantityMap {
  const out: QuantityMap = new Map();
  const entries: Array<[RN, string]> = [
    [RN.CPU, limits.cpu],
    [RN.MEMORY, limits.memory],
    [RN.GPU, limits.gpu],
    [RN.EPHEMERAL_STORAGE, limits.ephemeralStorage],
  ];
  for (const [name, text] of entries) {
    if (text === "") continue;
    const q = parseQuantity(text);
    if (q.unscaled !== 0n) out.set(name, q);
  }
  return out;
}

/** Parses request or limit entries of CPU, MEMORY, GPU and EPHEMERAL_STORAGE (others are ignored). */
export function requestedQuantities(
  taskId: Identifier | undefined,
  entries: readonly Resources_ResourceEntry[],
): QuantityMap {
  const out: QuantityMap = new Map();
  for (const entry of entries) {
    if (![RN.CPU, RN.MEMORY, RN.GPU, RN.EPHEMERAL_STORAGE].includes(entry.name)) continue;
    const name = RN[entry.name];
    if (out.has(entry.name)) {
      throw invalidArgument(
        "task.resources.duplicate",
        `can't specify ${name} limit for task [${identifierText(taskId)}] multiple times`,
      );
    }
    let q: Quantity;
    try {
      q = parseQuantity(entry.value);
    } catch (err) {
      throw invalidArgument(
        "task.resources.unparsable",
        `Parsing of ${name} request failed for value ${entry.value} - reason  ${(err as Error).message}. ` +
          "Please follow K8s conventions for resources https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
      );
    }
    out.set(entry.name, q);
    if (entry.name === RN.GPU && quantityMilliValue(q) % 1000n !== 0n) {
      throw invalidArgument(
        "task.resources.gpu_fraction",
        `gpu for [${identifierText(taskId)}] must be a whole number, got: ${entry.value} instead`,
      );
    }
  }
  return out;
}

const PLATFORM_HINT = "Please contact Flyte Admins to change these limits or consult the configuration";

/** Requests against limits and against the platform limits (upstream validateResource). */
export function checkResources(
  taskId: Identifier | undefined,
  requests: QuantityMap,
  limits: QuantityMap,
  platform: QuantityMap,
): void {
  const v = quantityValue;
  for (const [name, request] of requests) {
    const limit = limits.get(name);
    const max = platform.get(name);
    const label = RN[name];
    if (name === RN.GPU) {
      if (limit && v(request) !== v(limit)) {
        throw invalidArgument(
          "task.resources.gpu_mismatch",
          `For extended resource 'gpu' the default value must equal the limit value for task [${identifierText(taskId)}]`,
        );
      }
    } else {
      if (limit && v(limit) < v(request)) {
        throw invalidArgument(
          "task.resources.request_over_limit",
          `Requested ${label} default [${quantityString(request)}] is greater than the limit [${quantityString(limit)}]. Please fix your configuration`,
        );
      }
      if (limit && max && v(limit) > v(max)) {
        throw invalidArgument(
          "task.resources.limit_over_platform",
          `Requested ${label} limit [${quantityString(limit)}] is greater than current limit set in the platform configuration [${quantityString(max)}]. ${PLATFORM_HINT}`,
        );
      }
    }
    if (max && v(request) > v(max)) {
      throw invalidArgument(
        "task.resources.request_over_platform",
        `Requested ${label} default [${quantityString(request)}] is greater than current limit set in the platform configuration [${quantityString(max)}]. ${PLATFORM_HINT}`,
      );
    }
  }
}

// Task resources at execution (upstream flyteadmin/pkg/manager/impl/resources/resource_manager.go TASK_RESOURCE, flyteadmin setCompiledTaskDefaults with flytek8s
// AdjustOrDefaultResource): in the closure handed to the engine, every container task's CPU and memory requests and
// limits are defaulted from the platform and capped by its limits; GPU and ephemeral storage only when the task
// asks for them or the platform has a default.
import { clone, create } from "@bufbuild/protobuf";
import type { TaskResourceAttributes, TaskResourceSpec } from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import {
  CompiledWorkflowClosureSchema,
  type CompiledTask,
  type CompiledWorkflowClosure,
} from "@aloft/idl/flyteidl/core/compiler_pb.js";
import {
  ResourcesSchema,
  Resources_ResourceName as RN,
  type Resources_ResourceEntry,
} from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { compareQuantities, parseQuantity, quantityString, type Quantity } from "@aloft/core";

const ZERO: Quantity = { unscaled: 0n, scale: 0, format: "DecimalSI", text: "0" };

function parse(text: string | undefined): Quantity {
  if (!text) return ZERO;
  try {
    return parseQuantity(text);
  } catch {
    return ZERO;
  }
}

const isZero = (q: Quantity) => q.unscaled === 0n;

const atMost = (value: Quantity, limit: Quantity) =>
  isZero(value) || isZero(limit) || compareQuantities(value, limit) <= 0 ? value : limit;

/** flytek8s AdjustOrDefaultResource. */
export function adjustOrDefault(
  request: Quantity,
  limit: Quantity,
  platformDefault: Quantity,
  platformLimit: Quantity,
): { request: Quantity; limit: Quantity } {
  let req = request;
  let lim = limit;
  if (isZero(req)) req = isZero(lim) ? platformDefault : lim;
  if (isZero(lim)) lim = req;
  req = atMost(req, platformLimit);
  lim = atMost(lim, platformLimit);
  req = atMost(req, lim);
  return { request: req, limit: lim };
}

const byName = (entries: readonly Resources_ResourceEntry[], name: RN) =>
  parse(entries.find((e) => e.name === name)?.value);
const fromSpec = (spec: TaskResourceSpec | undefined, name: RN) =>
  parse(
    name === RN.CPU
      ? spec?.cpu
      : name === RN.MEMORY
        ? spec?.memory
        : name === RN.GPU
          ? spec?.gpu
          : spec?.ephemeralStorage,
  );

function defaultTask(task: CompiledTask, platform: TaskResourceAttributes): void {
  const container = task.template?.target.case === "container" ? task.template.target.value : undefined;
  if (!container) return;
  const requests = container.resources?.requests ?? [];
  const limits = container.resources?.limits ?? [];
  const out = create(ResourcesSchema);
  for (const name of [RN.CPU, RN.MEMORY, RN.EPHEMERAL_STORAGE, RN.GPU]) {
    const req = byName(requests, name);
    const lim = byName(limits, name);
    const pDefault = fromSpec(platform.defaults, name);
    const optional = name === RN.GPU || name === RN.EPHEMERAL_STORAGE;
    if (optional && isZero(req) && isZero(lim) && isZero(pDefault)) continue;
    const r = adjustOrDefault(req, lim, pDefault, fromSpec(platform.limits, name));
    out.requests.push({ $typeName: "flyteidl.core.Resources.ResourceEntry", name, value: quantityString(r.request) });
    out.limits.push({ $typeName: "flyteidl.core.Resources.ResourceEntry", name, value: quantityString(r.limit) });
  }
  container.resources = out;
}

/** A copy of the closure with every container task's resources defaulted and capped. */
export function withTaskResourceDefaults(
  closure: CompiledWorkflowClosure,
  platform: TaskResourceAttributes | undefined,
): CompiledWorkflowClosure {
  if (!platform) return closure;
  const out = clone(CompiledWorkflowClosureSchema, closure);
  for (const task of out.tasks) defaultTask(task, platform);
  return out;
}

// CreateTask validation (flyteadmin validation/task_validator.go), in upstream's order. The project/domain gate
// runs between the identifier and the spec checks; the manager calls the two halves around it.
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { invalidArgument, missing } from "@aloft/core";
import type { TaskCreateRequest } from "@aloft/idl/flyteidl/admin/task_pb.js";
import { ResourceType, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { Resources_ResourceName as RN, type TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { validateIdentifier } from "./identifier.ts";
import { parseQuantity, type Quantity } from "@aloft/core";
import { checkResources, platformLimitMap, requestedQuantities, type TaskResourceSet } from "./resources.ts";

/** One `task_type_whitelist` entry: the type is allowed in `project` ("" = all) and `domain` ("" = all). */
export interface TaskTypeScope {
  type: string;
  project: string;
  domain: string;
}

/** First half: the request's identifier (TASK, project, domain, name, version). */
export function validateTaskIdentifier(req: TaskCreateRequest): asserts req is TaskCreateRequest & { id: Identifier } {
  validateIdentifier(req.id, ResourceType.TASK);
}

/** Second half, after the project/domain gate: the spec and its template. Returns the template. */
export function validateTaskSpec(
  req: TaskCreateRequest & { id: Identifier },
  whitelist: readonly TaskTypeScope[],
  platformLimits: TaskResourceSet,
): TaskTemplate {
  const template = req.spec?.template;
  if (!template) throw missing("spec");
  if (template.type === "") throw missing("type");
  validateTaskType(req.id, template.type, whitelist);
  if (!template.metadata) throw missing("metadata");
  if (template.metadata.runtime && template.metadata.runtime.version === "") throw missing("runtime version");
  if (!template.interface) throw missing("typed interface");
  switch (template.target.case) {
    case "container": {
      const container = template.target.value;
      if (container.image === "") throw missing("image");
      if (container.resources) {
        checkResources(
          template.id,
          requestedQuantities(template.id, container.resources.requests),
          requestedQuantities(template.id, container.resources.limits),
          platformLimitMap(platformLimits),
        );
      }
      break;
    }
    case "k8sPod": {
      const podSpec = template.target.value.podSpec;
      if (!podSpec) {
        throw invalidArgument(
          "task.pod_spec",
          "invalid TaskSpecification, pod tasks should specify their target as a K8sPod with a defined pod spec",
        );
      }
      const platform = platformLimitMap(platformLimits);
      for (const c of podContainers(podSpec)) {
        checkResources(template.id, resourceList(c, "requests"), resourceList(c, "limits"), platform);
      }
      break;
    }
    default:
      break;
  }
  return template;
}

/**
 * Upstream's whitelist is a map from task type to scopes: a type that is not listed is allowed; a listed type
 * must match one scope (empty project = every project; empty domain = every domain of that project).
 */
function validateTaskType(id: Identifier, taskType: string, whitelist: readonly TaskTypeScope[]): void {
  const scopes = whitelist.filter((s) => s.type === taskType);
  if (scopes.length === 0) return;
  for (const s of scopes) {
    if (s.project === "") return;
    if (s.project !== id.project) continue;
    if (s.domain === "" || s.domain === id.domain) return;
  }
  throw invalidArgument("task.type_not_whitelisted", "task type must be whitelisted before use");
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const badPodSpec = (why: string) => invalidArgument("task.pod_spec", `failed to read the k8s pod spec: ${why}`);

function podContainers(spec: JsonObject): JsonObject[] {
  const containers = spec["containers"];
  if (containers === undefined || containers === null) return [];
  if (!Array.isArray(containers)) throw badPodSpec("containers must be a list");
  return containers.map((c) => {
    if (!isObject(c)) throw badPodSpec("a container must be an object");
    return c;
  });
}

/**
 * A container's `resources.requests|limits` keyed as upstream maps Kubernetes names onto flyteidl ones
 * (upper-cased: cpu, memory, gpu, storage; anything else is UNKNOWN and not checked).
 */
function resourceList(container: JsonObject, kind: "requests" | "limits"): Map<RN, Quantity> {
  const out = new Map<RN, Quantity>();
  const resources = container["resources"];
  if (resources === undefined || resources === null) return out;
  if (!isObject(resources)) throw badPodSpec("resources must be an object");
  const list = resources[kind];
  if (list === undefined || list === null) return out;
  if (!isObject(list)) throw badPodSpec(`resources.${kind} must be an object`);
  for (const [name, value] of Object.entries(list)) {
    if (value === null) continue;
    if (typeof value !== "string" && typeof value !== "number")
      throw badPodSpec(`quantity for ${name} must be a string`);
    let q: Quantity;
    try {
      q = parseQuantity(String(value));
    } catch (err) {
      throw badPodSpec(`${name}: ${(err as Error).message}`);
    }
    const key = RN[name.toUpperCase() as keyof typeof RN];
    out.set(typeof key === "number" ? key : RN.UNKNOWN, q);
  }
  return out;
}

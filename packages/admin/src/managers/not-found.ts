// Every NOT_FOUND the admin managers raise, in one place. The texts are upstream's, word for word: flytekit,
// flytectl and our own tests match on them. Most follow flyteadmin's repository error
// "missing entity of type <type> with identifier <identifier>" (repositories/errors GetMissingEntityError).
import { create } from "@bufbuild/protobuf";
import type { ProjectDomainName, VersionedId } from "@aloft/core";
import { notFound, type AloftError } from "@aloft/core";
import { IdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { describeDatasetKey, type CatalogDatasetKey } from "../repositories/catalog-repo.ts";
import type { NodeExecutionKey } from "../repositories/node-execution-repo.ts";
import { resourceIdText, type ResourceId } from "../repositories/resource-repo.ts";
import type { TaskExecutionKey } from "../repositories/task-execution-repo.ts";
import { executionIdText, identifierText, nodeIdText, taskExecutionIdText } from "../validation/identifier.ts";

function missingEntity(errorId: string, type: string, identifier: string): AloftError {
  return notFound(errorId, `missing entity of type ${type} with identifier ${identifier}`);
}

/** A registered version; the identifier is printed without its resource type, as upstream's repositories do. */
export function versionNotFound(type: "TASK" | "WORKFLOW" | "LAUNCH_PLAN", id: VersionedId): AloftError {
  const plain = create(IdentifierSchema, {
    project: id.project,
    domain: id.domain,
    name: id.name,
    version: id.version,
  });
  return missingEntity(type === "TASK" ? "task.not_found" : "entity.not_found", type, identifierText(plain));
}

export function executionNotFound(id: ProjectDomainName): AloftError {
  return missingEntity("execution.not_found", "execution", executionIdText(id));
}

export function nodeExecutionNotFound(key: NodeExecutionKey): AloftError {
  return missingEntity("node_execution.not_found", "node execution", nodeIdText(key));
}

export function taskExecutionNotFound(key: TaskExecutionKey): AloftError {
  return missingEntity("task_execution.not_found", "task execution", taskExecutionIdText(key));
}

/** A node's parent task execution (dynamic and map-task children); `what` names the node. */
export function parentTaskExecutionNotFound(what: string): AloftError {
  return notFound("task_execution.not_found", `missing entity of type task execution for ${what}`);
}

/** GetActiveLaunchPlan with no ACTIVE version of the name. */
export function noActiveLaunchPlan(id: ProjectDomainName): AloftError {
  return notFound(
    "launch_plan.no_active",
    `No active launch plan could be found: ${id.project}:${id.domain}:${id.name}`,
  );
}

/** GetDynamicNodeWorkflow of a node that did not produce one. */
export function noDynamicWorkflow(): AloftError {
  return notFound("node_execution.no_dynamic_workflow", "node does not contain dynamic workflow");
}

/** SetSignal of a signal nobody created (GetOrCreateSignal comes first). */
export function signalNotFound(): AloftError {
  return notFound("signal.not_found", "signal does not exist");
}

export function projectNotFound(id: string): AloftError {
  return notFound("project.not_found", `project [${id}] not found`);
}

export function resourceNotFound(id: ResourceId): AloftError {
  return notFound("resource.not_found", `Resource [${resourceIdText(id)}] not found`);
}

/** Named entities and description entities: upstream answers their misses with gorm's bare "entry not found". */
export function entryNotFound(entity: "named_entity" | "description_entity"): AloftError {
  return notFound(`${entity}.not_found`, "entry not found");
}

// ---- DataCatalog (datacatalog's own errors package; same wording, its own identifiers) ----

export function datasetNotFound(key: CatalogDatasetKey): AloftError {
  return missingEntity("datacatalog.dataset_not_found", "Dataset", describeDatasetKey(key));
}

export function tagNotFound(name: string): AloftError {
  return missingEntity("datacatalog.tag_not_found", "Tag", `name:"${name}"`);
}

export function artifactNotFound(artifactId: string, dataset: CatalogDatasetKey | undefined): AloftError {
  const where = dataset ? ` dataset:{${describeDatasetKey(dataset)}}` : "";
  return missingEntity("datacatalog.artifact_not_found", "Artifact", `id:"${artifactId}"${where}`);
}

// Identifier checks shared by every registration and read (flyteadmin validation.go ValidateIdentifier & co).
import type { Identifier, ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { ResourceType as RT } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { NamedEntityIdentifier } from "@aloft/idl/flyteidl/admin/common_pb.js";
import type { ProjectDomainName, VersionedId } from "@aloft/core";
import { invalidArgument, missing } from "@aloft/core";

/** Upstream's lower-case names for resource types in messages ("task", "workflow", "launch plan"). */
function resourceTypeName(t: ResourceType): string {
  switch (t) {
    case RT.TASK:
      return "task";
    case RT.WORKFLOW:
      return "workflow";
    case RT.LAUNCH_PLAN:
      return "launch_plan";
    case RT.DATASET:
      return "dataset";
    default:
      return "unspecified";
  }
}

/** Renders an identifier as Go's proto text does in upstream messages: `project:"p" domain:"d" name:"n" version:"v"`. */
export function identifierText(id: Identifier | undefined): string {
  if (!id) return "<nil>";
  const parts: string[] = [];
  if (id.resourceType !== RT.UNSPECIFIED) parts.push(`resource_type:${RT[id.resourceType]}`);
  for (const [k, v] of [
    ["project", id.project],
    ["domain", id.domain],
    ["name", id.name],
    ["version", id.version],
  ] as const) {
    if (v !== "") parts.push(`${k}:${JSON.stringify(v)}`);
  }
  return parts.join(" ");
}

/** Go's `%v` of a WorkflowExecutionIdentifier's fields: `project:"p" domain:"d" name:"n"`. */
export function executionIdText(e: ProjectDomainName): string {
  return `project:${JSON.stringify(e.project)} domain:${JSON.stringify(e.domain)} name:${JSON.stringify(e.name)}`;
}

/** A NodeExecutionIdentifier as upstream prints it: `node_id:"n" execution_id:{project:"p" domain:"d" name:"e"}`. */
export function nodeIdText(key: { execution: ProjectDomainName; nodeId: string }): string {
  return `node_id:${JSON.stringify(key.nodeId)} execution_id:{${executionIdText(key.execution)}}`;
}

/** A TaskExecutionIdentifier as upstream prints it (the task id always with its resource type). */
export function taskExecutionIdText(k: {
  node: { execution: ProjectDomainName; nodeId: string };
  task: VersionedId;
  retryAttempt: number;
}): string {
  const t = k.task;
  const task = `resource_type:TASK project:${JSON.stringify(t.project)} domain:${JSON.stringify(t.domain)} name:${JSON.stringify(t.name)} version:${JSON.stringify(t.version)}`;
  return `task_id:{${task}} node_execution_id:{${nodeIdText(k.node)}} retry_attempt:${k.retryAttempt}`;
}

/** ValidateIdentifier: present, of the expected resource type, then project, domain, name, version non-empty. */
export function validateIdentifier(id: Identifier | undefined, expected: ResourceType): asserts id is Identifier {
  if (!id) throw missing("id");
  if (id.resourceType !== expected) {
    throw invalidArgument(
      "identifier.resource_type",
      `unexpected resource type ${resourceTypeName(id.resourceType)} for identifier [${identifierText(id)}], expected ${resourceTypeName(expected)} instead`,
    );
  }
  validateIdentifierFields(id);
}

/** The field checks without the resource type (for reads where the RPC layer defaults the type). */
export function validateIdentifierFields(id: Identifier): void {
  if (id.project === "") throw missing("project");
  if (id.domain === "") throw missing("domain");
  if (id.name === "") throw missing("name");
  if (id.version === "") throw missing("version");
}

/** ValidateNamedEntityIdentifier: project, domain, name. */
export function validateNamedEntityIdentifier(
  id: NamedEntityIdentifier | undefined,
): asserts id is NamedEntityIdentifier {
  if (!id) throw missing("id");
  if (id.project === "") throw missing("project");
  if (id.domain === "") throw missing("domain");
  if (id.name === "") throw missing("name");
}

/** For List*Ids and other project/domain scoped requests. */
export function validateProjectDomain(project: string, domain: string): void {
  if (project === "") throw missing("project");
  if (domain === "") throw missing("domain");
}

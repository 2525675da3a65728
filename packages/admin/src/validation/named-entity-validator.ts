// Named entity and description entity request checks (flyteadmin named_entity_validator.go, validation.go).
import { invalidArgument, invalidValue, missing } from "@aloft/core";
import type {
  NamedEntityGetRequest,
  NamedEntityListRequest,
  NamedEntityUpdateRequest,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import { NamedEntityState } from "@aloft/idl/flyteidl/admin/common_pb.js";
import type { DescriptionEntityListRequest } from "@aloft/idl/flyteidl/admin/description_entity_pb.js";
import type { ObjectGetRequest } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { validateIdentifierFields, validateNamedEntityIdentifier } from "./identifier.ts";

/** ValidateResourceType: UNSPECIFIED, or a number that names no resource type, is invalid. */
function validateResourceType(t: ResourceType): void {
  if (t === ResourceType.UNSPECIFIED || ResourceType[t] === undefined) throw invalidValue("resource_type");
}

const ARCHIVABLE = new Set<ResourceType>([ResourceType.TASK, ResourceType.WORKFLOW, ResourceType.LAUNCH_PLAN]);

export function validateNamedEntityGetRequest(req: NamedEntityGetRequest): void {
  validateResourceType(req.resourceType);
  validateNamedEntityIdentifier(req.id);
}

export function validateNamedEntityUpdateRequest(req: NamedEntityUpdateRequest): void {
  validateResourceType(req.resourceType);
  validateNamedEntityIdentifier(req.id);
  if (!req.metadata) throw missing("metadata");
  if (req.metadata.state !== NamedEntityState.NAMED_ENTITY_ACTIVE && !ARCHIVABLE.has(req.resourceType)) {
    throw invalidArgument(
      "named_entity.state_not_updatable",
      `Resource [${ResourceType[req.resourceType]}] cannot have its state updated`,
    );
  }
}

/** Project, domain, resource type, limit — in that order (the list parameters come after). */
export function validateNamedEntityListRequest(req: NamedEntityListRequest): void {
  if (req.project === "") throw missing("project");
  if (req.domain === "") throw missing("domain");
  validateResourceType(req.resourceType);
  if (req.limit === 0) throw invalidValue("limit");
}

/** GetDescriptionEntity: resource type, then the full identifier. */
export function validateDescriptionEntityGetRequest(req: ObjectGetRequest): void {
  if (!req.id) throw missing("id");
  validateResourceType(req.id.resourceType);
  validateIdentifierFields(req.id);
}

/** ListDescriptionEntities: id, project, domain, name (required although the HTTP route omits it), limit. */
export function validateDescriptionEntityListRequest(req: DescriptionEntityListRequest): void {
  validateNamedEntityIdentifier(req.id);
  if (req.limit === 0) throw invalidValue("limit");
}

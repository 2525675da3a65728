// Description entity rows ⇄ flyteidl messages (flyteadmin transformers/description_entity.go).
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  DescriptionEntitySchema,
  DescriptionSchema,
  SourceCodeSchema,
  type DescriptionEntity,
} from "@aloft/idl/flyteidl/admin/description_entity_pb.js";
import { IdentifierSchema, type Identifier, type ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { DescriptionEntityRow, NewDescriptionEntityRow } from "../repositories/description-entity-repo.ts";

/**
 * The row written with a task or workflow version, or undefined when its spec carries no description. The resource
 * type is the identifier's unless the caller names it.
 */
export function newDescriptionEntityRow(
  description: DescriptionEntity | undefined,
  id: Identifier,
  resourceType: ResourceType = id.resourceType,
): NewDescriptionEntityRow | undefined {
  if (!description) return undefined;
  return {
    resourceType,
    project: id.project,
    domain: id.domain,
    name: id.name,
    version: id.version,
    shortDescription: description.shortDescription,
    longDescription: description.longDescription ? toBinary(DescriptionSchema, description.longDescription) : null,
    link: description.sourceCode?.link ?? "",
  };
}

export function toDescriptionEntity(row: DescriptionEntityRow): DescriptionEntity {
  return create(DescriptionEntitySchema, {
    id: create(IdentifierSchema, {
      resourceType: row.resourceType,
      project: row.project,
      domain: row.domain,
      name: row.name,
      version: row.version,
    }),
    shortDescription: row.shortDescription,
    // Upstream always answers with a (possibly empty) long description and source code.
    longDescription: fromBinary(DescriptionSchema, row.longDescription ?? new Uint8Array()),
    sourceCode: create(SourceCodeSchema, { link: row.link }),
  });
}

// Named entity rows → flyteidl messages (flyteadmin transformers/named_entity.go).
import { create } from "@bufbuild/protobuf";
import {
  NamedEntityIdentifierSchema,
  NamedEntityMetadataSchema,
  NamedEntitySchema,
  type NamedEntity,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import type { NamedEntityRow } from "../repositories/named-entity-repo.ts";

export function toNamedEntity(row: NamedEntityRow): NamedEntity {
  return create(NamedEntitySchema, {
    resourceType: row.resourceType,
    id: create(NamedEntityIdentifierSchema, { project: row.project, domain: row.domain, name: row.name }),
    metadata: create(NamedEntityMetadataSchema, { description: row.description, state: row.state }),
  });
}

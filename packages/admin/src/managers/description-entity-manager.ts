// Description entities (upstream flyteadmin/pkg/manager/impl/description_entity_manager.go): created with a task or workflow version, read one by id, listed by name.
import { create } from "@bufbuild/protobuf";
import { invalidArgument } from "@aloft/core";
import { Sort_Direction, type ObjectGetRequest, type Sort } from "@aloft/idl/flyteidl/admin/common_pb.js";
import {
  DescriptionEntityListSchema,
  type DescriptionEntity,
  type DescriptionEntityList,
  type DescriptionEntityListRequest,
} from "@aloft/idl/flyteidl/admin/description_entity_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import {
  ENTITIES,
  nextToken,
  parseFilters,
  parseToken,
  type Filter,
  type PrimaryEntity,
  type SortOrder,
} from "../list/index.ts";
import type { DescriptionEntityRepo } from "../repositories/description-entity-repo.ts";
import {
  validateDescriptionEntityGetRequest,
  validateDescriptionEntityListRequest,
} from "../validation/named-entity-validator.ts";
import { toDescriptionEntity } from "../transformers/description-entity-transformer.ts";
import { entryNotFound } from "./not-found.ts";

const TABLE = "description_entities";
/** Columns of the description_entities table (upstream DescriptionEntityColumns). */
const COLUMNS = new Set([
  "id",
  "created_at",
  "updated_at",
  "deleted_at",
  "resource_type",
  "project",
  "domain",
  "name",
  "version",
  "short_description",
  "long_description",
  "link",
]);

export class DescriptionEntityManager {
  constructor(private readonly repo: DescriptionEntityRepo) {}

  async get(req: ObjectGetRequest): Promise<DescriptionEntity> {
    validateDescriptionEntityGetRequest(req);
    const id = req.id!;
    const row = await this.repo.get({
      resourceType: id.resourceType,
      project: id.project,
      domain: id.domain,
      name: id.name,
      version: id.version,
    });
    if (!row) throw entryNotFound("description_entity");
    return toDescriptionEntity(row);
  }

  async list(req: DescriptionEntityListRequest): Promise<DescriptionEntityList> {
    validateDescriptionEntityListRequest(req);
    const id = req.id!;
    const filters = [
      eq("project", id.project),
      eq("domain", id.domain),
      eq("name", id.name),
      ...(req.resourceType !== ResourceType.UNSPECIFIED ? [eq("resource_type", req.resourceType)] : []),
      ...parseFilters(req.filters, entityFor(req.resourceType)).map(onDescriptionTable),
    ];
    const sort = parseDescriptionSort(req.sortBy);
    // Upstream names the wrong RPC in this message; kept for compatibility.
    const offset = parseToken(req.token, "ListWorkflows");
    const rows = await this.repo.list({ filters, sort, limit: req.limit, offset });
    return create(DescriptionEntityListSchema, {
      descriptionEntities: rows.map(toDescriptionEntity),
      token: nextToken(offset, req.limit, rows.length),
    });
  }
}

/** Upstream validates request filters against the entity of the resource type, then applies them to this table. */
function entityFor(t: ResourceType): PrimaryEntity {
  if (t === ResourceType.WORKFLOW) return "workflow";
  if (t === ResourceType.LAUNCH_PLAN) return "launch_plan";
  return "task";
}

function onDescriptionTable(f: Filter): Filter {
  if (!COLUMNS.has(f.column)) {
    throw invalidArgument("filters.invalid_field", `'${ENTITIES[f.entity].code}.${f.column}' is invalid filter`);
  }
  return { ...f, table: TABLE };
}

function eq(column: string, value: string | number): Filter {
  return { entity: "task", table: TABLE, column, fn: "eq", values: [value] };
}

function parseDescriptionSort(sort: Sort | undefined): SortOrder | undefined {
  if (sort === undefined) return undefined;
  if (!COLUMNS.has(sort.key)) throw invalidArgument("sort.invalid_key", `invalid sort key '${sort.key}'`);
  if (sort.direction !== Sort_Direction.ASCENDING && sort.direction !== Sort_Direction.DESCENDING) {
    throw invalidArgument(
      "sort.invalid_direction",
      `invalid sort order specified: key:${JSON.stringify(sort.key)} direction:${sort.direction}`,
    );
  }
  return { table: TABLE, column: sort.key, direction: sort.direction === Sort_Direction.ASCENDING ? "asc" : "desc" };
}

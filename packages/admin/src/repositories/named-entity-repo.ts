// Named entities (upstream flyteadmin/pkg/manager/impl/named_entity_manager.go): the distinct (project, domain, name) of one resource type's table, left-joined with
// the optional named_entity_metadata row. The grouped sub-query is aliased `entities`, as the filter allow-list
// (list/entities.ts) expects; description and state filters address `named_entity_metadata`.
import { sql, type Kysely } from "kysely";
import type { Clock } from "@aloft/core";
import { invalidArgument } from "@aloft/core";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { applyPage, filtersExpression, type Filter, type SortOrder } from "../list/index.ts";
import { withDbErrors } from "./db-errors.ts";
import type { Schema } from "./schema.ts";
import { dateToMicros } from "./timestamps.ts";

/** The table holding the versions of each resource type that has named entities. */
export const NAMED_ENTITY_TABLES: ReadonlyMap<ResourceType, string> = new Map([
  [ResourceType.TASK, "tasks"],
  [ResourceType.WORKFLOW, "workflows"],
  [ResourceType.LAUNCH_PLAN, "launch_plans"],
]);

export interface NamedEntityKey {
  resourceType: ResourceType;
  project: string;
  domain: string;
  name: string;
}

export interface NamedEntityRow extends NamedEntityKey {
  /** "" when there is no metadata row. */
  description: string;
  /** NamedEntityState; 0 (ACTIVE) when there is no metadata row. */
  state: number;
}

export interface NamedEntityListQuery {
  resourceType: ResourceType;
  project: string;
  domain: string;
  filters: Filter[];
  sort?: SortOrder | undefined;
  limit: number;
  offset: number;
}

export interface MetadataUpdate extends NamedEntityKey {
  description: string;
  state: number;
}

// Tables of other resource types are created by their own migrations; address them without the typed schema.
type AnyDb = Kysely<any>;

const META = "named_entity_metadata";

export class NamedEntityRepo {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
  ) {}

  private get any(): AnyDb {
    return this.db as unknown as AnyDb;
  }

  async get(key: NamedEntityKey): Promise<NamedEntityRow | undefined> {
    const table = NAMED_ENTITY_TABLES.get(key.resourceType);
    if (!table) {
      throw invalidArgument(
        "named_entity.resource_type",
        `Cannot get NamedEntityMetadata for resource type: ${ResourceType[key.resourceType] ?? key.resourceType}`,
      );
    }
    const row = await withDbErrors(() =>
      this.any
        .selectFrom(table)
        .leftJoin(META, (j) => metadataJoin(j, key.resourceType, table))
        .select([`${table}.project`, `${table}.domain`, `${table}.name`, `${META}.description`, `${META}.state`])
        .where(`${table}.project`, "=", key.project)
        .where(`${table}.domain`, "=", key.domain)
        .where(`${table}.name`, "=", key.name)
        .where(`${table}.deleted_at`, "is", null)
        .limit(1)
        .executeTakeFirst(),
    );
    return row ? fromDb(row as RawRow, key.resourceType) : undefined;
  }

  /** One page of the distinct names of a project/domain, filtered, in the requested order (then by name). */
  async list(q: NamedEntityListQuery): Promise<NamedEntityRow[]> {
    const table = NAMED_ENTITY_TABLES.get(q.resourceType);
    if (!table) {
      throw invalidArgument(
        "named_entity.resource_type",
        `Cannot list entity names for resource type: ${ResourceType[q.resourceType] ?? q.resourceType}`,
      );
    }
    const grouped = this.any
      .selectFrom(table)
      .select(["project", "domain", "name", sql<number>`cast(${q.resourceType} as integer)`.as("resource_type")])
      .where("project", "=", q.project)
      .where("domain", "=", q.domain)
      .where("deleted_at", "is", null)
      .groupBy(["project", "domain", "name"]);
    let qb = this.any
      .selectFrom(grouped.as("entities"))
      .leftJoin(META, (j) => metadataJoin(j, q.resourceType, "entities"))
      .select(["entities.project", "entities.domain", "entities.name", `${META}.description`, `${META}.state`])
      .where((eb) => filtersExpression(eb, q.filters.map(numericState)));
    if (q.sort && q.sort.column !== "resource_type") {
      // Description and state are read as their defaults when there is no metadata row (NULLs sort differently
      // on the two databases).
      const col = q.sort.column;
      const ref =
        col === "state"
          ? sql`coalesce(${sql.ref(`${META}.state`)}, 0)`
          : col === "description"
            ? sql`coalesce(${sql.ref(`${META}.description`)}, '')`
            : sql.ref(`entities.${col}`);
      qb = qb.orderBy(ref, q.sort.direction);
    }
    qb = applyPage(qb.orderBy("entities.name", "asc"), q.limit, q.offset);
    const rows = await withDbErrors(() => qb.execute());
    return rows.map((r) => fromDb(r as RawRow, q.resourceType));
  }

  /**
   * Creates or updates the metadata row. The state is always written; an empty description leaves a stored
   * one untouched (upstream's gorm `Assign` skips zero values).
   */
  async upsertMetadata(u: MetadataUpdate): Promise<void> {
    const now = dateToMicros(this.clock.now());
    await withDbErrors(() =>
      this.db
        .insertInto("named_entity_metadata")
        .values({
          resource_type: u.resourceType,
          project: u.project,
          domain: u.domain,
          name: u.name,
          description: u.description,
          state: u.state,
          created_at: now,
          updated_at: now,
          deleted_at: null,
        })
        .onConflict((oc) =>
          oc
            .columns(["resource_type", "project", "domain", "name"])
            .doUpdateSet(
              u.description === ""
                ? { state: u.state, updated_at: now }
                : { state: u.state, updated_at: now, description: u.description },
            ),
        )
        .execute(),
    );
  }
}

interface RawRow {
  project: string;
  domain: string;
  name: string;
  description: string | null;
  state: number | string | null;
}

function metadataJoin(j: any, resourceType: ResourceType, table: string) {
  return j
    .on(`${META}.resource_type`, "=", resourceType)
    .onRef(`${META}.project`, "=", `${table}.project`)
    .onRef(`${META}.domain`, "=", `${table}.domain`)
    .onRef(`${META}.name`, "=", `${table}.name`);
}

/**
 * State filters compare `COALESCE(state, 0)` (no metadata row = ACTIVE) against integers: SQLite gives
 * COALESCE no affinity, so a text parameter would never equal the stored integer.
 */
function numericState(f: Filter): Filter {
  if (f.table !== META || f.column !== "state") return f;
  const values = f.values.map((v) => (typeof v === "string" && /^[+-]?\d+$/.test(v) ? Number(v) : v));
  return { ...f, values, defaultValue: 0 };
}

function fromDb(r: RawRow, resourceType: ResourceType): NamedEntityRow {
  return {
    resourceType,
    project: r.project,
    domain: r.domain,
    name: r.name,
    description: r.description ?? "",
    state: r.state === null ? 0 : Number(r.state),
  };
}

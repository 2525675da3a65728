// Persistence of description entities (upstream flyteadmin/pkg/manager/impl/description_entity_manager.go). Rows are written with a task or workflow version; the
// workflow registration calls `insertDescriptionEntity` inside its own transaction.
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Clock } from "@aloft/core";
import { applyOrder, applyPage, filtersExpression, type Filter, type SortOrder } from "../list/index.ts";
import { withDbErrors } from "./db-errors.ts";
import type { DescriptionEntitiesTable, Schema } from "./schema.ts";
import { dateToMicros, microsToDate, type Micros } from "./timestamps.ts";

export interface DescriptionEntityKey {
  /** flyteidl.core.ResourceType (TASK=1, WORKFLOW=2). */
  resourceType: number;
  project: string;
  domain: string;
  name: string;
  version: string;
}

export interface NewDescriptionEntityRow extends DescriptionEntityKey {
  shortDescription: string;
  /** Serialized flyteidl.admin.Description, or null. */
  longDescription: Uint8Array | null;
  link: string;
}

export interface DescriptionEntityRow extends NewDescriptionEntityRow {
  createdAt: Date;
}

export interface DescriptionEntityListQuery {
  /** Every condition, including the implicit project/domain/name (and resource type) filters. */
  filters: Filter[];
  sort?: SortOrder | undefined;
  limit: number;
  offset: number;
}

/** Inserts one row with the given database handle (a transaction of the caller's, or the database itself). */
export async function insertDescriptionEntity(
  db: Kysely<Schema> | Transaction<Schema>,
  row: NewDescriptionEntityRow,
  now: Micros,
): Promise<void> {
  await db
    .insertInto("description_entities")
    .values({
      resource_type: row.resourceType,
      project: row.project,
      domain: row.domain,
      name: row.name,
      version: row.version,
      short_description: row.shortDescription,
      long_description: row.longDescription,
      link: row.link,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    })
    .execute();
}

export class DescriptionEntityRepo {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
  ) {}

  /** A duplicate key is ALREADY_EXISTS. */
  async create(row: NewDescriptionEntityRow): Promise<void> {
    await withDbErrors(() => insertDescriptionEntity(this.db, row, dateToMicros(this.clock.now())));
  }

  async get(key: DescriptionEntityKey): Promise<DescriptionEntityRow | undefined> {
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("description_entities")
        .selectAll()
        .where("resource_type", "=", key.resourceType)
        .where("project", "=", key.project)
        .where("domain", "=", key.domain)
        .where("name", "=", key.name)
        .where("version", "=", key.version)
        .where("deleted_at", "is", null)
        .executeTakeFirst(),
    );
    return row ? fromDb(row) : undefined;
  }

  async list(q: DescriptionEntityListQuery): Promise<DescriptionEntityRow[]> {
    let qb = this.db
      .selectFrom("description_entities")
      .selectAll("description_entities")
      .where("description_entities.deleted_at", "is", null)
      .where((eb) => filtersExpression(eb, q.filters));
    qb = applyPage(applyOrder(qb, q.sort, "description_entities"), q.limit, q.offset);
    const rows = await withDbErrors(() => qb.execute());
    return rows.map(fromDb);
  }
}

function fromDb(r: Selectable<DescriptionEntitiesTable>): DescriptionEntityRow {
  const bytes = r.long_description;
  return {
    resourceType: Number(r.resource_type),
    project: r.project,
    domain: r.domain,
    name: r.name,
    version: r.version,
    shortDescription: r.short_description,
    longDescription:
      bytes === null ? null : new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
    link: r.link,
    createdAt: microsToDate(r.created_at),
  };
}

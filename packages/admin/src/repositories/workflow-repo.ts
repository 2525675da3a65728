// Persistence of workflows (upstream flyteadmin/pkg/manager/impl/workflow_manager.go). Rows in, rows out; the compiled closure itself lives in the blob store.
import type { Kysely, Selectable } from "kysely";
import { sql } from "kysely";
import type { Clock } from "@aloft/core";
import type { ProjectDomainName, VersionedId } from "@aloft/core";
import { applyOrder, applyPage, filtersExpression, type Filter, type SortOrder } from "../list/index.ts";
import { withDbErrors } from "./db-errors.ts";
import type { Schema, WorkflowsTable } from "./schema.ts";
import { dateToMicros, microsToDate } from "./timestamps.ts";
import { findVersion } from "./version-lookup.ts";

export interface WorkflowRow extends VersionedId {
  /** Database id (launch_plans.workflow_id points here). */
  id: number;
  typedInterface: Uint8Array | null;
  remoteClosureIdentifier: string;
  digest: string;
  shortDescription: string;
  createdAt: Date;
  updatedAt: Date;
}

export type NewWorkflowRow = Omit<WorkflowRow, "id" | "createdAt" | "updatedAt">;

export interface EntityListQuery {
  /** Already validated and table-qualified (list/index.ts); the manager adds the identifier filters. */
  filters: Filter[];
  sort?: SortOrder | undefined;
  /** 0 = unlimited. */
  limit: number;
  offset: number;
}

/** Work to do in the same transaction as an insert (e.g. the description entity row). */
export type InTransaction = (db: Kysely<Schema>) => Promise<void>;

export class WorkflowRepo {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
  ) {}

  /** Inserts a workflow (and runs `alsoInTransaction` in the same transaction); a duplicate id is ALREADY_EXISTS. */
  async create(row: NewWorkflowRow, alsoInTransaction?: InTransaction): Promise<WorkflowRow> {
    const now = dateToMicros(this.clock.now());
    const values = {
      project: row.project,
      domain: row.domain,
      name: row.name,
      version: row.version,
      typed_interface: row.typedInterface,
      remote_closure_identifier: row.remoteClosureIdentifier,
      digest: row.digest,
      short_description: row.shortDescription,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    };
    const inserted = await withDbErrors(() =>
      this.db.transaction().execute(async (tx) => {
        const r = await tx.insertInto("workflows").values(values).returningAll().executeTakeFirstOrThrow();
        if (alsoInTransaction) await alsoInTransaction(tx);
        return r;
      }),
    );
    return fromDb(inserted);
  }

  async get(key: VersionedId): Promise<WorkflowRow | undefined> {
    const row = await findVersion(this.db, "workflows", key);
    return row ? fromDb(row) : undefined;
  }

  async getById(id: number): Promise<WorkflowRow | undefined> {
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("workflows")
        .selectAll()
        .where("id", "=", id)
        .where("deleted_at", "is", null)
        .executeTakeFirst(),
    );
    return row ? fromDb(row) : undefined;
  }

  async list(q: EntityListQuery): Promise<WorkflowRow[]> {
    let qb = this.db
      .selectFrom("workflows")
      .selectAll("workflows")
      .where("workflows.deleted_at", "is", null)
      .where((eb) => filtersExpression(eb, q.filters));
    qb = applyPage(applyOrder(qb, q.sort, "workflows"), q.limit, q.offset);
    const rows = await withDbErrors(() => qb.execute());
    return rows.map(fromDb);
  }

  /** Distinct (project, domain, name) of the matching workflows, paginated over the groups. */
  async listIds(q: EntityListQuery): Promise<ProjectDomainName[]> {
    return listNamedEntityIds(this.db, "workflows", q);
  }
}

/**
 * The List*Ids query shared by workflows and launch plans: GROUP BY (project, domain, name). A sort on another
 * column orders the groups by that column's max (descending) or min (ascending), which PostgreSQL accepts.
 */
export async function listNamedEntityIds(
  db: Kysely<Schema>,
  table: "workflows" | "launch_plans",
  q: EntityListQuery,
): Promise<ProjectDomainName[]> {
  const col = (c: string) => sql.ref(`${table}.${c}`);
  let qb = db
    .selectFrom(table)
    .select([
      sql<string>`${col("project")}`.as("project"),
      sql<string>`${col("domain")}`.as("domain"),
      sql<string>`${col("name")}`.as("name"),
    ])
    .where(sql.ref(`${table}.deleted_at`), "is", null)
    .where((eb) => filtersExpression(eb, q.filters))
    .groupBy([col("project"), col("domain"), col("name")]);
  if (q.sort) {
    const target = col(q.sort.column);
    const grouped = ["project", "domain", "name"].includes(q.sort.column);
    const key = grouped ? target : q.sort.direction === "desc" ? sql`max(${target})` : sql`min(${target})`;
    qb = qb.orderBy(key, q.sort.direction);
  }
  qb = qb.orderBy(col("project"), "asc").orderBy(col("domain"), "asc").orderBy(col("name"), "asc");
  qb = applyPage(qb, q.limit, q.offset);
  const rows = await withDbErrors(() => qb.execute());
  return rows.map((r) => ({ project: r.project, domain: r.domain, name: r.name }));
}

export function toBytes(v: Uint8Array | null): Uint8Array | null {
  if (v === null) return null;
  // Drivers return Buffers; hand out plain Uint8Arrays.
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

function fromDb(r: Selectable<WorkflowsTable>): WorkflowRow {
  return {
    id: Number(r.id),
    project: r.project,
    domain: r.domain,
    name: r.name,
    version: r.version,
    typedInterface: toBytes(r.typed_interface),
    remoteClosureIdentifier: r.remote_closure_identifier,
    digest: r.digest,
    shortDescription: r.short_description,
    createdAt: microsToDate(r.created_at),
    updatedAt: microsToDate(r.updated_at),
  };
}

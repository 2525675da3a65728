// Persistence of projects (upstream flyteadmin/pkg/manager/impl/project_manager.go). Rows in, rows out; the manager turns them into flyteidl messages.
import type { Kysely, Selectable, Updateable } from "kysely";
import type { Clock } from "@aloft/core";
import { applyOrder, applyPage, filtersExpression, type Filter, type SortOrder } from "../list/index.ts";
import { withDbErrors } from "./db-errors.ts";
import type { ProjectsTable, Schema } from "./schema.ts";
import { dateToMicros, microsToDate } from "./timestamps.ts";

export interface ProjectRow {
  identifier: string;
  name: string;
  description: string;
  labels: Uint8Array | null;
  state: number;
  createdAt: Date;
  updatedAt: Date;
}

export type NewProjectRow = Omit<ProjectRow, "createdAt" | "updatedAt">;
export type ProjectPatch = Partial<Pick<ProjectRow, "name" | "description" | "labels" | "state">>;

export interface ListQuery {
  filters: Filter[];
  sort?: SortOrder | undefined;
  /** 0 = unlimited. */
  limit: number;
  offset: number;
}

const ARCHIVED = 1;

export class ProjectRepo {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
  ) {}

  /** Inserts a project; a duplicate identifier is ALREADY_EXISTS. */
  async create(row: NewProjectRow): Promise<void> {
    const now = dateToMicros(this.clock.now());
    await withDbErrors(
      () => this.db.insertInto("projects").values(toInsert(row, now)).execute(),
      // Upstream's text on PostgreSQL (its projects table is keyed by identifier), the same on both databases.
      'value with matching already exists (duplicate key value violates unique constraint "projects_pkey")',
    );
  }

  /** Inserts unless a project with this identifier exists; true when it inserted. */
  async createIfAbsent(row: NewProjectRow): Promise<boolean> {
    const now = dateToMicros(this.clock.now());
    const result = await withDbErrors(() =>
      this.db
        .insertInto("projects")
        .values(toInsert(row, now))
        .onConflict((oc) => oc.column("identifier").doNothing())
        .executeTakeFirst(),
    );
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async get(identifier: string): Promise<ProjectRow | undefined> {
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("projects")
        .selectAll()
        .where("identifier", "=", identifier)
        .where("deleted_at", "is", null)
        .executeTakeFirst(),
    );
    return row ? fromDb(row) : undefined;
  }

  /** Writes the given fields (undefined ones are left alone) and updated_at; false when no such project. */
  async update(identifier: string, patch: ProjectPatch): Promise<boolean> {
    const set: Updateable<ProjectsTable> = {
      updated_at: dateToMicros(this.clock.now()),
    };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.labels !== undefined) set.labels = patch.labels;
    if (patch.state !== undefined) set.state = patch.state;
    const result = await withDbErrors(() =>
      this.db
        .updateTable("projects")
        .set(set)
        .where("identifier", "=", identifier)
        .where("deleted_at", "is", null)
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) > 0;
  }

  /** Lists projects; without any filter, archived projects are hidden (upstream behaviour). */
  async list(q: ListQuery): Promise<ProjectRow[]> {
    let qb = this.db.selectFrom("projects").selectAll("projects").where("projects.deleted_at", "is", null);
    if (q.filters.length === 0) qb = qb.where("projects.state", "<>", ARCHIVED);
    else qb = qb.where((eb) => filtersExpression(eb, q.filters));
    qb = applyPage(applyOrder(qb, q.sort, "projects"), q.limit, q.offset);
    const rows = await withDbErrors(() => qb.execute());
    return rows.map(fromDb);
  }
}

function toInsert(row: NewProjectRow, now: number) {
  return {
    identifier: row.identifier,
    name: row.name,
    description: row.description,
    labels: row.labels,
    state: row.state,
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
}

function toBytes(v: Uint8Array | null): Uint8Array | null {
  if (v === null) return null;
  // Drivers return Buffers; hand out plain Uint8Arrays.
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

function fromDb(r: Selectable<ProjectsTable>): ProjectRow {
  return {
    identifier: r.identifier,
    name: r.name,
    description: r.description,
    labels: toBytes(r.labels),
    state: Number(r.state),
    createdAt: microsToDate(r.created_at),
    updatedAt: microsToDate(r.updated_at),
  };
}

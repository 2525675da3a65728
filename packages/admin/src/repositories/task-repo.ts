// Persistence of task versions (upstream flyteadmin/pkg/manager/impl/task_manager.go): rows in, rows out. The manager turns rows into flyteidl messages.
import { sql, type Kysely, type Selectable } from "kysely";
import type { Clock } from "@aloft/core";
import type { ProjectDomainName, VersionedId } from "@aloft/core";
import type { CompiledTask } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { compiledTaskOf } from "../transformers/task-transformer.ts";
import { applyOrder, applyPage, filtersExpression, type Filter, type SortOrder } from "../list/index.ts";
import { insertDescriptionEntity, type NewDescriptionEntityRow } from "./description-entity-repo.ts";
import { withDbErrors } from "./db-errors.ts";
import type { Schema, TasksTable } from "./schema.ts";
import { dateToMicros, microsToDate } from "./timestamps.ts";
import { findVersion } from "./version-lookup.ts";

export interface TaskRow extends VersionedId {
  /** Serialized flyteidl.admin.TaskClosure. */
  closure: Uint8Array;
  digest: string;
  type: string;
  shortDescription: string;
  createdAt: Date;
}

export type NewTaskRow = Omit<TaskRow, "createdAt">;

export interface TaskListQuery {
  /** Every condition, including the implicit project/domain[/name] filters. */
  filters: Filter[];
  sort?: SortOrder | undefined;
  limit: number;
  offset: number;
}

export class TaskRepo {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
  ) {}

  /**
   * Inserts a task version and, when given, its description entity, in one transaction.
   * A duplicate version is ALREADY_EXISTS (the manager then compares digests).
   */
  async create(row: NewTaskRow, description?: NewDescriptionEntityRow): Promise<void> {
    const now = dateToMicros(this.clock.now());
    await withDbErrors(() =>
      this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto("tasks")
          .values({
            project: row.project,
            domain: row.domain,
            name: row.name,
            version: row.version,
            closure: row.closure,
            digest: row.digest,
            type: row.type,
            short_description: row.shortDescription,
            created_at: now,
            updated_at: now,
            deleted_at: null,
          })
          .execute();
        if (description) await insertDescriptionEntity(trx, description, now);
      }),
    );
  }

  async get(key: VersionedId): Promise<TaskRow | undefined> {
    const row = await findVersion(this.db, "tasks", key);
    return row ? fromDb(row) : undefined;
  }

  /**
   * The stored CompiledTask of an exact version, or undefined when there is no such task. (The composition root
   * hands this to workflow registration; it belongs on TaskManager, which has the same method.)
   */
  async getCompiledTask(key: VersionedId): Promise<CompiledTask | undefined> {
    const row = await this.get(key);
    return row ? compiledTaskOf(row) : undefined;
  }

  /** Task versions matching the filters, in the requested order (then by id), one page. */
  async list(q: TaskListQuery): Promise<TaskRow[]> {
    let qb = this.db
      .selectFrom("tasks")
      .selectAll("tasks")
      .where("tasks.deleted_at", "is", null)
      .where((eb) => filtersExpression(eb, q.filters));
    qb = applyPage(applyOrder(qb, q.sort, "tasks"), q.limit, q.offset);
    const rows = await withDbErrors(() => qb.execute());
    return rows.map(fromDb);
  }

  /**
   * Distinct (project, domain, name) of the tasks matching the filters; the page is taken over the groups.
   * A sort on a column outside the group orders by its latest (descending) or earliest (ascending) value.
   */
  async listNames(q: TaskListQuery): Promise<ProjectDomainName[]> {
    let qb = this.db
      .selectFrom("tasks")
      .select(["tasks.project", "tasks.domain", "tasks.name"])
      .where("tasks.deleted_at", "is", null)
      .where((eb) => filtersExpression(eb, q.filters))
      .groupBy(["tasks.project", "tasks.domain", "tasks.name"]);
    if (q.sort) {
      const ref = sql.ref(`${q.sort.table}.${q.sort.column}`);
      if (GROUP_COLUMNS.has(q.sort.column)) qb = qb.orderBy(ref, q.sort.direction);
      else qb = qb.orderBy(q.sort.direction === "desc" ? sql`max(${ref})` : sql`min(${ref})`, q.sort.direction);
    }
    qb = qb.orderBy("tasks.project", "asc").orderBy("tasks.domain", "asc").orderBy("tasks.name", "asc");
    qb = applyPage(qb, q.limit, q.offset);
    const rows = await withDbErrors(() => qb.execute());
    return rows.map((r) => ({ project: r.project, domain: r.domain, name: r.name }));
  }
}

const GROUP_COLUMNS = new Set(["project", "domain", "name"]);

/** Drivers return Buffers; hand out plain Uint8Arrays. */
export function plainBytes(v: Uint8Array): Uint8Array {
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

function fromDb(r: Selectable<TasksTable>): TaskRow {
  return {
    project: r.project,
    domain: r.domain,
    name: r.name,
    version: r.version,
    closure: plainBytes(r.closure),
    digest: r.digest,
    type: r.type,
    shortDescription: r.short_description,
    createdAt: microsToDate(r.created_at),
  };
}

// Persistence of workflow executions and their tags (upstream flyteadmin/pkg/manager/impl/execution_manager.go). Rows in, rows out (the table's own shape);
// the managers turn them into flyteidl messages. Lists join launch plans, workflows, tasks and tags only when the
// filters reference them.
import type { Insertable, Kysely, Selectable, Updateable } from "kysely";
import { sql } from "kysely";
import type { ProjectDomainName, VersionedId } from "@aloft/core";
import {
  afterExpression,
  applyOrder,
  applyPage,
  filtersExpression,
  type Cursor,
  type EntityName,
  type Filter,
  type SortOrder,
} from "../list/index.ts";
import { withDbErrors } from "./db-errors.ts";
import type { ExecutionsTable, Schema } from "./schema.ts";
import { findVersion } from "./version-lookup.ts";

export type ExecutionRow = Selectable<ExecutionsTable>;
export type NewExecutionRow = Omit<
  Insertable<ExecutionsTable>,
  "id" | "created_at" | "updated_at" | "deleted_at" | "launch_plan_name" | "workflow_name" | "execution_created_at"
>;
export type ExecutionPatch = Omit<
  Updateable<ExecutionsTable>,
  | "id"
  | "created_at"
  | "execution_project"
  | "execution_domain"
  | "execution_name"
  | "launch_plan_id"
  | "workflow_id"
  | "launch_plan_name"
  | "workflow_name"
>;

export interface ExecutionTag {
  key: string;
  value: string;
}

export interface ExecutionListQuery {
  /** Validated, table-qualified filters including the implicit project/domain[/name] and state filters. */
  filters: Filter[];
  sort?: SortOrder | undefined;
  limit: number;
  offset: number;
  /** Entities the filters reference besides executions (from parseListParams). */
  joins: EntityName[];
  /** Keyset pagination: only rows after this one in the sort order (from a cursor token). */
  after?: Cursor | undefined;
}

export class ExecutionRepo {
  constructor(private readonly db: Kysely<Schema>) {}

  /** Inserts an execution and its tags in one transaction; a duplicate name is ALREADY_EXISTS. */
  async create(row: NewExecutionRow, tags: ExecutionTag[], nowMicros: number): Promise<ExecutionRow> {
    return withDbErrors(() =>
      this.db.transaction().execute(async (tx) => {
        const inserted = await tx
          .insertInto("executions")
          .values({
            ...row,
            // The same instant in both: list() bounds one by a range filter on the other (see mirrorTimeRange).
            created_at: nowMicros,
            execution_created_at: nowMicros,
            updated_at: nowMicros,
            deleted_at: null,
            // Copied for the indexed `launch_plan.name` / `workflow.name` filters (see list()).
            launch_plan_name:
              row.launch_plan_id == null
                ? null
                : sql<string>`(select name from launch_plans where id = ${row.launch_plan_id})`,
            workflow_name:
              row.workflow_id == null ? null : sql<string>`(select name from workflows where id = ${row.workflow_id})`,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const unique = new Map(tags.map((t) => [`${t.key}\u0000${t.value}`, t]));
        if (unique.size > 0) {
          await tx
            .insertInto("execution_tags")
            .values(
              [...unique.values()].map((t) => ({
                created_at: nowMicros,
                updated_at: nowMicros,
                deleted_at: null,
                execution_project: row.execution_project,
                execution_domain: row.execution_domain,
                execution_name: row.execution_name,
                key: t.key,
                value: t.value,
              })),
            )
            .execute();
        }
        return inserted;
      }),
    );
  }

  async get(key: ProjectDomainName): Promise<ExecutionRow | undefined> {
    return withDbErrors(() =>
      this.db
        .selectFrom("executions")
        .selectAll()
        .where("execution_project", "=", key.project)
        .where("execution_domain", "=", key.domain)
        .where("execution_name", "=", key.name)
        .where("deleted_at", "is", null)
        .executeTakeFirst(),
    );
  }

  async getById(id: number): Promise<ExecutionRow | undefined> {
    return withDbErrors(() => this.db.selectFrom("executions").selectAll().where("id", "=", id).executeTakeFirst());
  }

  /**
   * Writes `patch` to the row. With `expected`, only if the stored phase (and updated_at, when given) are still
   * those read before — a compare-and-set against concurrent events and updates; returns whether a row changed.
   * `db`: where the write runs (a group commit's transaction); the repository's database by default.
   */
  async update(
    id: number,
    patch: ExecutionPatch,
    nowMicros: number,
    expected?: { phase: string; updatedAt?: number },
    db = this.db,
  ): Promise<boolean> {
    let qb = db
      .updateTable("executions")
      .set({ ...patch, updated_at: nowMicros })
      .where("id", "=", id);
    if (expected !== undefined) qb = qb.where("phase", "=", expected.phase);
    if (expected?.updatedAt !== undefined) qb = qb.where("updated_at", "=", expected.updatedAt);
    const res = await withDbErrors(() => qb.executeTakeFirst());
    return Number(res.numUpdatedRows) > 0;
  }

  async list(q: ExecutionListQuery): Promise<ExecutionRow[]> {
    let qb = this.db.selectFrom("executions").where("executions.deleted_at", "is", null);
    const filters = mirrorTimeRange(q.filters.map(onCopiedName));
    const joins = new Set(q.joins);
    // A name filter reads the copied column (same result: a null copy fails every comparison, as the inner join drops
    // the row); the join stays only for the entity's other columns.
    if (!filters.some((f) => f.table === "launch_plans")) joins.delete("launch_plan");
    if (!filters.some((f) => f.table === "workflows")) joins.delete("workflow");
    if (joins.has("launch_plan")) qb = qb.innerJoin("launch_plans", "launch_plans.id", "executions.launch_plan_id");
    if (joins.has("workflow")) qb = qb.innerJoin("workflows", "workflows.id", "executions.workflow_id");
    if (joins.has("task")) qb = qb.innerJoin("tasks", "tasks.id", "executions.task_id");
    const tagJoin = joins.has("execution_tag") || joins.has("admin_tag");
    if (tagJoin) {
      qb = qb.innerJoin("execution_tags", (j) =>
        j
          .onRef("execution_tags.execution_project", "=", "executions.execution_project")
          .onRef("execution_tags.execution_domain", "=", "executions.execution_domain")
          .onRef("execution_tags.execution_name", "=", "executions.execution_name"),
      );
      // Several matching tags of one execution must not repeat it.
      qb = qb.distinct();
    }
    const after = q.after;
    const scoped = (fs: Filter[]) => {
      const x = qb.where((eb) => filtersExpression(eb, fs));
      return after ? x.where((eb) => afterExpression(eb, q.sort, "executions", after)) : x;
    };
    const split = tagJoin || q.offset >= DEEP_OFFSET ? -1 : filters.findIndex(splittable);
    if (split >= 0) {
      // `value_in` on an indexed column: one ordered index range per value, each cut at the page's end, merged. The
      // single IN query would read and sort every matching row of every value.
      const f = filters[split]!;
      const rest = filters.filter((_, i) => i !== split);
      const branches = [...new Set(f.values)].map((v, i) =>
        this.db
          .selectFrom(
            applyPage(
              applyOrder(
                scoped([...rest, { ...f, fn: "eq", values: [v] }]).selectAll("executions"),
                q.sort,
                "executions",
              ),
              q.offset + q.limit,
              0,
            ).as(`b${i}`),
          )
          .selectAll(),
      );
      const union = branches.slice(1).reduce((u, b) => u.unionAll(b), branches[0]!);
      const page = applyPage(
        applyOrder(this.db.selectFrom(union.as("executions")).selectAll(), q.sort, "executions"),
        q.limit,
        q.offset,
      );
      return withDbErrors(() => page.execute());
    }
    const where = scoped(filters);
    if (tagJoin || q.offset < DEEP_OFFSET) {
      const page = applyPage(applyOrder(where.selectAll("executions"), q.sort, "executions"), q.limit, q.offset);
      return withDbErrors(() => page.execute());
    }
    // A deep offset skips its rows in the index alone (the ids), then reads only the page's rows.
    const ids = applyPage(applyOrder(where.select("executions.id"), q.sort, "executions"), q.limit, q.offset);
    const page = applyOrder(
      this.db.selectFrom("executions").selectAll("executions").where("executions.id", "in", ids),
      q.sort,
      "executions",
    );
    return withDbErrors(() => page.execute());
  }

  /** Executions still in `phase` that were created before `beforeMicros`, oldest first (the launch reconciler). */
  async listInPhaseCreatedBefore(phase: string, beforeMicros: number, limit: number): Promise<ExecutionRow[]> {
    return withDbErrors(() =>
      this.db
        .selectFrom("executions")
        .selectAll()
        .where("phase", "=", phase)
        .where("created_at", "<", beforeMicros)
        .where("deleted_at", "is", null)
        .orderBy("id", "asc")
        .limit(limit)
        .execute(),
    );
  }

  /** Executions of any version of a launch plan name that are QUEUED or RUNNING (the concurrency policy). */
  async countActiveForLaunchPlan(project: string, domain: string, launchPlanName: string): Promise<number> {
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("executions")
        .innerJoin("launch_plans", "launch_plans.id", "executions.launch_plan_id")
        .select(sql<number>`count(*)`.as("n"))
        .where("executions.execution_project", "=", project)
        .where("executions.execution_domain", "=", domain)
        .where("launch_plans.name", "=", launchPlanName)
        .where("executions.phase", "in", ["QUEUED", "RUNNING"])
        .where("executions.deleted_at", "is", null)
        .executeTakeFirst(),
    );
    return Number(row?.n ?? 0);
  }

  /** The tags of an execution, in insertion order. */
  async tags(key: ProjectDomainName): Promise<ExecutionTag[]> {
    const rows = await withDbErrors(() =>
      this.db
        .selectFrom("execution_tags")
        .select(["key", "value"])
        .where("execution_project", "=", key.project)
        .where("execution_domain", "=", key.domain)
        .where("execution_name", "=", key.name)
        .orderBy("id", "asc")
        .execute(),
    );
    return rows.map((r) => ({ key: r.key, value: r.value }));
  }

  /** Database ids of registered entities, for the execution's foreign-key columns (undefined when absent). */
  async entityIds(ids: {
    launchPlan?: VersionedId | undefined;
    workflow?: VersionedId | undefined;
    task?: VersionedId | undefined;
  }): Promise<{ launchPlanId?: number; workflowId?: number; taskId?: number }> {
    const out: { launchPlanId?: number; workflowId?: number; taskId?: number } = {};
    const one = async (table: "launch_plans" | "workflows" | "tasks", k: VersionedId) => {
      // Nothing soft-deletes versions, so the live-row lookup finds every registered one.
      const r = await findVersion(this.db, table, k);
      return r ? Number(r.id) : undefined;
    };
    if (ids.launchPlan) {
      const v = await one("launch_plans", ids.launchPlan);
      if (v !== undefined) out.launchPlanId = v;
    }
    if (ids.workflow) {
      const v = await one("workflows", ids.workflow);
      if (v !== undefined) out.workflowId = v;
    }
    if (ids.task) {
      const v = await one("tasks", ids.task);
      if (v !== undefined) out.taskId = v;
    }
    return out;
  }
}

/** From this offset on, a page is found by ids first (see list()). */
const DEEP_OFFSET = 1000;

/** Columns that lead an index after (project, domain): a `value_in` on them is answered one index range per value. */
const SPLIT_COLUMNS = new Set(["phase", "launch_plan_name", "workflow_name"]);

function splittable(f: Filter): boolean {
  return (
    f.fn === "value_in" &&
    f.table === "executions" &&
    SPLIT_COLUMNS.has(f.column) &&
    f.defaultValue === undefined &&
    f.values.length > 1 &&
    f.values.length <= 16
  );
}

const COPIED_NAMES: Readonly<Record<string, string>> = { launch_plans: "launch_plan_name", workflows: "workflow_name" };

function onCopiedName(f: Filter): Filter {
  const column = f.column === "name" ? COPIED_NAMES[f.table] : undefined;
  return column === undefined ? f : { ...f, entity: "execution", table: "executions", column };
}

/** The two creation-time columns of an execution: both written from the same instant by create(). */
const CREATION_TIMES: Readonly<Record<string, string>> = {
  created_at: "execution_created_at",
  execution_created_at: "created_at",
};
const RANGE_FUNCTIONS = new Set(["eq", "gt", "gte", "lt", "lte"]);

/**
 * A range filter on one creation-time column is repeated on the other (the same rows, since both hold the same value):
 * a page sorted by `created_at` then reads its range from the (project, domain, created_at) index instead of walking
 * that index from the newest row and discarding every row outside the range (PostgreSQL chose that: 601 ms at 1M).
 */
function mirrorTimeRange(filters: Filter[]): Filter[] {
  const mirrored = filters.flatMap((f) => {
    const other = f.table === "executions" ? CREATION_TIMES[f.column] : undefined;
    if (other === undefined || !RANGE_FUNCTIONS.has(f.fn) || f.defaultValue !== undefined) return [];
    if (filters.some((g) => g.table === "executions" && g.column === other && g.fn === f.fn)) return [];
    return [{ ...f, column: other }];
  });
  return mirrored.length === 0 ? filters : [...filters, ...mirrored];
}

/** A write time (µs) after the row's previous one, so that (phase, updated_at) identifies each written state. */
export function nextWriteMicros(nowMicros: number, row: { updated_at: number }): number {
  return Math.max(nowMicros, row.updated_at + 1);
}

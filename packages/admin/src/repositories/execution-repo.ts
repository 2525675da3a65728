// Persistence of workflow executions and their tags (upstream flyteadmin/pkg/manager/impl/execution_manager.go). Rows in, rows out (the table's own shape);
// the managers turn them into flyteidl messages. Lists join launch plans, workflows, tasks and tags only when the
// filters reference them.
import type { Insertable, Kysely, Selectable, Updateable } from "kysely";
import { sql } from "kysely";
import type { ProjectDomainName, VersionedId } from "@aloft/core";
import {
  applyOrder,
  applyPage,
  filtersExpression,
  type EntityName,
  type Filter,
  type SortOrder,
} from "../list/index.ts";
import { withDbErrors } from "./db-errors.ts";
import type { ExecutionsTable, Schema } from "./schema.ts";
import { findVersion } from "./version-lookup.ts";

export type ExecutionRow = Selectable<ExecutionsTable>;
export type NewExecutionRow = Omit<Insertable<ExecutionsTable>, "id" | "created_at" | "updated_at" | "deleted_at">;
export type ExecutionPatch = Omit<
  Updateable<ExecutionsTable>,
  "id" | "created_at" | "execution_project" | "execution_domain" | "execution_name"
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
}

export class ExecutionRepo {
  constructor(private readonly db: Kysely<Schema>) {}

  /** Inserts an execution and its tags in one transaction; a duplicate name is ALREADY_EXISTS. */
  async create(row: NewExecutionRow, tags: ExecutionTag[], nowMicros: number): Promise<ExecutionRow> {
    return withDbErrors(() =>
      this.db.transaction().execute(async (tx) => {
        const inserted = await tx
          .insertInto("executions")
          .values({ ...row, created_at: nowMicros, updated_at: nowMicros, deleted_at: null })
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
   */
  async update(
    id: number,
    patch: ExecutionPatch,
    nowMicros: number,
    expected?: { phase: string; updatedAt?: number },
  ): Promise<boolean> {
    let qb = this.db
      .updateTable("executions")
      .set({ ...patch, updated_at: nowMicros })
      .where("id", "=", id);
    if (expected !== undefined) qb = qb.where("phase", "=", expected.phase);
    if (expected?.updatedAt !== undefined) qb = qb.where("updated_at", "=", expected.updatedAt);
    const res = await withDbErrors(() => qb.executeTakeFirst());
    return Number(res.numUpdatedRows) > 0;
  }

  async list(q: ExecutionListQuery): Promise<ExecutionRow[]> {
    let qb = this.db.selectFrom("executions").selectAll("executions").where("executions.deleted_at", "is", null);
    const joins = new Set(q.joins);
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
    qb = qb.where((eb) => filtersExpression(eb, q.filters));
    qb = applyPage(applyOrder(qb, q.sort, "executions"), q.limit, q.offset);
    return withDbErrors(() => qb.execute());
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

/** A write time (µs) after the row's previous one, so that (phase, updated_at) identifies each written state. */
export function nextWriteMicros(nowMicros: number, row: { updated_at: number }): number {
  return Math.max(nowMicros, row.updated_at + 1);
}

// Persistence of task executions (upstream flyteadmin/pkg/manager/impl/task_execution_manager.go), keyed by (node execution, task id, retry attempt). Event ingestion
// reads the workflow execution, the parent node execution and the task execution in one query.
import type { Kysely, Selectable, Updateable } from "kysely";
import { sql } from "kysely";
import type { VersionedId } from "@aloft/core";
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
import { executeWrite } from "./direct-writes.ts";
import { WriteSql, insertedId } from "./write-sql.ts";
import type { NodeExecutionKey } from "./node-execution-repo.ts";
import type { Schema, TaskExecutionsTable } from "./schema.ts";

export type TaskExecutionRow = Selectable<TaskExecutionsTable>;
/** A row with whether any node execution names it as its parent task execution (dynamic / map-task children). */
export type TaskExecutionListRow = TaskExecutionRow & { is_parent: boolean };
/** Every column but the id and the times: create returns the row from these values (only the id is read back). */
export type NewTaskExecutionRow = Omit<TaskExecutionRow, "id" | "created_at" | "updated_at" | "deleted_at">;
export type TaskExecutionPatch = Pick<
  Updateable<TaskExecutionsTable>,
  "phase" | "phase_version" | "closure" | "started_at" | "task_execution_updated_at" | "duration" | "input_uri"
>;

export interface TaskExecutionKey {
  node: NodeExecutionKey;
  task: VersionedId;
  retryAttempt: number;
}

export interface TaskEventContext {
  execution?: { id: number; cluster: string } | undefined;
  /** The parent node execution's id, when it exists. */
  nodeExecutionId?: number | undefined;
  task?: TaskExecutionRow | undefined;
}

export interface TaskExecutionListQuery {
  filters: Filter[];
  sort?: SortOrder | undefined;
  limit: number;
  offset: number;
  joins: EntityName[];
  /** Keyset pagination: only rows after this one in the sort order (from a cursor token). */
  after?: Cursor | undefined;
}

export class TaskExecutionRepo {
  private readonly writes: WriteSql;
  constructor(private readonly db: Kysely<Schema>) {
    this.writes = new WriteSql(db);
  }

  /** Workflow execution, parent node execution and task execution, in one round trip. */
  async lookupForEvent(key: TaskExecutionKey): Promise<TaskEventContext> {
    const e = key.node.execution;
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("executions as e")
        .leftJoin("node_executions as n", (j) =>
          j
            .onRef("n.execution_project", "=", "e.execution_project")
            .onRef("n.execution_domain", "=", "e.execution_domain")
            .onRef("n.execution_name", "=", "e.execution_name")
            .on("n.node_id", "=", key.node.nodeId),
        )
        .leftJoin("task_executions as t", (j) =>
          j
            .onRef("t.execution_project", "=", "e.execution_project")
            .onRef("t.execution_domain", "=", "e.execution_domain")
            .onRef("t.execution_name", "=", "e.execution_name")
            .on("t.node_id", "=", key.node.nodeId)
            .on("t.project", "=", key.task.project)
            .on("t.domain", "=", key.task.domain)
            .on("t.name", "=", key.task.name)
            .on("t.version", "=", key.task.version)
            .on("t.retry_attempt", "=", key.retryAttempt),
        )
        .select(["e.id as e_id", "e.cluster as e_cluster", "n.id as n_id"])
        .selectAll("t")
        .where("e.execution_project", "=", e.project)
        .where("e.execution_domain", "=", e.domain)
        .where("e.execution_name", "=", e.name)
        .executeTakeFirst(),
    );
    if (!row) return {};
    const { e_id, e_cluster, n_id, ...task } = row;
    return {
      execution: { id: Number(e_id), cluster: e_cluster },
      nodeExecutionId: n_id === null ? undefined : Number(n_id),
      task: task.id === null || task.id === undefined ? undefined : (task as TaskExecutionRow),
    };
  }

  async get(key: TaskExecutionKey): Promise<TaskExecutionListRow | undefined> {
    return withDbErrors(() =>
      this.db
        .selectFrom("task_executions")
        .selectAll("task_executions")
        .select(isParent)
        .where("task_executions.execution_project", "=", key.node.execution.project)
        .where("task_executions.execution_domain", "=", key.node.execution.domain)
        .where("task_executions.execution_name", "=", key.node.execution.name)
        .where("task_executions.node_id", "=", key.node.nodeId)
        .where("task_executions.project", "=", key.task.project)
        .where("task_executions.domain", "=", key.task.domain)
        .where("task_executions.name", "=", key.task.name)
        .where("task_executions.version", "=", key.task.version)
        .where("task_executions.retry_attempt", "=", key.retryAttempt)
        .executeTakeFirst(),
    ).then((r) => (r ? normalize(r) : undefined));
  }

  /** Inserts a task execution and returns the stored row; ALREADY_EXISTS when it exists. */
  async create(row: NewTaskExecutionRow, nowMicros: number, db = this.db): Promise<TaskExecutionRow> {
    const stored = { ...row, created_at: nowMicros, updated_at: nowMicros, deleted_at: null };
    const res = await withDbErrors(() => executeWrite(db, this.writes.insert("task_executions", stored)));
    // The id added to the row written (one copy of the columns per event, not two).
    return Object.assign(stored, { id: insertedId(res) });
  }

  /**
   * Compare-and-set on (phase, phase_version[, updated_at]) read before; false when a concurrent event won. `db`: where
   * the write runs (a group commit's transaction); the repository's database by default.
   */
  async update(
    id: number,
    patch: TaskExecutionPatch,
    nowMicros: number,
    expected: { phase: string; phaseVersion: number; updatedAt?: number },
    db = this.db,
  ): Promise<boolean> {
    const where: Record<string, unknown> = { id, phase: expected.phase, phase_version: expected.phaseVersion };
    if (expected.updatedAt !== undefined) where.updated_at = expected.updatedAt;
    const q = this.writes.update("task_executions", { ...patch, updated_at: nowMicros }, where);
    const res = await withDbErrors(() => executeWrite(db, q));
    return Number(res.numAffectedRows ?? 0) > 0;
  }

  async list(q: TaskExecutionListQuery): Promise<TaskExecutionListRow[]> {
    let qb = this.db
      .selectFrom("task_executions")
      .selectAll("task_executions")
      .select(isParent)
      .where("task_executions.deleted_at", "is", null);
    if (q.joins.includes("task")) {
      qb = qb.leftJoin("tasks", (j) =>
        j
          .onRef("tasks.project", "=", "task_executions.project")
          .onRef("tasks.domain", "=", "task_executions.domain")
          .onRef("tasks.name", "=", "task_executions.name")
          .onRef("tasks.version", "=", "task_executions.version"),
      );
    }
    if (q.joins.includes("node_execution")) {
      qb = qb.innerJoin("node_executions", (j) =>
        j
          .onRef("node_executions.execution_project", "=", "task_executions.execution_project")
          .onRef("node_executions.execution_domain", "=", "task_executions.execution_domain")
          .onRef("node_executions.execution_name", "=", "task_executions.execution_name")
          .onRef("node_executions.node_id", "=", "task_executions.node_id"),
      );
    }
    if (q.joins.includes("execution")) {
      qb = qb.innerJoin("executions", (j) =>
        j
          .onRef("executions.execution_project", "=", "task_executions.execution_project")
          .onRef("executions.execution_domain", "=", "task_executions.execution_domain")
          .onRef("executions.execution_name", "=", "task_executions.execution_name"),
      );
    }
    qb = qb.where((eb) => filtersExpression(eb, q.filters));
    const after = q.after;
    if (after) qb = qb.where((eb) => afterExpression(eb, q.sort, "task_executions", after));
    qb = applyPage(applyOrder(qb, q.sort, "task_executions"), q.limit, q.offset);
    const rows = await withDbErrors(() => qb.execute());
    return rows.map(normalize);
  }
}

const isParent =
  sql<number>`(case when exists (select 1 from node_executions c where c.parent_task_execution_id = task_executions.id) then 1 else 0 end)`.as(
    "is_parent",
  );

function normalize(r: TaskExecutionRow & { is_parent: unknown }): TaskExecutionListRow {
  return { ...r, is_parent: Number(r.is_parent) === 1 };
}

// Persistence of node executions (upstream flyteadmin/pkg/manager/impl/node_execution_manager.go). Event ingestion reads the workflow execution and the node execution
// in one query (lookupForEvent) and then writes once: events are the hot path.
import type { Kysely, Selectable, Updateable } from "kysely";
import { sql } from "kysely";
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
import type { ProjectDomainName } from "@aloft/core";
import type { NodeExecutionsTable, Schema } from "./schema.ts";

export type NodeExecutionRow = Selectable<NodeExecutionsTable>;
/** The columns GetExecutionMetrics reads: the closure (timestamps to the nanosecond, phase, child execution), metadata. */
export type NodeExecutionSpanRow = Pick<
  NodeExecutionRow,
  | "id"
  | "node_id"
  | "closure"
  | "node_execution_metadata"
  | "event_version"
  | "dynamic_workflow_remote_closure_reference"
>;
/** Every column but the id and the times: create returns the row from these values (only the id is read back). */
export type NewNodeExecutionRow = Omit<NodeExecutionRow, "id" | "created_at" | "updated_at" | "deleted_at">;
export type NodeExecutionPatch = Omit<
  Updateable<NodeExecutionsTable>,
  "id" | "created_at" | "execution_project" | "execution_domain" | "execution_name" | "node_id"
>;

export interface NodeExecutionKey {
  execution: ProjectDomainName;
  nodeId: string;
}

/** What a node event needs to know before it writes. */
export interface NodeEventContext {
  /** undefined when the workflow execution does not exist. */
  execution?: { id: number; cluster: string } | undefined;
  node?: NodeExecutionRow | undefined;
}

export interface NodeExecutionListQuery {
  filters: Filter[];
  sort?: SortOrder | undefined;
  limit: number;
  offset: number;
  joins: EntityName[];
  /** Keyset pagination: only rows after this one in the sort order (from a cursor token). */
  after?: Cursor | undefined;
  /** Children of this node execution (by id); else, with `topLevel`, only nodes without a parent. */
  parentId?: number | undefined;
  parentTaskExecutionId?: number | undefined;
  topLevel?: boolean;
}

export class NodeExecutionRepo {
  private readonly writes: WriteSql;
  constructor(private readonly db: Kysely<Schema>) {
    this.writes = new WriteSql(db);
  }

  /** The workflow execution (id, cluster) and the node execution, in one round trip. */
  async lookupForEvent(key: NodeExecutionKey): Promise<NodeEventContext> {
    const row = await withDbErrors(() =>
      this.db
        .selectFrom("executions as e")
        .leftJoin("node_executions as n", (j) =>
          j
            .onRef("n.execution_project", "=", "e.execution_project")
            .onRef("n.execution_domain", "=", "e.execution_domain")
            .onRef("n.execution_name", "=", "e.execution_name")
            .on("n.node_id", "=", key.nodeId),
        )
        .select(["e.id as e_id", "e.cluster as e_cluster"])
        .selectAll("n")
        .where("e.execution_project", "=", key.execution.project)
        .where("e.execution_domain", "=", key.execution.domain)
        .where("e.execution_name", "=", key.execution.name)
        .executeTakeFirst(),
    );
    if (!row) return {};
    const { e_id, e_cluster, ...node } = row;
    return {
      execution: { id: Number(e_id), cluster: e_cluster },
      node: node.id === null || node.id === undefined ? undefined : (node as NodeExecutionRow),
    };
  }

  async get(key: NodeExecutionKey): Promise<NodeExecutionRow | undefined> {
    return withDbErrors(() =>
      this.db
        .selectFrom("node_executions")
        .selectAll()
        .where("execution_project", "=", key.execution.project)
        .where("execution_domain", "=", key.execution.domain)
        .where("execution_name", "=", key.execution.name)
        .where("node_id", "=", key.nodeId)
        .executeTakeFirst(),
    );
  }

  async getById(id: number): Promise<NodeExecutionRow | undefined> {
    return withDbErrors(() =>
      this.db.selectFrom("node_executions").selectAll().where("id", "=", id).executeTakeFirst(),
    );
  }

  /** Inserts a node execution and returns the stored row; ALREADY_EXISTS when a concurrent event created it first. */
  async create(row: NewNodeExecutionRow, nowMicros: number, db = this.db): Promise<NodeExecutionRow> {
    const stored = { ...row, created_at: nowMicros, updated_at: nowMicros, deleted_at: null };
    const res = await withDbErrors(() => executeWrite(db, this.writes.insert("node_executions", stored)));
    // The id added to the row written (one copy of the columns per event, not two).
    return Object.assign(stored, { id: insertedId(res) });
  }

  /**
   * Compare-and-set on the state read before — the phase and, when given, updated_at (which the event managers
   * keep strictly increasing) — so that a stale read never overwrites a newer write. False when nothing matched.
   * `db`: where the write runs (a group commit's transaction); the repository's database by default.
   */
  async update(
    id: number,
    patch: NodeExecutionPatch,
    nowMicros: number,
    expectedPhase: string,
    expectedUpdatedAt?: number,
    db = this.db,
  ): Promise<boolean> {
    const where: Record<string, unknown> = { id, phase: expectedPhase };
    if (expectedUpdatedAt !== undefined) where.updated_at = expectedUpdatedAt;
    const q = this.writes.update("node_executions", { ...patch, updated_at: nowMicros }, where);
    const res = await withDbErrors(() => executeWrite(db, q));
    return Number(res.numAffectedRows ?? 0) > 0;
  }

  /** Whether any node execution names this one as its parent (legacy rows derive is_parent from it). */
  async hasChildren(id: number): Promise<boolean> {
    const r = await withDbErrors(() =>
      this.db.selectFrom("node_executions").select("id").where("parent_id", "=", id).limit(1).executeTakeFirst(),
    );
    return r !== undefined;
  }

  async list(q: NodeExecutionListQuery): Promise<NodeExecutionRow[]> {
    let qb = this.db
      .selectFrom("node_executions")
      .selectAll("node_executions")
      .where("node_executions.deleted_at", "is", null);
    if (q.joins.includes("execution")) {
      qb = qb.innerJoin("executions", (j) =>
        j
          .onRef("executions.execution_project", "=", "node_executions.execution_project")
          .onRef("executions.execution_domain", "=", "node_executions.execution_domain")
          .onRef("executions.execution_name", "=", "node_executions.execution_name"),
      );
    }
    if (q.parentId !== undefined) qb = qb.where("node_executions.parent_id", "=", q.parentId);
    if (q.parentTaskExecutionId !== undefined)
      qb = qb.where("node_executions.parent_task_execution_id", "=", q.parentTaskExecutionId);
    if (q.topLevel)
      qb = qb
        .where("node_executions.parent_id", "is", null)
        .where("node_executions.parent_task_execution_id", "is", null);
    qb = qb.where((eb) => filtersExpression(eb, q.filters));
    const after = q.after;
    if (after) qb = qb.where((eb) => afterExpression(eb, q.sort, "node_executions", after));
    qb = applyPage(applyOrder(qb, q.sort, "node_executions"), q.limit, q.offset);
    return withDbErrors(() => qb.execute());
  }

  /**
   * One page of an execution's node executions for GetExecutionMetrics: the children of node execution `parentId`, or
   * the top-level ones (`null`), in id order after `afterId` (the order of an unsorted ListNodeExecutions). Only the
   * columns the span tree uses.
   */
  async listForSpans(
    execution: ProjectDomainName,
    parentId: number | null,
    afterId: number,
    limit: number,
  ): Promise<NodeExecutionSpanRow[]> {
    let qb = this.db
      .selectFrom("node_executions")
      .select([
        "id",
        "node_id",
        "closure",
        "node_execution_metadata",
        "event_version",
        "dynamic_workflow_remote_closure_reference",
      ])
      .where("execution_project", "=", execution.project)
      .where("execution_domain", "=", execution.domain)
      .where("execution_name", "=", execution.name)
      .where("deleted_at", "is", null)
      .where("id", ">", afterId);
    qb =
      parentId === null
        ? qb.where("parent_id", "is", null).where("parent_task_execution_id", "is", null)
        : qb.where("parent_id", "=", parentId);
    return withDbErrors(() => qb.orderBy("id", "asc").limit(limit).execute());
  }

  /** Count of node executions of an execution (tests and metrics). */
  async count(execution: ProjectDomainName): Promise<number> {
    const r = await withDbErrors(() =>
      this.db
        .selectFrom("node_executions")
        .select(sql<number>`count(*)`.as("n"))
        .where("execution_project", "=", execution.project)
        .where("execution_domain", "=", execution.domain)
        .where("execution_name", "=", execution.name)
        .executeTakeFirst(),
    );
    return Number(r?.n ?? 0);
  }
}

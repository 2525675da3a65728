// Node executions (upstream flyteadmin/pkg/manager/impl/node_execution_manager.go): one row per (execution, node id). Child nodes of sub-workflows, branches and dynamic
// nodes point at their parent node (parent_id) or at the task execution that produced them (parent_task_execution_id).
import { sql } from "kysely";
import { createEntityTable, types, type AloftMigration } from "./migration.ts";

export const nodeExecutions: AloftMigration = {
  name: "0009-node-executions",
  async up(db, dialect) {
    const t = types(dialect);
    await createEntityTable(db, dialect, "node_executions")
      .addColumn("execution_project", "varchar(255)", (c) => c.notNull())
      .addColumn("execution_domain", "varchar(255)", (c) => c.notNull())
      .addColumn("execution_name", "varchar(255)", (c) => c.notNull())
      .addColumn("node_id", "varchar(255)", (c) => c.notNull())
      .addColumn("phase", "varchar(255)", (c) => c.notNull())
      .addColumn("input_uri", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("closure", t.bytes, (c) => c.notNull())
      .addColumn("started_at", t.bigint)
      .addColumn("node_execution_created_at", t.bigint, (c) => c.notNull())
      .addColumn("node_execution_updated_at", t.bigint, (c) => c.notNull())
      .addColumn("duration", t.bigint, (c) => c.notNull().defaultTo(sql.lit(0)))
      .addColumn("node_execution_metadata", t.bytes)
      .addColumn("parent_id", t.bigint)
      .addColumn("parent_task_execution_id", t.bigint)
      .addColumn("error_kind", "varchar(255)")
      .addColumn("error_code", "varchar(255)")
      .addColumn("cache_status", "varchar(255)")
      .addColumn("dynamic_workflow_remote_closure_reference", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("internal_data", t.bytes)
      .addColumn("event_version", "integer", (c) => c.notNull().defaultTo(sql.lit(0)))
      .addUniqueConstraint("node_executions_key", [
        "execution_project",
        "execution_domain",
        "execution_name",
        "node_id",
      ])
      .execute();
    await db.schema
      .createIndex("node_executions_parent_id_idx")
      .ifNotExists()
      .on("node_executions")
      .column("parent_id")
      .execute();
    await db.schema
      .createIndex("node_executions_parent_task_execution_id_idx")
      .ifNotExists()
      .on("node_executions")
      .column("parent_task_execution_id")
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("node_executions").ifExists().execute();
  },
};

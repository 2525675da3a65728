// Task executions (upstream flyteadmin/pkg/manager/impl/task_execution_manager.go): one row per (task id, node execution, retry attempt).
import { sql } from "kysely";
import { createEntityTable, types, type AloftMigration } from "./migration.ts";

export const taskExecutions: AloftMigration = {
  name: "0010-task-executions",
  async up(db, dialect) {
    const t = types(dialect);
    await createEntityTable(db, dialect, "task_executions")
      .addColumn("project", "varchar(255)", (c) => c.notNull())
      .addColumn("domain", "varchar(255)", (c) => c.notNull())
      .addColumn("name", "varchar(255)", (c) => c.notNull())
      .addColumn("version", "varchar(255)", (c) => c.notNull())
      .addColumn("execution_project", "varchar(255)", (c) => c.notNull())
      .addColumn("execution_domain", "varchar(255)", (c) => c.notNull())
      .addColumn("execution_name", "varchar(255)", (c) => c.notNull())
      .addColumn("node_id", "varchar(255)", (c) => c.notNull())
      .addColumn("retry_attempt", "integer", (c) => c.notNull().defaultTo(sql.lit(0)))
      .addColumn("phase", "varchar(255)", (c) => c.notNull())
      .addColumn("phase_version", "integer", (c) => c.notNull().defaultTo(sql.lit(0)))
      .addColumn("input_uri", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("closure", t.bytes, (c) => c.notNull())
      .addColumn("started_at", t.bigint)
      .addColumn("task_execution_created_at", t.bigint, (c) => c.notNull())
      .addColumn("task_execution_updated_at", t.bigint, (c) => c.notNull())
      .addColumn("duration", t.bigint, (c) => c.notNull().defaultTo(sql.lit(0)))
      .addUniqueConstraint("task_executions_key", [
        "execution_project",
        "execution_domain",
        "execution_name",
        "node_id",
        "project",
        "domain",
        "name",
        "version",
        "retry_attempt",
      ])
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("task_executions").ifExists().execute();
  },
};

// Workflow executions (upstream flyteadmin/pkg/manager/impl/execution_manager.go) and their tags. Phases are stored as upper-case enum names, state and mode as
// integers, spec and closure as serialized protobuf; timestamps are µs, durations ns (see timestamps.ts).
import { sql } from "kysely";
import { createEntityTable, types, type AloftMigration } from "./migration.ts";

export const executions: AloftMigration = {
  name: "0008-executions",
  async up(db, dialect) {
    const t = types(dialect);
    await createEntityTable(db, dialect, "executions")
      .addColumn("execution_project", "varchar(255)", (c) => c.notNull())
      .addColumn("execution_domain", "varchar(255)", (c) => c.notNull())
      .addColumn("execution_name", "varchar(255)", (c) => c.notNull())
      .addColumn("launch_plan_id", t.bigint)
      .addColumn("workflow_id", t.bigint)
      .addColumn("task_id", t.bigint)
      .addColumn("phase", "varchar(255)", (c) => c.notNull())
      .addColumn("closure", t.bytes, (c) => c.notNull())
      .addColumn("spec", t.bytes, (c) => c.notNull())
      .addColumn("started_at", t.bigint)
      .addColumn("execution_created_at", t.bigint, (c) => c.notNull())
      .addColumn("execution_updated_at", t.bigint, (c) => c.notNull())
      .addColumn("duration", t.bigint, (c) => c.notNull().defaultTo(sql.lit(0)))
      .addColumn("abort_cause", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("mode", "integer", (c) => c.notNull().defaultTo(sql.lit(0)))
      .addColumn("source_execution_id", t.bigint)
      .addColumn("parent_node_execution_id", t.bigint)
      .addColumn("cluster", "varchar(255)", (c) => c.notNull().defaultTo(""))
      .addColumn("inputs_uri", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("user_inputs_uri", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("error_kind", "varchar(255)")
      .addColumn("error_code", "varchar(255)")
      .addColumn("user", "varchar(255)", (c) => c.notNull().defaultTo(""))
      .addColumn("state", "integer", (c) => c.notNull().defaultTo(sql.lit(0)))
      .addColumn("launch_entity", "varchar(255)", (c) => c.notNull().defaultTo(""))
      .addUniqueConstraint("executions_key", ["execution_project", "execution_domain", "execution_name"])
      .execute();
    const index = (name: string, columns: string[]) =>
      db.schema.createIndex(name).ifNotExists().on("executions").columns(columns).execute();
    // ListExecutions scopes by project/domain and usually sorts by creation time.
    await index("executions_project_domain_created_idx", [
      "execution_project",
      "execution_domain",
      "execution_created_at",
    ]);
    // The concurrency policy counts QUEUED/RUNNING executions of a launch plan; filters join on these ids.
    await index("executions_launch_plan_phase_idx", ["launch_plan_id", "phase"]);
    await index("executions_workflow_id_idx", ["workflow_id"]);
    await index("executions_task_id_idx", ["task_id"]);
    await index("executions_phase_idx", ["phase"]);

    await createEntityTable(db, dialect, "execution_tags")
      .addColumn("execution_project", "varchar(255)", (c) => c.notNull())
      .addColumn("execution_domain", "varchar(255)", (c) => c.notNull())
      .addColumn("execution_name", "varchar(255)", (c) => c.notNull())
      .addColumn("key", "varchar(255)", (c) => c.notNull())
      .addColumn("value", "varchar(255)", (c) => c.notNull().defaultTo(""))
      .addUniqueConstraint("execution_tags_key", [
        "execution_project",
        "execution_domain",
        "execution_name",
        "key",
        "value",
      ])
      .execute();
    await db.schema
      .createIndex("execution_tags_key_value_idx")
      .ifNotExists()
      .on("execution_tags")
      .columns(["key", "value"])
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("execution_tags").ifExists().execute();
    await db.schema.dropTable("executions").ifExists().execute();
  },
};

// Launch plans (upstream flyteadmin/pkg/manager/impl/launch_plan_manager.go). At most one ACTIVE (state = 1) version per (project, domain, name): a partial unique
// index makes the database refuse a second one, so concurrent activations cannot both win.
import { sql } from "kysely";
import { createEntityTable, types, type AloftMigration } from "./migration.ts";

export const launchPlans: AloftMigration = {
  name: "0006-launch-plans",
  async up(db, dialect) {
    const t = types(dialect);
    await createEntityTable(db, dialect, "launch_plans")
      .addColumn("project", "varchar(255)", (c) => c.notNull())
      .addColumn("domain", "varchar(255)", (c) => c.notNull())
      .addColumn("name", "varchar(255)", (c) => c.notNull())
      .addColumn("version", "varchar(255)", (c) => c.notNull())
      .addColumn("spec", t.bytes, (c) => c.notNull())
      .addColumn("workflow_id", t.bigint, (c) => c.notNull())
      .addColumn("closure", t.bytes, (c) => c.notNull())
      .addColumn("state", "integer", (c) => c.notNull().defaultTo(sql.lit(0)))
      .addColumn("digest", "varchar(255)", (c) => c.notNull())
      .addColumn("schedule_type", "varchar(255)", (c) => c.notNull().defaultTo("NONE"))
      .addColumn("launch_condition_type", "varchar(255)")
      .addUniqueConstraint("launch_plans_identifier_key", ["project", "domain", "name", "version"])
      .execute();
    await db.schema
      .createIndex("launch_plans_one_active_idx")
      .ifNotExists()
      .unique()
      .on("launch_plans")
      .columns(["project", "domain", "name"])
      .where(sql.ref("state"), "=", sql.lit(1))
      .execute();
    await db.schema
      .createIndex("launch_plans_workflow_id_idx")
      .ifNotExists()
      .on("launch_plans")
      .column("workflow_id")
      .execute();
    await db.schema
      .createIndex("launch_plans_created_at_idx")
      .ifNotExists()
      .on("launch_plans")
      .column("created_at")
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("launch_plans").ifExists().execute();
  },
};

// The native scheduler's table (upstream flyteadmin/scheduler/repositories/models/schedulable_entity.go): one row per
// launch plan version that ever had its schedule activated, kept in step with the launch plan's state in the same
// transaction. Upstream keeps last fire times in a separate gob snapshot table; here they are columns of the row
// (last_fire_at), written after every fire, with the last firing error for `aloft get schedules`.
import { createEntityTable, types, type AloftMigration } from "./migration.ts";

export const schedulableEntities: AloftMigration = {
  name: "0016-schedulable-entities",
  async up(db, dialect) {
    const t = types(dialect);
    await createEntityTable(db, dialect, "schedulable_entities")
      .addColumn("project", "varchar(255)", (c) => c.notNull())
      .addColumn("domain", "varchar(255)", (c) => c.notNull())
      .addColumn("name", "varchar(255)", (c) => c.notNull())
      .addColumn("version", "varchar(255)", (c) => c.notNull())
      .addColumn("cron_expression", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("fixed_rate_value", t.bigint, (c) => c.notNull().defaultTo(0))
      .addColumn("unit", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("kickoff_time_input_arg", "varchar(255)", (c) => c.notNull().defaultTo(""))
      .addColumn("active", "integer", (c) => c.notNull())
      .addColumn("last_fire_at", t.bigint)
      .addColumn("last_error", "text")
      .addColumn("last_error_at", t.bigint)
      .addUniqueConstraint("schedulable_entities_key", ["project", "domain", "name", "version"])
      .execute();
    await db.schema
      .createIndex("schedulable_entities_active")
      .ifNotExists()
      .on("schedulable_entities")
      .column("active")
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("schedulable_entities").ifExists().execute();
  },
};

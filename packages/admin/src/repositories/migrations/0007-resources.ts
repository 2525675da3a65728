// Matchable resources (upstream flyteadmin/pkg/manager/impl/resources/resource_manager.go): one row per (project, domain, workflow, launch_plan, resource_type), where ""
// means "any". `attributes` holds a serialized flyteidl.admin.MatchingAttributes; `resource_type` the enum name.
import { types, type AloftMigration } from "./migration.ts";

export const resources: AloftMigration = {
  name: "0007-resources",
  async up(db, dialect) {
    const t = types(dialect);
    await db.schema
      .createTable("resources")
      .ifNotExists()
      .addColumn("id", dialect === "sqlite" ? "integer" : "bigserial", (c) =>
        dialect === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey(),
      )
      .addColumn("created_at", t.bigint, (c) => c.notNull())
      .addColumn("updated_at", t.bigint, (c) => c.notNull())
      .addColumn("project", "varchar(255)", (c) => c.notNull().defaultTo(""))
      .addColumn("domain", "varchar(255)", (c) => c.notNull().defaultTo(""))
      .addColumn("workflow", "varchar(255)", (c) => c.notNull().defaultTo(""))
      .addColumn("launch_plan", "varchar(255)", (c) => c.notNull().defaultTo(""))
      .addColumn("resource_type", "varchar(255)", (c) => c.notNull())
      .addColumn("priority", "integer", (c) => c.notNull())
      .addColumn("attributes", t.bytes, (c) => c.notNull())
      .addUniqueConstraint("resources_key", ["project", "domain", "workflow", "launch_plan", "resource_type"])
      .execute();
    // ListMatchableAttributes and the most-specific lookup both start from the resource type.
    await db.schema
      .createIndex("resources_type_priority_idx")
      .ifNotExists()
      .on("resources")
      .columns(["resource_type", "priority"])
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("resources").ifExists().execute();
  },
};

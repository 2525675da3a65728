// Projects (upstream flyteadmin/pkg/manager/impl/project_manager.go). Timestamps are µs since the epoch (see ../timestamps.ts).
import { sql } from "kysely";
import { createEntityTable, types, type AloftMigration } from "./migration.ts";

export const projects: AloftMigration = {
  name: "0001-projects",
  async up(db, dialect) {
    const t = types(dialect);
    await createEntityTable(db, dialect, "projects")
      .addColumn("identifier", "varchar(255)", (c) => c.notNull())
      .addColumn("name", "varchar(255)", (c) => c.notNull().defaultTo(""))
      .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("labels", t.bytes)
      .addColumn("state", "integer", (c) => c.notNull().defaultTo(sql.lit(0)))
      .addUniqueConstraint("projects_identifier_key", ["identifier"])
      .execute();
    // List queries: the implicit `state <> ARCHIVED` filter, and the cluster resource controller's created_at order.
    await db.schema.createIndex("projects_state_idx").ifNotExists().on("projects").column("state").execute();
    await db.schema.createIndex("projects_created_at_idx").ifNotExists().on("projects").column("created_at").execute();
  },
  async down(db) {
    await db.schema.dropTable("projects").ifExists().execute();
  },
};

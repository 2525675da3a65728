// Tasks (upstream flyteadmin/pkg/manager/impl/task_manager.go): one immutable row per version; the TaskClosure (compiled task) is kept in the row.
import { createEntityTable, types, type AloftMigration } from "./migration.ts";

export const tasks: AloftMigration = {
  name: "0002-tasks",
  async up(db, dialect) {
    const t = types(dialect);
    await createEntityTable(db, dialect, "tasks")
      .addColumn("project", "varchar(255)", (c) => c.notNull())
      .addColumn("domain", "varchar(255)", (c) => c.notNull())
      .addColumn("name", "varchar(255)", (c) => c.notNull())
      .addColumn("version", "varchar(255)", (c) => c.notNull())
      .addColumn("closure", t.bytes, (c) => c.notNull())
      .addColumn("digest", "varchar(255)", (c) => c.notNull())
      .addColumn("type", "varchar(255)", (c) => c.notNull().defaultTo(""))
      .addColumn("short_description", "text", (c) => c.notNull().defaultTo(""))
      // Serves get-by-id, list by (project, domain[, name]) and the distinct-name queries (its prefix).
      .addUniqueConstraint("tasks_identifier_key", ["project", "domain", "name", "version"])
      .execute();
    await db.schema.createIndex("tasks_created_at_idx").ifNotExists().on("tasks").column("created_at").execute();
  },
  async down(db) {
    await db.schema.dropTable("tasks").ifExists().execute();
  },
};

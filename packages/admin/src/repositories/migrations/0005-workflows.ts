// Workflows (upstream flyteadmin/pkg/manager/impl/workflow_manager.go). The compiled closure lives in the blob store (`remote_closure_identifier`); the row keeps
// what lists need: the serialized TypedInterface, the content digest and the short description.
import { createEntityTable, types, type AloftMigration } from "./migration.ts";

export const workflows: AloftMigration = {
  name: "0005-workflows",
  async up(db, dialect) {
    const t = types(dialect);
    await createEntityTable(db, dialect, "workflows")
      .addColumn("project", "varchar(255)", (c) => c.notNull())
      .addColumn("domain", "varchar(255)", (c) => c.notNull())
      .addColumn("name", "varchar(255)", (c) => c.notNull())
      .addColumn("version", "varchar(255)", (c) => c.notNull())
      .addColumn("typed_interface", t.bytes)
      .addColumn("remote_closure_identifier", "text", (c) => c.notNull())
      .addColumn("digest", "varchar(255)", (c) => c.notNull())
      .addColumn("short_description", "text", (c) => c.notNull().defaultTo(""))
      .addUniqueConstraint("workflows_identifier_key", ["project", "domain", "name", "version"])
      .execute();
    await db.schema
      .createIndex("workflows_created_at_idx")
      .ifNotExists()
      .on("workflows")
      .column("created_at")
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("workflows").ifExists().execute();
  },
};

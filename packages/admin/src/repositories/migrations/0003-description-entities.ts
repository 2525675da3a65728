// Description entities (upstream flyteadmin/pkg/manager/impl/description_entity_manager.go): written alongside a task or workflow version when its spec has a description.
import { createEntityTable, types, type AloftMigration } from "./migration.ts";

export const descriptionEntities: AloftMigration = {
  name: "0003-description-entities",
  async up(db, dialect) {
    const t = types(dialect);
    await createEntityTable(db, dialect, "description_entities")
      .addColumn("resource_type", "integer", (c) => c.notNull())
      .addColumn("project", "varchar(255)", (c) => c.notNull())
      .addColumn("domain", "varchar(255)", (c) => c.notNull())
      .addColumn("name", "varchar(255)", (c) => c.notNull())
      .addColumn("version", "varchar(255)", (c) => c.notNull())
      .addColumn("short_description", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("long_description", t.bytes)
      .addColumn("link", "text", (c) => c.notNull().defaultTo(""))
      // Lists filter on (project, domain, name): keep those first so the key serves them.
      .addUniqueConstraint("description_entities_identifier_key", [
        "project",
        "domain",
        "name",
        "version",
        "resource_type",
      ])
      .execute();
    await db.schema
      .createIndex("description_entities_created_at_idx")
      .ifNotExists()
      .on("description_entities")
      .column("created_at")
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("description_entities").ifExists().execute();
  },
};

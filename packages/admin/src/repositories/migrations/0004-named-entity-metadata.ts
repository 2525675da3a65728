// Named entity metadata (upstream flyteadmin/pkg/manager/impl/named_entity_manager.go): optional description and state of a (resource_type, project, domain, name).
import { createEntityTable, type AloftMigration } from "./migration.ts";

export const namedEntityMetadata: AloftMigration = {
  name: "0004-named-entity-metadata",
  async up(db, dialect) {
    await createEntityTable(db, dialect, "named_entity_metadata")
      .addColumn("resource_type", "integer", (c) => c.notNull())
      .addColumn("project", "varchar(255)", (c) => c.notNull())
      .addColumn("domain", "varchar(255)", (c) => c.notNull())
      .addColumn("name", "varchar(255)", (c) => c.notNull())
      .addColumn("description", "varchar(300)", (c) => c.notNull().defaultTo(""))
      // NamedEntityState: ACTIVE=0, ARCHIVED=1, SYSTEM_GENERATED=2 (a missing row reads as ACTIVE).
      .addColumn("state", "integer")
      .addUniqueConstraint("named_entity_metadata_identifier_key", ["resource_type", "project", "domain", "name"])
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("named_entity_metadata").ifExists().execute();
  },
};

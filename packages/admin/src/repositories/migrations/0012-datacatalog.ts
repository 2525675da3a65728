// The data catalog behind task caching (datacatalog.DataCatalog, served by admin): datasets, their artifacts with
// partitions and data, tags naming artifacts, and reservations that serialize cache population.
// Upstream's datacatalog keeps each ArtifactData literal in blob storage and only its location in the database; we
// keep the serialized literals in the artifact row (`data`), which saves a blob round trip per cache lookup.
import { sql, type ColumnDefinitionBuilder } from "kysely";
import { types, type AloftMigration } from "./migration.ts";

/** The tables this migration creates, in the order to drop or empty them (reservations and tags before what they
 * point to). Tests empty them through test-rows.ts, so the list has one home. */
export const DATACATALOG_TABLES = [
  "catalog_reservations",
  "catalog_tags",
  "catalog_partitions",
  "catalog_artifacts",
  "catalog_datasets",
] as const;

export const datacatalog: AloftMigration = {
  name: "0012-datacatalog",
  async up(db, dialect) {
    const t = types(dialect);
    const id = dialect === "sqlite" ? "integer" : "bigserial";
    const pk = (c: ColumnDefinitionBuilder) => (dialect === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey());

    await db.schema
      .createTable("catalog_datasets")
      .ifNotExists()
      .addColumn("id", id, pk)
      .addColumn("created_at", t.bigint, (c) => c.notNull())
      .addColumn("updated_at", t.bigint, (c) => c.notNull())
      .addColumn("project", "varchar(255)", (c) => c.notNull())
      .addColumn("name", "varchar(255)", (c) => c.notNull())
      .addColumn("domain", "varchar(255)", (c) => c.notNull())
      .addColumn("version", "varchar(255)", (c) => c.notNull())
      .addColumn("org", "varchar(255)", (c) => c.notNull().defaultTo(""))
      .addColumn("uuid", "varchar(64)", (c) => c.notNull())
      .addColumn("metadata", t.bytes, (c) => c.notNull())
      .addColumn("partition_keys", "text", (c) => c.notNull().defaultTo("[]"))
      .addUniqueConstraint("catalog_datasets_key", ["project", "name", "domain", "version", "org"])
      .addUniqueConstraint("catalog_datasets_uuid", ["uuid"])
      .execute();

    await db.schema
      .createTable("catalog_artifacts")
      .ifNotExists()
      .addColumn("id", id, pk)
      .addColumn("created_at", t.bigint, (c) => c.notNull())
      .addColumn("updated_at", t.bigint, (c) => c.notNull())
      .addColumn("dataset_id", t.bigint, (c) => c.notNull())
      .addColumn("artifact_id", "varchar(255)", (c) => c.notNull())
      .addColumn("metadata", t.bytes, (c) => c.notNull())
      .addColumn("data", t.bytes, (c) => c.notNull())
      .addUniqueConstraint("catalog_artifacts_key", ["dataset_id", "artifact_id"])
      .execute();
    await db.schema
      .createIndex("catalog_artifacts_artifact_id_idx")
      .ifNotExists()
      .on("catalog_artifacts")
      .column("artifact_id")
      .execute();
    await db.schema
      .createIndex("catalog_artifacts_list_idx")
      .ifNotExists()
      .on("catalog_artifacts")
      .columns(["dataset_id", "created_at"])
      .execute();

    await db.schema
      .createTable("catalog_partitions")
      .ifNotExists()
      .addColumn("id", id, pk)
      .addColumn("artifact_pk", t.bigint, (c) => c.notNull())
      .addColumn("position", "integer", (c) => c.notNull().defaultTo(sql.lit(0)))
      .addColumn("key", "varchar(255)", (c) => c.notNull())
      .addColumn("value", "varchar(255)", (c) => c.notNull())
      .addUniqueConstraint("catalog_partitions_key", ["artifact_pk", "key"])
      .execute();
    await db.schema
      .createIndex("catalog_partitions_kv_idx")
      .ifNotExists()
      .on("catalog_partitions")
      .columns(["key", "value"])
      .execute();

    // As upstream, a tag row is unique on (dataset, name, artifact): the same name may be added to another artifact,
    // and a lookup by name answers the most recent one.
    await db.schema
      .createTable("catalog_tags")
      .ifNotExists()
      .addColumn("id", id, pk)
      .addColumn("created_at", t.bigint, (c) => c.notNull())
      .addColumn("updated_at", t.bigint, (c) => c.notNull())
      .addColumn("dataset_id", t.bigint, (c) => c.notNull())
      .addColumn("tag_name", "varchar(255)", (c) => c.notNull())
      .addColumn("artifact_pk", t.bigint, (c) => c.notNull())
      .addUniqueConstraint("catalog_tags_key", ["dataset_id", "tag_name", "artifact_pk"])
      .execute();
    await db.schema
      .createIndex("catalog_tags_artifact_idx")
      .ifNotExists()
      .on("catalog_tags")
      .column("artifact_pk")
      .execute();

    // Reservations are keyed by the dataset id's strings and the tag, like upstream: no dataset row is needed.
    await db.schema
      .createTable("catalog_reservations")
      .ifNotExists()
      .addColumn("id", id, pk)
      .addColumn("created_at", t.bigint, (c) => c.notNull())
      .addColumn("updated_at", t.bigint, (c) => c.notNull())
      .addColumn("project", "varchar(255)", (c) => c.notNull())
      .addColumn("name", "varchar(255)", (c) => c.notNull())
      .addColumn("domain", "varchar(255)", (c) => c.notNull())
      .addColumn("version", "varchar(255)", (c) => c.notNull())
      .addColumn("org", "varchar(255)", (c) => c.notNull().defaultTo(""))
      .addColumn("tag_name", "varchar(255)", (c) => c.notNull())
      .addColumn("owner_id", "varchar(255)", (c) => c.notNull())
      .addColumn("expires_at", t.bigint, (c) => c.notNull())
      .addUniqueConstraint("catalog_reservations_key", ["project", "name", "domain", "version", "org", "tag_name"])
      .execute();
  },
  async down(db) {
    for (const table of DATACATALOG_TABLES) await db.schema.dropTable(table).ifExists().execute();
  },
};

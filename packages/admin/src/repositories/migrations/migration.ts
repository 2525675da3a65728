// One ordered list of migrations serves both databases; a migration receives the dialect for the few places
// where the DDL differs (auto-increment keys, byte columns).
import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";

export interface AloftMigration {
  /** `NNNN-name`; the order of application is the order of these names. */
  name: string;
  // Migrations see the database as it was when they were written, not today's Schema.
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
  down(db: Kysely<any>, dialect: Dialect): Promise<void>;
}

/** Column types that differ between the dialects. */
export const types = (dialect: Dialect) =>
  ({
    /** 64-bit integer (ids, µs timestamps, ns durations). */
    bigint: dialect === "sqlite" ? "integer" : "bigint",
    bytes: dialect === "sqlite" ? "blob" : "bytea",
  }) as const;

/**
 * `CREATE TABLE IF NOT EXISTS name` with the columns every entity table starts with (schema.ts BaseColumns): an
 * auto-increment `id` key and `created_at` / `updated_at` / `deleted_at` in microseconds. Chain the table's own columns.
 */
export function createEntityTable(db: Kysely<any>, dialect: Dialect, name: string) {
  const t = types(dialect);
  return db.schema
    .createTable(name)
    .ifNotExists()
    .addColumn("id", dialect === "sqlite" ? "integer" : "bigserial", (c) =>
      dialect === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn("created_at", t.bigint, (c) => c.notNull())
    .addColumn("updated_at", t.bigint, (c) => c.notNull())
    .addColumn("deleted_at", t.bigint);
}

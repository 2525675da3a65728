// What the self-hosted authorization server must remember across restarts: authorization codes and refresh tokens,
// by the SHA-256 of the secret (never the secret itself). A refresh token's `family` is every token descended from
// one sign-in (revoked together; a `revoked` row marks a revoked family); `retired` marks a rotated token, kept until
// it expires so that its reuse is seen.
import { types, type AloftMigration } from "./migration.ts";

export const authGrants: AloftMigration = {
  name: "0014-auth-grants",
  async up(db, dialect) {
    const t = types(dialect);
    await db.schema
      .createTable("auth_grants")
      .ifNotExists()
      .addColumn("token_hash", "varchar(64)", (c) => c.primaryKey())
      .addColumn("kind", "varchar(16)", (c) => c.notNull())
      .addColumn("family", "varchar(64)", (c) => c.notNull())
      .addColumn("grant_json", "text", (c) => c.notNull())
      .addColumn("retired", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", t.bigint, (c) => c.notNull())
      .addColumn("expires_at", t.bigint, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("auth_grants_family").ifNotExists().on("auth_grants").column("family").execute();
    await db.schema
      .createIndex("auth_grants_expires_at")
      .ifNotExists()
      .on("auth_grants")
      .column("expires_at")
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("auth_grants").ifExists().execute();
  },
};

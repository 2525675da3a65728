// The device authorization grant (RFC 8628) of the self-hosted authorization server: one row per device code, by the
// SHA-256 of the device code and of the (normalised) user code, never the codes themselves. `status` goes from
// pending to approved or denied once; the approved row is deleted when the device redeems it (single use).
// `last_poll_at` and `interval_ms` make `slow_down` hold across admins and restarts.
import { types, type AloftMigration } from "./migration.ts";

export const authDeviceCodes: AloftMigration = {
  name: "0017-auth-device-codes",
  async up(db, dialect) {
    const t = types(dialect);
    await db.schema
      .createTable("auth_device_codes")
      .ifNotExists()
      .addColumn("device_hash", "varchar(64)", (c) => c.primaryKey())
      .addColumn("user_hash", "varchar(64)", (c) => c.notNull().unique())
      .addColumn("client_id", "varchar(255)", (c) => c.notNull())
      .addColumn("scope", "text", (c) => c.notNull())
      .addColumn("status", "varchar(16)", (c) => c.notNull())
      .addColumn("subject", "varchar(255)", (c) => c.notNull().defaultTo(""))
      .addColumn("auth_time", t.bigint, (c) => c.notNull().defaultTo(0))
      .addColumn("interval_ms", "integer", (c) => c.notNull())
      .addColumn("last_poll_at", t.bigint, (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", t.bigint, (c) => c.notNull())
      .addColumn("expires_at", t.bigint, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("auth_device_codes_expires_at")
      .ifNotExists()
      .on("auth_device_codes")
      .column("expires_at")
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("auth_device_codes").ifExists().execute();
  },
};

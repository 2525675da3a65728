// Signals of gate nodes (SignalService): one row per (execution, signal_id) with the expected literal type and,
// once set, the value. Rows are created by the engine's GetOrCreateSignal and written by SetSignal.
import { createEntityTable, types, type AloftMigration } from "./migration.ts";

export const signals: AloftMigration = {
  name: "0013-signals",
  async up(db, dialect) {
    const t = types(dialect);
    await createEntityTable(db, dialect, "signals")
      .addColumn("execution_project", "varchar(255)", (c) => c.notNull())
      .addColumn("execution_domain", "varchar(255)", (c) => c.notNull())
      .addColumn("execution_name", "varchar(255)", (c) => c.notNull())
      .addColumn("signal_id", "varchar(255)", (c) => c.notNull())
      .addColumn("type", t.bytes, (c) => c.notNull())
      .addColumn("value", t.bytes)
      .addUniqueConstraint("signals_key", ["execution_project", "execution_domain", "execution_name", "signal_id"])
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("signals").ifExists().execute();
  },
};

// Applies the migrations with Kysely's Migrator (a lock table serialises concurrent starts; each migration runs
// in a transaction). Safe to run at every start: applied migrations are skipped.
import { Migrator, PostgresAdapter, SqliteAdapter, type Kysely, type Migration, type MigrationResultSet } from "kysely";
import { internal } from "@aloft/core";
import type { Dialect } from "./database.ts";
import { migrations as defaultMigrations, type AloftMigration } from "./migrations/index.ts";

const MIGRATION_TABLE = "aloft_migration";
const MIGRATION_LOCK_TABLE = "aloft_migration_lock";

type AnyKysely = Kysely<any>;

/** The dialect of a Kysely instance created by createDatabase. */
function dialectOf(db: AnyKysely): Dialect {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) return "sqlite";
  if (adapter instanceof PostgresAdapter) return "postgres";
  throw internal("migrations.dialect", "unsupported database dialect");
}

function migrator(db: AnyKysely, list: readonly AloftMigration[]): Migrator {
  const dialect = dialectOf(db);
  const byName: Record<string, Migration> = {};
  let previous = "";
  for (const m of list) {
    if (m.name <= previous) throw internal("migrations.order", `migration ${m.name} is out of order after ${previous}`);
    previous = m.name;
    // Kysely runs PostgreSQL migrations in a transaction but not SQLite ones (its adapter reports no
    // transactional DDL, which SQLite does have): give each SQLite migration its own transaction.
    const run = (step: (d: AnyKysely) => Promise<void>) => (d: AnyKysely) =>
      dialect === "sqlite" && !d.isTransaction ? d.transaction().execute(step) : step(d);
    byName[m.name] = { up: run((d) => m.up(d, dialect)), down: run((d) => m.down(d, dialect)) };
  }
  return new Migrator({
    db,
    provider: { getMigrations: async () => byName },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
}

function check(result: MigrationResultSet, what: string): string[] {
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName ?? "(none)";
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw internal("migrations.failed", `${what} failed at migration ${failed}: ${reason}`, result.error);
  }
  return (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Applies every pending migration; returns the names applied by this call (empty when up to date). */
export async function migrateToLatest(
  db: AnyKysely,
  list: readonly AloftMigration[] = defaultMigrations,
): Promise<string[]> {
  return check(await migrator(db, list).migrateToLatest(), "migrate");
}

/** Rolls back the last applied migration; returns its name, or undefined when none was applied. */
export async function rollbackLast(
  db: AnyKysely,
  list: readonly AloftMigration[] = defaultMigrations,
): Promise<string | undefined> {
  return check(await migrator(db, list).migrateDown(), "rollback")[0];
}

/** Names of the applied migrations, in order. */
export async function appliedMigrations(
  db: AnyKysely,
  list: readonly AloftMigration[] = defaultMigrations,
): Promise<string[]> {
  const infos = await migrator(db, list).getMigrations();
  return infos.filter((i) => i.executedAt !== undefined).map((i) => i.name);
}

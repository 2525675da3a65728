// Cheaper event rows (issue 16: events ingested in process with one writer). Every node or task event inserts or
// updates one row of node_executions / task_executions; an insert wrote, besides the row and its unique key, the
// SQLite AUTOINCREMENT sequence row and (node executions) two parent indexes — each one more B-tree page changed
// and one more WAL frame per commit. Now:
// - SQLite: the two tables' ids are plain `integer primary key` rowids (no sqlite_sequence row to update). Rows are
//   never deleted (deleted_at marks them), so the next id is max(id) + 1 exactly as with AUTOINCREMENT. SQLite
//   cannot drop AUTOINCREMENT in place: each table is rebuilt from its own stored definition, rows and ids copied.
// - Both: the parent indexes hold only the rows that have a parent (`where … is not null`): every query that uses
//   them compares the column with `=` (children of a node or of a task execution, ListTaskExecutions' is_parent),
//   which implies the predicate on SQLite and PostgreSQL alike; top-level nodes — most of them — touch neither.
// The unique keys stay: idempotent event creation (ALREADY_EXISTS on a concurrent insert) and every lookup by key
// rely on them.
import { sql, type Kysely } from "kysely";
import { internal } from "@aloft/core";
import type { AloftMigration } from "./migration.ts";

const TABLES = ["node_executions", "task_executions"] as const;
const PARENT_INDEXES: Array<[name: string, column: string]> = [
  ["node_executions_parent_id_idx", "parent_id"],
  ["node_executions_parent_task_execution_id_idx", "parent_task_execution_id"],
];
const AUTOINCREMENT_KEY = '"id" integer primary key autoincrement';
const ROWID_KEY = '"id" integer primary key';

export const cheaperEventRows: AloftMigration = {
  name: "0018-cheaper-event-rows",
  async up(db, dialect) {
    if (dialect === "sqlite") for (const t of TABLES) await rebuildSqliteTable(db, t, AUTOINCREMENT_KEY, ROWID_KEY);
    await createParentIndexes(db, true);
  },
  async down(db, dialect) {
    if (dialect === "sqlite") for (const t of TABLES) await rebuildSqliteTable(db, t, ROWID_KEY, AUTOINCREMENT_KEY);
    await createParentIndexes(db, false);
  },
};

/** (Re)creates the parent indexes, partial (rows with a parent only) or over every row. */
async function createParentIndexes(db: Kysely<any>, partial: boolean): Promise<void> {
  for (const [name, column] of PARENT_INDEXES) {
    await db.schema.dropIndex(name).ifExists().execute();
    let index = db.schema.createIndex(name).on("node_executions").column(column);
    if (partial) index = index.where(sql.ref(column), "is not", null);
    await index.execute();
  }
}

/**
 * Rebuilds a SQLite table with its stored definition, `from` replaced by `to` (the id column's declaration): a new
 * table, the rows copied with their ids, the old one dropped, the new one renamed, then the table's other indexes
 * created again from their stored definitions (the drop takes them along). Runs inside the migration's transaction.
 */
async function rebuildSqliteTable(db: Kysely<any>, table: string, from: string, to: string): Promise<void> {
  const found = await sql<{
    sql: string;
  }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(db);
  const ddl = found.rows[0]?.sql ?? "";
  const head = `CREATE TABLE "${table}" (${from},`;
  if (!ddl.startsWith(head))
    throw internal("migrations.unexpected_table", `${table} is not defined as expected: ${ddl.slice(0, 120)}`);
  const rebuilt = `${table}_rebuilt`;
  await sql.raw(`CREATE TABLE "${rebuilt}" (${to},${ddl.slice(head.length)}`).execute(db);
  const indexes = await sql<{
    sql: string;
  }>`select sql from sqlite_master where type = 'index' and tbl_name = ${table} and sql is not null`.execute(db);
  await sql.raw(`insert into "${rebuilt}" select * from "${table}"`).execute(db);
  await sql.raw(`drop table "${table}"`).execute(db);
  await sql.raw(`alter table "${rebuilt}" rename to "${table}"`).execute(db);
  for (const index of indexes.rows) await sql.raw(index.sql).execute(db);
}

// Opens the database: SQLite through better-sqlite3 (the embedded default) or PostgreSQL through a pg Pool. Each driver
// is imported when its kind is opened, so that a SQLite start does not load pg (nor a PostgreSQL one better-sqlite3).
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import type { Schema } from "./schema.ts";
import { registerSqlite } from "./direct-writes.ts";
import { withStatementCache } from "./sqlite-statements.ts";

export type Dialect = "sqlite" | "postgres";

export interface DatabaseConfig {
  kind: Dialect;
  /** File path for SQLite, or `:memory:`. */
  sqlitePath: string;
  /** postgres://user:pass@host:port/db */
  postgresUrl: string;
  maxConnections: number;
  /**
   * Called when a PostgreSQL connection fails outside a query (server restart, failover, an administrator
   * terminating backends) — whether it sits idle in the pool or is checked out (a transaction between statements).
   * The statement that was running, or the next one on that connection, fails UNAVAILABLE; pg drops the connection
   * and the pool opens a new one. Without a listener pg raises the error as an uncaught exception and the process dies.
   */
  onConnectionError?: (err: Error) => void;
}

export interface Database {
  db: Kysely<Schema>;
  dialect: Dialect;
  close(): Promise<void>;
}

const SQLITE_BUSY_TIMEOUT_MS = 5000;
const PG_INT8_OID = 20;

export async function createDatabase(cfg: DatabaseConfig): Promise<Database> {
  const db = cfg.kind === "sqlite" ? await openSqlite(cfg.sqlitePath) : await openPostgres(cfg);
  // Fail at start-up, not at the first request, when the database cannot be reached.
  try {
    await db.selectNoFrom((eb) => eb.lit(1).as("one")).execute();
  } catch (err) {
    await db.destroy().catch(() => {});
    throw err;
  }
  let closed = false;
  return {
    db,
    dialect: cfg.kind,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

async function openSqlite(path: string): Promise<Kysely<Schema>> {
  const { default: SqliteDatabase } = await import("better-sqlite3");
  const inMemory = path === ":memory:" || path === "";
  if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SqliteDatabase(inMemory ? ":memory:" : path);
  if (!inMemory) sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  sqlite.pragma("synchronous = NORMAL");
  // PostgreSQL's LIKE is case-sensitive; make SQLite's the same so filters behave alike on both.
  sqlite.pragma("case_sensitive_like = ON");
  const statements = withStatementCache(sqlite);
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: statements }) });
  registerSqlite(db, sqlite, statements.prepare);
  return db;
}

async function openPostgres(cfg: DatabaseConfig): Promise<Kysely<Schema>> {
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({
    connectionString: cfg.postgresUrl,
    max: Math.max(1, cfg.maxConnections),
    // BIGINT columns (ids, microsecond timestamps, nanosecond durations) come back as numbers, as in SQLite.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === PG_INT8_OID && format !== "binary"
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  const report = (err: Error) => cfg.onConnectionError?.(err);
  // pg's pool listens for errors only on idle clients; a checked-out client has no listener of its own, so an
  // error event on it (the server's termination notice arriving between two statements of a transaction) would
  // be uncaught. Every client gets one for its whole life.
  pool.on("connect", (client) => client.on("error", report));
  // The pool re-emits an idle client's error on itself; the client's own listener has reported it already.
  pool.on("error", () => {});
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}

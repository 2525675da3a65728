// The event path's single-statement writes on SQLite run on better-sqlite3's compiled statement directly, without
// Kysely's executor: its connection mutex and promise chain (a lock, a release and half a dozen awaits per query)
// cost about half as much CPU as the statement itself. That is what Kysely's SQLite connection does with the same
// statement cache, minus the lock — so the lock's guarantee is kept by hand: a write runs directly only where no
// transaction of anyone else's is open on the one connection (a statement then commits on its own, as through
// Kysely), or on the connection a group commit's batch holds (its own transaction). Anywhere else (another
// transaction open: its statements must not be mixed with this write) it goes through Kysely and waits its turn.
// PostgreSQL (a pool, network round trips) always goes through Kysely.
import type BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, type Kysely, type QueryResult, type SqliteStatement } from "kysely";
import type { Schema } from "./schema.ts";

interface DirectSqlite {
  sqlite: BetterSqlite3.Database;
  /** The statement cache Kysely's dialect uses (one compiled statement per SQL text). */
  prepare(sqlText: string): SqliteStatement;
  /** This Kysely instance is bound to the connection inside a transaction its holder owns (a group commit batch). */
  owned: boolean;
}

/**
 * A write's SQL text and parameters (R: the rows it returns). Made into Kysely's CompiledQuery (frozen, with a raw
 * node and a query id: ≈ 1 µs) only when it goes through Kysely.
 */
export interface WriteQuery<R> {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /** Only carries R. */
  readonly rows?: R[];
}

const handles = new WeakMap<Kysely<Schema>, DirectSqlite>();

/** Called by the database opener: `db`'s one connection is `sqlite`, its statements compiled by `prepare`. */
export function registerSqlite(
  db: Kysely<Schema>,
  sqlite: BetterSqlite3.Database,
  prepare: (sqlText: string) => SqliteStatement,
): void {
  handles.set(db, { sqlite, prepare, owned: false });
}

/** `conn` is bound to `db`'s connection inside a transaction the caller holds until it is done with `conn`. */
export function ownConnection(db: Kysely<Schema>, conn: Kysely<Schema>): void {
  const d = handles.get(db);
  if (d) handles.set(conn, { ...d, owned: true });
}

/** Runs one write statement as `db.executeQuery(q)` would, with the same result and errors. */
export function executeWrite<R>(db: Kysely<Schema>, q: WriteQuery<R>): Promise<QueryResult<R>> {
  const d = handles.get(db);
  if (d === undefined || (!d.owned && d.sqlite.inTransaction))
    return db.executeQuery(CompiledQuery.raw(q.sql, q.parameters as unknown[]) as CompiledQuery<R>);
  try {
    const stmt = d.prepare(q.sql);
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(q.parameters) as R[] });
    const { changes, lastInsertRowid } = stmt.run(q.parameters);
    return Promise.resolve({ rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) });
  } catch (err) {
    return Promise.reject(err);
  }
}

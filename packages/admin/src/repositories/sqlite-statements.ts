// Compiled statements reused across queries on SQLite. Kysely's SQLite driver calls `prepare()` for every query, and
// better-sqlite3 compiles the SQL each time (about half of the driver's time on the event path); the same SQL text
// from the query builder is compiled once here and kept in a bounded, least-recently-used map.
import type BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";

/** Distinct SQL texts kept (queries with `in (…)` lists of varying length each have their own text). */
const MAX_STATEMENTS = 500;

export function withStatementCache(sqlite: BetterSqlite3.Database, max = MAX_STATEMENTS): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string): SqliteStatement {
      const cached = cache.get(sqlText);
      // A statement still being iterated (a streamed query) cannot run again until it is done: compile another.
      if (cached !== undefined && !cached.busy) {
        cache.delete(sqlText);
        cache.set(sqlText, cached);
        return cached;
      }
      const stmt = sqlite.prepare(sqlText);
      if (cached === undefined) {
        cache.set(sqlText, stmt);
        if (cache.size > max) cache.delete(cache.keys().next().value as string);
      }
      return stmt;
    },
  };
}

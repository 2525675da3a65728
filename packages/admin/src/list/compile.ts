// Compiles parsed filters and sort orders to Kysely expressions. Identifiers come only from the allow-lists
// (entities.ts) and are emitted through sql.ref (quoted); every value is a bound parameter.
import { sql, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from "kysely";
import type { Filter } from "./filters.ts";
import type { SortOrder } from "./sort.ts";

// `LIKE ... ESCAPE '\'` on both databases, so that `\%` means a literal `%` in SQLite as it does in PostgreSQL.
// (SQLite is also told `case_sensitive_like`, see repositories/database.ts, so both compare case-sensitively.)
function like(left: Expression<unknown>, pattern: string, negate: boolean): Expression<SqlBool> {
  return negate
    ? sql<SqlBool>`${left} not like ${pattern} escape '\\'`
    : sql<SqlBool>`${left} like ${pattern} escape '\\'`;
}

/** One filter as a boolean SQL expression on `table.column`. */
export function filterExpression(eb: ExpressionBuilder<any, any>, f: Filter): Expression<SqlBool> {
  const ref = sql.ref(`${f.table}.${f.column}`);
  const left: Expression<unknown> = f.defaultValue === undefined ? ref : sql`coalesce(${ref}, ${f.defaultValue})`;
  const first = f.values[0] ?? "";
  switch (f.fn) {
    case "eq":
      return eb(left, "=", first);
    case "ne":
      return eb(left, "<>", first);
    case "gt":
      return eb(left, ">", first);
    case "gte":
      return eb(left, ">=", first);
    case "lt":
      return eb(left, "<", first);
    case "lte":
      return eb(left, "<=", first);
    case "contains":
      return like(left, `%${first}%`, false);
    case "not_like":
      return like(left, String(first), true);
    case "value_in":
      return eb(left, "in", f.values);
    case "value_not_in":
      return eb(left, "not in", f.values);
  }
}

/** All filters AND-ed (true when there are none). */
export function filtersExpression(eb: ExpressionBuilder<any, any>, filters: readonly Filter[]): Expression<SqlBool> {
  return eb.and(filters.map((f) => filterExpression(eb, f)));
}

/**
 * Applies the requested order and then the deterministic fallback `<table>.id asc` so that offset pagination is
 * stable. `fallbackTable` is the primary table (or alias) that has an `id` column; pass `null` to skip it.
 */
export function applyOrder<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  sort: SortOrder | undefined,
  fallbackTable: string | null,
): SelectQueryBuilder<DB, TB, O> {
  let out = qb;
  if (sort) out = out.orderBy(sql.ref(`${sort.table}.${sort.column}`), sort.direction);
  if (fallbackTable !== null && !(sort && sort.table === fallbackTable && sort.column === "id")) {
    out = out.orderBy(sql.ref(`${fallbackTable}.id`), "asc");
  }
  return out;
}

/** Offset/limit with limit 0 meaning "no limit". */
export function applyPage<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  limit: number,
  offset: number,
): SelectQueryBuilder<DB, TB, O> {
  let out = qb;
  // SQLite only accepts OFFSET after a LIMIT; a huge limit is "unlimited" on both databases.
  if (limit > 0) out = out.limit(limit);
  else if (offset > 0) out = out.limit(Number.MAX_SAFE_INTEGER);
  if (offset > 0) out = out.offset(offset);
  return out;
}

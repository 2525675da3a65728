// The event path's single-row writes as SQL text built once per shape (table, columns set, columns compared) instead
// of through the query builder for every event: building and compiling an update or an insert cost about as much as
// running it on SQLite. The text is the same for every event of a shape, so SQLite's statement cache compiles it once.
import { sql, type Kysely, type QueryResult } from "kysely";
import type { WriteQuery } from "./direct-writes.ts";
import type { Schema } from "./schema.ts";

/** Shapes kept; the event path has a few dozen (which columns a patch sets depends on the event). */
const MAX_SHAPES = 1000;
const COLUMN = /^[a-z_][a-z0-9_]*$/;

export class WriteSql {
  private readonly texts = new Map<string, string>();
  /** Per table, the columns and text of the last insert: the event path inserts the same columns every time. */
  private readonly lastInsert = new Map<string, { columns: string[]; text: string }>();
  private numbered: boolean | undefined;

  constructor(private readonly db: Kysely<Schema>) {}

  /** `update <table> set <set…> where <where…>` (defined values only in `set`; `where` values compared with =). */
  update(table: string, set: Record<string, unknown>, where: Record<string, unknown>): WriteQuery<unknown> {
    const params: unknown[] = [];
    let shape = `u\u0000${table}\u0000`;
    for (const k in set) {
      const v = set[k];
      if (v === undefined) continue;
      params.push(v);
      shape += `${k},`;
    }
    shape += "\u0000";
    for (const k in where) {
      params.push(where[k]);
      shape += `${k},`;
    }
    let text = this.texts.get(shape);
    if (text === undefined) {
      const n = this.counter();
      const sets = Object.keys(set)
        .filter((k) => set[k] !== undefined)
        .map((k) => `${quote(k)} = ${n()}`);
      const conds = Object.keys(where).map((k) => `${quote(k)} = ${n()}`);
      text = `update ${quote(table)} set ${sets.join(", ")} where ${conds.join(" and ")}`;
      this.remember(shape, text);
    }
    return { sql: text, parameters: params };
  }

  /**
   * `insert into <table> (<columns…>) values (…)` (undefined values left to the column defaults); read the new row's
   * id with `insertedId`. Only the id comes back: the caller has every other value it wrote, and reading the whole
   * row back (the closure's bytes included) cost a fifth of the insert on SQLite. PostgreSQL returns it (`returning
   * "id"`); SQLite reports it with the write (the rowid), which spares the statement its result row (≈ 1 µs a row).
   */
  insert(table: string, values: Record<string, unknown>): WriteQuery<{ id: number }> {
    const params: unknown[] = [];
    const last = this.lastInsert.get(table);
    if (last) {
      let i = 0;
      for (const k in values) {
        const v = values[k];
        if (v === undefined) continue;
        if (last.columns[i++] !== k) break;
        params.push(v);
      }
      if (params.length === last.columns.length && i === params.length) return { sql: last.text, parameters: params };
      params.length = 0;
    }
    let shape = `i\u0000${table}\u0000`;
    for (const k in values) {
      const v = values[k];
      if (v === undefined) continue;
      params.push(v);
      shape += `${k},`;
    }
    let text = this.texts.get(shape);
    if (text === undefined) {
      const n = this.counter();
      const cols = Object.keys(values).filter((k) => values[k] !== undefined);
      text = `insert into ${quote(table)} (${cols.map(quote).join(", ")}) values (${cols.map(() => n()).join(", ")})`;
      if (this.numbered) text += ' returning "id"';
      this.remember(shape, text);
    }
    this.lastInsert.set(table, { columns: Object.keys(values).filter((k) => values[k] !== undefined), text });
    return { sql: text, parameters: params };
  }

  private remember(shape: string, text: string): void {
    if (this.texts.size >= MAX_SHAPES) this.texts.delete(this.texts.keys().next().value as string);
    this.texts.set(shape, text);
  }

  /** Placeholders as the dialect writes them: `$1, $2…` (PostgreSQL) or `?` (SQLite). */
  private counter(): () => string {
    this.numbered ??= isNetworkDialect(this.db);
    let i = 0;
    return this.numbered ? () => `$${++i}` : () => "?";
  }
}

/** The id of the row an insert built by WriteSql.insert wrote. */
export function insertedId(res: QueryResult<{ id: number }>): number {
  const row = res.rows[0];
  return Number(row !== undefined ? row.id : res.insertId);
}

/** Whether the database is PostgreSQL (numbered placeholders) rather than SQLite, as the query builder compiles. */
export function isNetworkDialect(db: Kysely<Schema>): boolean {
  return sql`${0}`.compile(db).sql.startsWith("$");
}

function quote(identifier: string): string {
  if (!COLUMN.test(identifier)) throw new Error(`not a column name: ${identifier}`);
  return `"${identifier}"`;
}

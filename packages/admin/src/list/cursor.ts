// Keyset cursors inside list tokens. Upstream's token is a decimal offset, and an offset page costs a scan of every
// row before it (7 s at offset 500,000). Past CURSOR_FROM rows, and whenever a request came with a cursor, the
// response token is instead `c1.<base64url JSON>` naming the last row (its sort value and id): the next page starts
// right after that row in the index. Clients send tokens back verbatim, so both forms are accepted; decimal offsets
// keep working. A cursor is bound to its query (RPC, scope, filters, sort) by a fingerprint: sent with another query
// it is INVALID_ARGUMENT, as a malformed token is.
import { createHash } from "node:crypto";
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from "kysely";
import { invalidArgument } from "@aloft/core";
import type { SortOrder } from "./sort.ts";

/** Below this offset responses keep upstream's decimal tokens (cheap pages, and what existing clients expect). */
export const CURSOR_FROM = 1000;
const PREFIX = "c1.";

/** Sort columns that are never NULL (NULLs sort differently in SQLite and PostgreSQL, so no cursor over them). */
const CURSOR_COLUMNS = new Set([
  "id",
  "created_at",
  "updated_at",
  "execution_created_at",
  "execution_updated_at",
  "node_execution_created_at",
  "node_execution_updated_at",
  "task_execution_created_at",
  "task_execution_updated_at",
  "phase",
  "execution_name",
  "node_id",
  "retry_attempt",
  "duration",
]);

/** The last row of the previous page. */
export interface Cursor {
  value: string | number | null;
  id: number;
}

export interface DecodedCursor extends Cursor {
  offset: number;
}

export function cursorAllowed(sort: SortOrder | undefined): boolean {
  return sort === undefined || CURSOR_COLUMNS.has(sort.column);
}

export function queryFingerprint(parts: readonly string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("base64url").slice(0, 12);
}

export function isCursorToken(token: string): boolean {
  return token.startsWith(PREFIX);
}

export function encodeCursor(fingerprint: string, c: DecodedCursor): string {
  return PREFIX + Buffer.from(JSON.stringify([fingerprint, c.offset, c.value, c.id])).toString("base64url");
}

export function decodeCursor(token: string, fingerprint: string, rpc: string): DecodedCursor {
  const bad = () => invalidArgument("pagination.invalid_token", `invalid pagination token ${token} for ${rpc}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token.slice(PREFIX.length), "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw bad();
  const [fp, offset, value, id] = parsed as unknown[];
  const nonNegative = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
  if (typeof fp !== "string" || !nonNegative(offset) || !nonNegative(id)) throw bad();
  if (value !== null && typeof value !== "string" && !(typeof value === "number" && Number.isFinite(value))) {
    throw bad();
  }
  if (fp !== fingerprint) {
    throw invalidArgument(
      "pagination.stale_token",
      `pagination token ${token} for ${rpc} belongs to another query (filters, sort or scope changed)`,
    );
  }
  return { offset, value, id };
}

/** Rows strictly after `after` in the order applyOrder gives (`sort`, then `<table>.id asc`). */
export function afterExpression(
  eb: ExpressionBuilder<any, any>,
  sort: SortOrder | undefined,
  table: string,
  after: Cursor,
): Expression<SqlBool> {
  const id = sql.ref(`${table}.id`);
  if (sort === undefined || (sort.table === table && sort.column === "id")) {
    return eb(id, sort?.direction === "desc" ? "<" : ">", after.id);
  }
  const col = sql.ref(`${sort.table}.${sort.column}`);
  const desc = sort.direction === "desc";
  // `col <= v` (or >=) alone bounds the index range; the OR then settles the ties. Without it both databases scan
  // the index from its start and filter (O(offset) again).
  return eb.and([
    eb(col, desc ? "<=" : ">=", after.value),
    eb.or([eb(col, desc ? "<" : ">", after.value), eb(id, ">", after.id)]),
  ]);
}

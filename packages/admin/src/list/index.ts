// The one entry point managers call to turn a list request's filters / sort_by / limit / token into a query.
import type { Sort } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { ENTITIES, type EntityName, type PrimaryEntity } from "./entities.ts";
import { parseFilters, referencedEntities, type Filter } from "./filters.ts";
import {
  CURSOR_FROM,
  cursorAllowed,
  decodeCursor,
  encodeCursor,
  isCursorToken,
  queryFingerprint,
  type Cursor,
} from "./cursor.ts";
import { checkLimit, parseToken } from "./pagination.ts";
import { parseSort, type SortOrder } from "./sort.ts";

export { ENTITIES, ALLOWED_REFERENCES, type EntityName, type PrimaryEntity, type ColumnKind } from "./entities.ts";
export {
  parseFilters,
  makeFilter,
  referencedEntities,
  type Filter,
  type FilterFunction,
  type FilterValue,
} from "./filters.ts";
export { parseSort, type SortOrder } from "./sort.ts";
export { parseToken, checkLimit, nextToken } from "./pagination.ts";
export { filterExpression, filtersExpression, applyOrder, applyPage } from "./compile.ts";
export { afterExpression, type Cursor } from "./cursor.ts";
export { parseDurationNanos, parseTimestampMicros } from "./values.ts";

export interface ListParamsInput {
  entity: PrimaryEntity;
  filters: string;
  sortBy: Sort | undefined;
  limit: number;
  token: string;
  /** The RPC name used in the token error message, e.g. "ListProjects". */
  rpc: string;
  /** Every list RPC except ListProjects requires limit > 0. */
  limitRequired: boolean;
  /**
   * Set by lists whose repository applies `after` (keyset cursors, see cursor.ts): what else identifies the query
   * (e.g. the project and domain), so that a cursor cannot be replayed against another one.
   */
  cursorScope?: string;
}

export interface ListParams {
  filters: Filter[];
  sort: SortOrder | undefined;
  /** 0 = unlimited. */
  limit: number;
  offset: number;
  /** Entities other than the primary one that the filters reference: the repository must join them. */
  joins: EntityName[];
  /** From a cursor token: only rows after this one (and `offset` is 0). */
  after?: Cursor;
  /** How many rows precede this page (the offset, or the one the cursor recorded). */
  position: number;
  /** Present when the list supports cursors. */
  fingerprint?: string;
}

/** Entity defaults when the request has no sort_by (upstream: only ListProjects has one). */
const DEFAULT_SORT: Partial<Record<PrimaryEntity, { column: string; direction: "asc" | "desc" }>> = {
  project: { column: "identifier", direction: "asc" },
};

/** Validates and parses list parameters in upstream's order: limit, filters, sort, token. Throws AloftError (IA). */
export function parseListParams(input: ListParamsInput): ListParams {
  const limit = checkLimit(input.limit, input.limitRequired);
  const filters = parseFilters(input.filters, input.entity);
  let sort = parseSort(input.sortBy, input.entity);
  const fallback = DEFAULT_SORT[input.entity];
  if (sort === undefined && fallback) sort = { table: ENTITIES[input.entity].table, ...fallback };
  const joins = referencedEntities(filters, input.entity);
  if (input.cursorScope === undefined) {
    const offset = parseToken(input.token, input.rpc);
    return { filters, sort, limit, offset, joins, position: offset };
  }
  const fingerprint = queryFingerprint([
    input.rpc,
    input.cursorScope,
    input.filters,
    input.sortBy?.key ?? "",
    String(input.sortBy?.direction ?? ""),
  ]);
  if (isCursorToken(input.token) && cursorAllowed(sort)) {
    const c = decodeCursor(input.token, fingerprint, input.rpc);
    return { filters, sort, limit, offset: 0, joins, position: c.offset, after: c, fingerprint };
  }
  const offset = parseToken(input.token, input.rpc);
  return { filters, sort, limit, offset, joins, position: offset, fingerprint };
}

/**
 * The response token: "" unless the page is full; a cursor past CURSOR_FROM rows or after a cursor (when the list
 * supports them and the sort column is never NULL); else upstream's decimal offset.
 */
export function nextPageToken(params: ListParams, rows: readonly object[]): string {
  const last = rows[rows.length - 1] as Record<string, unknown> | undefined;
  if (rows.length !== params.limit || last === undefined) return "";
  const next = params.position + rows.length;
  const cursor = params.fingerprint !== undefined && cursorAllowed(params.sort);
  if (!cursor || (params.after === undefined && next < CURSOR_FROM)) return String(next);
  const value = params.sort === undefined ? null : (last[params.sort.column] as string | number | null);
  return encodeCursor(params.fingerprint!, { offset: next, value, id: Number(last.id) });
}

// The one entry point managers call to turn a list request's filters / sort_by / limit / token into a query.
import type { Sort } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { ENTITIES, type EntityName, type PrimaryEntity } from "./entities.ts";
import { parseFilters, referencedEntities, type Filter } from "./filters.ts";
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
}

export interface ListParams {
  filters: Filter[];
  sort: SortOrder | undefined;
  /** 0 = unlimited. */
  limit: number;
  offset: number;
  /** Entities other than the primary one that the filters reference: the repository must join them. */
  joins: EntityName[];
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
  const offset = parseToken(input.token, input.rpc);
  return { filters, sort, limit, offset, joins: referencedEntities(filters, input.entity) };
}

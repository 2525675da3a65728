// The filter language of list RPCs (upstream flyteadmin/pkg/manager/impl/util/filters.go, flyteadmin/pkg/common/filters.go): `fn(field,value)` expressions joined by `+`.
import { invalidArgument, invalidValue } from "@aloft/core";
import {
  ALLOWED_REFERENCES,
  ENTITIES,
  FIELD_PREFIXES,
  resolveColumn,
  type ColumnKind,
  type EntityName,
  type PrimaryEntity,
} from "./entities.ts";
import { matchFilterExpression } from "./filter-match.ts";
import { parseDurationNanos, parseTimestampMicros } from "./values.ts";
import { textProblem } from "../validation/text.ts";

export type FilterFunction =
  | "eq"
  | "ne"
  | "gt"
  | "gte"
  | "lt"
  | "lte"
  | "contains"
  | "not_like"
  | "value_in"
  | "value_not_in";

const SINGLE_VALUE = new Set<FilterFunction>(["eq", "ne", "gt", "gte", "lt", "lte", "contains", "not_like"]);
const FUNCTIONS = new Set<string>([...SINGLE_VALUE, "value_in", "value_not_in"]);

/** Upstream's names for the functions, used in its error messages. */
const FUNCTION_NAMES: Record<FilterFunction, string> = {
  contains: "contains",
  not_like: "not like",
  gt: "greater than",
  gte: "greater than or equal",
  lt: "less than",
  lte: "less than or equal",
  eq: "equal",
  ne: "not equal",
  value_in: "value in",
  value_not_in: "value not in",
};

export type FilterValue = string | number;

/** One parsed, validated filter. `table`/`column` come only from the allow-lists in entities.ts. */
export interface Filter {
  /** The entity whose table holds the column (after upstream's redirections, e.g. admin_tag → execution_tag). */
  entity: EntityName;
  table: string;
  column: string;
  fn: FilterFunction;
  /** One value for single-value functions, one or more for value_in / value_not_in. */
  values: FilterValue[];
  /** When set, the column is compared as `COALESCE(column, defaultValue)` (named entity state). */
  defaultValue?: FilterValue;
}

/**
 * Parses a request's `filters` string for the given primary entity. An empty string means no filters.
 * Every problem is an INVALID_ARGUMENT AloftError with upstream's message.
 */
export function parseFilters(text: string, primary: PrimaryEntity): Filter[] {
  if (text === "") return [];
  return text.split("+").map((expr) => parseExpression(expr, primary));
}

function parseExpression(expr: string, primary: PrimaryEntity): Filter {
  const m = matchFilterExpression(expr);
  if (!m) throw invalidValue("filters");
  let entity: EntityName = primary;
  let field = m.field;
  const dot = field.indexOf(".");
  if (dot >= 0) {
    const prefixed = FIELD_PREFIXES.get(field.slice(0, dot));
    if (prefixed) {
      entity = prefixed;
      field = field.slice(dot + 1);
    }
  }
  if (!ALLOWED_REFERENCES[primary].has(entity)) {
    throw invalidArgument("filters.entity_not_allowed", `'${ENTITIES[entity].code}' entity is not allowed in filters`);
  }
  const kind = ENTITIES[entity].columns.get(field);
  if (kind === undefined) {
    throw invalidArgument("filters.invalid_field", `'${ENTITIES[entity].code}.${field}' is invalid filter`);
  }
  if (!FUNCTIONS.has(m.fn))
    throw invalidArgument("filters.unrecognized_function", `unrecognized filter function: ${m.fn}`);
  const fn = m.fn as FilterFunction;
  const values = prepareValues(m.value.split(";"), kind, fn, `${ENTITIES[entity].code}.${field}`);
  // Upstream hands a list to a single-value function and fails in the database (INTERNAL); we reject it up front.
  if (SINGLE_VALUE.has(fn) && values.length !== 1) {
    throw invalidArgument(
      "filters.invalid_single_value",
      `invalid single value filter expression: ${FUNCTION_NAMES[fn]}`,
    );
  }
  const target = resolveColumn(entity, field);
  return { entity: target.entity, table: ENTITIES[target.entity].table, column: target.column, fn, values };
}

/** Builds a filter programmatically (the implicit filters managers add), validated like a parsed one. */
export function makeFilter(
  primary: PrimaryEntity,
  fn: FilterFunction,
  field: string,
  values: FilterValue | FilterValue[],
): Filter {
  const target = resolveColumn(primary, field);
  if (!ENTITIES[target.entity].columns.has(target.column)) {
    throw invalidArgument("filters.invalid_field", `'${ENTITIES[primary].code}.${field}' is invalid filter`);
  }
  const list = Array.isArray(values) ? values : [values];
  return { entity: target.entity, table: ENTITIES[target.entity].table, column: target.column, fn, values: list };
}

/** The entities other than the primary one that a list of filters references (the repository joins them). */
export function referencedEntities(filters: readonly Filter[], primary: PrimaryEntity): EntityName[] {
  const out = new Set<EntityName>();
  for (const f of filters) if (f.entity !== primary) out.add(f.entity);
  return [...out];
}

const PATTERN_FUNCTIONS = new Set<FilterFunction>(["contains", "not_like"]);

/** Converts values for the column's storage type; anything the database could not compare is INVALID_ARGUMENT. */
function prepareValues(raw: string[], kind: ColumnKind, fn: FilterFunction, field: string): FilterValue[] {
  switch (kind) {
    case "timestamp":
      return raw.map(parseTimestampMicros);
    case "duration":
      return raw.map(parseDurationNanos);
    case "binary":
      throw invalidArgument("filters.binary_column", `'${field}' holds serialized data and cannot be filtered`);
    case "integer":
      if (PATTERN_FUNCTIONS.has(fn)) {
        throw invalidArgument(
          "filters.pattern_on_integer",
          `'${field}' is an integer column: use eq, ne, gt, gte, lt, lte, value_in or value_not_in`,
        );
      }
      return raw.map((v) => {
        if (!/^-?\d{1,15}$/.test(v))
          throw invalidArgument("filters.invalid_integer", `invalid integer value [${v}] for filter on '${field}'`);
        return Number(v);
      });
    default:
      // A NUL or a lone surrogate cannot be compared with text on PostgreSQL (the query would fail INTERNAL) while
      // SQLite would match it: refuse it the same way on both.
      for (const v of raw) {
        const problem = textProblem(v);
        if (problem)
          throw invalidArgument("filters.invalid_text", `invalid value for filter on '${field}': ${problem}`);
      }
      return raw;
  }
}

// The entities a list filter or sort may name, with the column allow-lists they are validated against.
// Column names are the database column names (upstream: gorm's snake_case names); they are the ONLY
// identifiers that ever reach SQL from a request, so nothing outside these lists can be referenced.

export type EntityName =
  | "task"
  | "workflow"
  | "launch_plan"
  | "execution"
  | "node_execution"
  | "task_execution"
  | "named_entity"
  | "named_entity_metadata"
  | "project"
  | "signal"
  | "admin_tag"
  | "execution_admin_tag"
  | "execution_tag";

/** How a filter value for a column is prepared before it becomes an SQL parameter. */
export type ColumnKind = "plain" | "timestamp" | "duration" | "integer" | "binary";

export interface EntityInfo {
  /** Upstream's short entity code, used verbatim in error messages (`'w' entity is not allowed in filters`). */
  code: string;
  /** The table (or query alias) that qualifies this entity's columns. */
  table: string;
  columns: ReadonlyMap<string, ColumnKind>;
}

const base = ["id", "created_at", "updated_at", "deleted_at"];
const TIMESTAMP_COLUMNS = new Set([
  "created_at",
  "updated_at",
  "deleted_at",
  "started_at",
  "execution_created_at",
  "execution_updated_at",
  "node_execution_created_at",
  "node_execution_updated_at",
  "task_execution_created_at",
  "task_execution_updated_at",
]);

/** Integer columns: a non-integer value would fail inside PostgreSQL, so it is rejected up front (INVALID_ARGUMENT). */
const INTEGER_COLUMNS = new Set(["id", "state", "mode", "retry_attempt", "phase_version", "priority", "resource_type"]);
/** Serialized protobuf columns: comparing them with text is meaningless and fails in PostgreSQL. */
const BINARY_COLUMNS = new Set([
  "closure",
  "spec",
  "labels",
  "typed_interface",
  "node_execution_metadata",
  "internal_data",
]);

function kindOf(n: string): ColumnKind {
  if (TIMESTAMP_COLUMNS.has(n)) return "timestamp";
  if (n === "duration") return "duration";
  if (INTEGER_COLUMNS.has(n)) return "integer";
  if (BINARY_COLUMNS.has(n)) return "binary";
  return "plain";
}

function columns(...names: string[]): ReadonlyMap<string, ColumnKind> {
  return new Map(names.map((n): [string, ColumnKind] => [n, kindOf(n)]));
}

const executionKey = ["execution_project", "execution_domain", "execution_name"];

export const ENTITIES: Readonly<Record<EntityName, EntityInfo>> = {
  task: {
    code: "t",
    table: "tasks",
    columns: columns(...base, "project", "domain", "name", "version", "closure", "digest", "type", "short_description"),
  },
  workflow: {
    code: "w",
    table: "workflows",
    columns: columns(
      ...base,
      "project",
      "domain",
      "name",
      "version",
      "typed_interface",
      "remote_closure_identifier",
      "digest",
      "short_description",
    ),
  },
  launch_plan: {
    code: "l",
    table: "launch_plans",
    columns: columns(
      ...base,
      "project",
      "domain",
      "name",
      "version",
      "spec",
      "workflow_id",
      "closure",
      "state",
      "digest",
      "schedule_type",
      "launch_condition_type",
    ),
  },
  execution: {
    code: "e",
    table: "executions",
    columns: columns(
      ...base,
      ...executionKey,
      "launch_plan_id",
      "workflow_id",
      "task_id",
      "phase",
      "closure",
      "spec",
      "started_at",
      "execution_created_at",
      "execution_updated_at",
      "duration",
      "abort_cause",
      "mode",
      "source_execution_id",
      "parent_node_execution_id",
      "cluster",
      "inputs_uri",
      "user_inputs_uri",
      "error_kind",
      "error_code",
      "user",
      "state",
      "launch_entity",
    ),
  },
  node_execution: {
    code: "ne",
    table: "node_executions",
    columns: columns(
      ...base,
      ...executionKey,
      "node_id",
      "phase",
      "input_uri",
      "closure",
      "started_at",
      "node_execution_created_at",
      "node_execution_updated_at",
      "duration",
      "node_execution_metadata",
      "parent_id",
      "parent_task_execution_id",
      "error_kind",
      "error_code",
      "cache_status",
      "dynamic_workflow_remote_closure_reference",
      "internal_data",
    ),
  },
  task_execution: {
    code: "te",
    table: "task_executions",
    columns: columns(
      ...base,
      "project",
      "domain",
      "name",
      "version",
      ...executionKey,
      "node_id",
      "retry_attempt",
      "phase",
      "phase_version",
      "input_uri",
      "closure",
      "started_at",
      "task_execution_created_at",
      "task_execution_updated_at",
      "duration",
    ),
  },
  // Named entities are a grouped query over tasks/workflows/launch plans; the repository aliases it `entities`.
  named_entity: {
    code: "nen",
    table: "entities",
    columns: columns("resource_type", "project", "domain", "name", "description", "state"),
  },
  named_entity_metadata: {
    code: "nem",
    table: "named_entity_metadata",
    columns: columns(...base, "resource_type", "project", "domain", "name", "description", "state"),
  },
  project: {
    code: "p",
    table: "projects",
    columns: columns(...base, "identifier", "name", "description", "labels", "state"),
  },
  signal: {
    code: "s",
    table: "signals",
    // `type` and `value` hold serialized messages here (unlike execution_tags.value), so they cannot be filtered.
    columns: new Map<string, ColumnKind>([
      ...columns(...base, ...executionKey, "signal_id"),
      ["type", "binary"],
      ["value", "binary"],
    ]),
  },
  // admin_tag filters are validated against the old admin_tags model and then redirected to execution_tags.
  admin_tag: { code: "at", table: "admin_tags", columns: columns(...base, "name") },
  execution_admin_tag: {
    code: "eat",
    table: "execution_admin_tags",
    columns: columns(...base, ...executionKey, "admin_tag_id"),
  },
  execution_tag: {
    code: "et",
    table: "execution_tags",
    columns: columns(...base, ...executionKey, "key", "value"),
  },
};

/** `<prefix>.` in a filter field names another entity. */
export const FIELD_PREFIXES: ReadonlyMap<string, EntityName> = new Map<string, EntityName>([
  ["task", "task"],
  ["workflow", "workflow"],
  ["launch_plan", "launch_plan"],
  ["execution", "execution"],
  ["node_execution", "node_execution"],
  ["task_execution", "task_execution"],
  ["entities", "named_entity"],
  ["named_entity_metadata", "named_entity_metadata"],
  ["project", "project"],
  ["signal", "signal"],
  ["admin_tag", "admin_tag"],
  ["execution_admin_tag", "execution_admin_tag"],
  ["execution_tag", "execution_tag"],
]);

/** The entities a list RPC may list (the "primary" entity of a query). */
export type PrimaryEntity =
  | "task"
  | "workflow"
  | "launch_plan"
  | "execution"
  | "node_execution"
  | "task_execution"
  | "named_entity"
  | "project"
  | "signal";

/** Which entities each primary entity's filters may reference (upstream `allowedJoinEntities`). */
export const ALLOWED_REFERENCES: Readonly<Record<PrimaryEntity, ReadonlySet<EntityName>>> = {
  execution: new Set(["execution", "launch_plan", "workflow", "task", "admin_tag", "execution_tag"]),
  launch_plan: new Set(["launch_plan", "workflow"]),
  node_execution: new Set(["node_execution", "execution"]),
  task_execution: new Set(["task_execution", "task", "execution", "node_execution"]),
  task: new Set(["task"]),
  workflow: new Set(["workflow"]),
  project: new Set(["project"]),
  signal: new Set(["signal"]),
  named_entity: new Set(["named_entity", "named_entity_metadata"]),
};

const EXECUTION_ID_FIELDS = new Set(["org", "project", "domain", "name"]);
const EXECUTION_ID_ENTITIES = new Set<EntityName>(["execution", "node_execution", "task_execution"]);

/**
 * After validation a (entity, field) pair may address another table or column (upstream `customizeField` /
 * `customizeEntity`): identifier fields of execution-like entities live in `execution_*` columns, named entity
 * description/state live in the metadata table, and admin tags were migrated to execution_tags (`name` → `key`).
 */
export function resolveColumn(entity: EntityName, field: string): { entity: EntityName; column: string } {
  let column = field;
  if (EXECUTION_ID_ENTITIES.has(entity) && EXECUTION_ID_FIELDS.has(field)) column = `execution_${field}`;
  if (entity === "admin_tag" && field === "name") column = "key";
  let target = entity;
  if (entity === "named_entity" && (field === "description" || field === "state")) target = "named_entity_metadata";
  if (entity === "admin_tag") target = "execution_tag";
  return { entity: target, column };
}

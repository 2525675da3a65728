// Kysely table interfaces: the only types the persistence layer owns (flyteidl messages are the domain model).
// Conventions for every table: `id` auto-increment primary key; `created_at`, `updated_at`, `deleted_at` as
// integer microseconds since the epoch (see timestamps.ts); serialized protobuf messages as bytes.
import type { Generated } from "kysely";
import type { Micros } from "./timestamps.ts";

/** The columns every versioned entity table has. */
export interface BaseColumns {
  id: Generated<number>;
  created_at: Micros;
  updated_at: Micros;
  deleted_at: Micros | null;
}

export interface ProjectsTable extends BaseColumns {
  identifier: string;
  name: string;
  description: string;
  /** Serialized flyteidl.admin.Labels, or null when the project has none. */
  labels: Uint8Array | null;
  /** flyteidl.admin.Project.ProjectState: ACTIVE=0, ARCHIVED=1, SYSTEM_GENERATED=2, SYSTEM_ARCHIVED=3. */
  state: Generated<number>;
}

/** Matchable resources (upstream flyteadmin/pkg/manager/impl/resources/resource_manager.go): "" in project/domain/workflow/launch_plan means "any". */
export interface ResourcesTable {
  id: Generated<number>;
  created_at: Micros;
  updated_at: Micros;
  project: string;
  domain: string;
  workflow: string;
  launch_plan: string;
  /** flyteidl.admin.MatchableResource enum name, e.g. TASK_RESOURCE. */
  resource_type: string;
  /** project 5, project-domain 10, workflow 100, launch plan 1000. */
  priority: number;
  /** Serialized flyteidl.admin.MatchingAttributes. */
  attributes: Uint8Array;
}

export interface WorkflowsTable extends BaseColumns {
  project: string;
  domain: string;
  name: string;
  version: string;
  /** Serialized flyteidl.core.TypedInterface of the workflow template, or null when it has none. */
  typed_interface: Uint8Array | null;
  /** URI of the admin.WorkflowClosure in the blob store. */
  remote_closure_identifier: string;
  /** Hex content digest of the CompiledWorkflowClosure. */
  digest: string;
  short_description: string;
}

export interface LaunchPlansTable extends BaseColumns {
  project: string;
  domain: string;
  name: string;
  version: string;
  /** Serialized flyteidl.admin.LaunchPlanSpec (default_inputs = the expected inputs). */
  spec: Uint8Array;
  /** workflows.id of the launched workflow. */
  workflow_id: number;
  /** Serialized flyteidl.admin.LaunchPlanClosure without state and timestamps (they come from the row). */
  closure: Uint8Array;
  /** flyteidl.admin.LaunchPlanState: INACTIVE=0, ACTIVE=1. */
  state: Generated<number>;
  /** Hex content digest of the LaunchPlan{id, spec, closure}. */
  digest: string;
  /** NONE | CRON | RATE. */
  schedule_type: Generated<string>;
  /** SCHED when the launch plan has a schedule, else null. */
  launch_condition_type: string | null;
}

export interface TasksTable extends BaseColumns {
  project: string;
  domain: string;
  name: string;
  version: string;
  /** Serialized flyteidl.admin.TaskClosure (compiled task; created_at is taken from the row when read). */
  closure: Uint8Array;
  /** Hex content digest of the CompiledTask. */
  digest: string;
  /** The task template's type. */
  type: string;
  short_description: string;
}

export interface DescriptionEntitiesTable extends BaseColumns {
  /** flyteidl.core.ResourceType: TASK=1, WORKFLOW=2. */
  resource_type: number;
  project: string;
  domain: string;
  name: string;
  version: string;
  short_description: string;
  /** Serialized flyteidl.admin.Description, or null when the spec had none. */
  long_description: Uint8Array | null;
  /** source_code.link */
  link: string;
}

export interface NamedEntityMetadataTable extends BaseColumns {
  resource_type: number;
  project: string;
  domain: string;
  name: string;
  description: string;
  /** flyteidl.admin.NamedEntityState; null reads as ACTIVE (0). */
  state: number | null;
}

/** Workflow executions (upstream flyteadmin/pkg/manager/impl/execution_manager.go). Phase as the enum name; state and mode as ints; µs timestamps; ns duration. */
export interface ExecutionsTable extends BaseColumns {
  execution_project: string;
  execution_domain: string;
  execution_name: string;
  launch_plan_id: number | null;
  workflow_id: number | null;
  task_id: number | null;
  /** flyteidl.core.WorkflowExecution.Phase name, e.g. RUNNING. */
  phase: string;
  /** Serialized flyteidl.admin.ExecutionClosure. */
  closure: Uint8Array;
  /** Serialized flyteidl.admin.ExecutionSpec. */
  spec: Uint8Array;
  started_at: Micros | null;
  execution_created_at: Micros;
  execution_updated_at: Micros;
  /** Nanoseconds. */
  duration: Generated<number>;
  abort_cause: Generated<string>;
  /** flyteidl.admin.ExecutionMetadata.ExecutionMode. */
  mode: Generated<number>;
  source_execution_id: number | null;
  parent_node_execution_id: number | null;
  cluster: Generated<string>;
  inputs_uri: Generated<string>;
  user_inputs_uri: Generated<string>;
  error_kind: string | null;
  error_code: string | null;
  user: Generated<string>;
  /** flyteidl.admin.ExecutionState: ACTIVE=0, ARCHIVED=1. */
  state: Generated<number>;
  /** "launch_plan" or "task". */
  launch_entity: Generated<string>;
  /** launch_plans.name / workflows.name of launch_plan_id / workflow_id, copied for indexed name filters. */
  launch_plan_name: string | null;
  workflow_name: string | null;
}

/** Labels (key, value) and tags (key, "") of executions, for `execution_tag.*` / `admin_tag.*` filters. */
export interface ExecutionTagsTable extends BaseColumns {
  execution_project: string;
  execution_domain: string;
  execution_name: string;
  key: string;
  value: Generated<string>;
}

export interface NodeExecutionsTable extends BaseColumns {
  execution_project: string;
  execution_domain: string;
  execution_name: string;
  node_id: string;
  /** flyteidl.core.NodeExecution.Phase name. */
  phase: string;
  input_uri: Generated<string>;
  /** Serialized flyteidl.admin.NodeExecutionClosure. */
  closure: Uint8Array;
  started_at: Micros | null;
  node_execution_created_at: Micros;
  node_execution_updated_at: Micros;
  duration: Generated<number>;
  /** Serialized flyteidl.admin.NodeExecutionMetaData. */
  node_execution_metadata: Uint8Array | null;
  parent_id: number | null;
  parent_task_execution_id: number | null;
  error_kind: string | null;
  error_code: string | null;
  cache_status: string | null;
  dynamic_workflow_remote_closure_reference: Generated<string>;
  internal_data: Uint8Array | null;
  /** The event_version of the events that wrote the row (0: derive is_parent from children). */
  event_version: Generated<number>;
}

export interface TaskExecutionsTable extends BaseColumns {
  /** The task id. */
  project: string;
  domain: string;
  name: string;
  version: string;
  execution_project: string;
  execution_domain: string;
  execution_name: string;
  node_id: string;
  retry_attempt: number;
  /** flyteidl.core.TaskExecution.Phase name. */
  phase: string;
  phase_version: number;
  input_uri: Generated<string>;
  /** Serialized flyteidl.admin.TaskExecutionClosure. */
  closure: Uint8Array;
  started_at: Micros | null;
  task_execution_created_at: Micros;
  task_execution_updated_at: Micros;
  duration: Generated<number>;
}

/** Data catalog datasets (datacatalog.Dataset), unique on (project, name, domain, version, org). */
export interface CatalogDatasetsTable {
  id: Generated<number>;
  created_at: Micros;
  updated_at: Micros;
  project: string;
  name: string;
  domain: string;
  version: string;
  org: Generated<string>;
  uuid: string;
  /** Serialized datacatalog.Metadata (empty when the dataset has none). */
  metadata: Uint8Array;
  /** JSON array of the partition key names, in the order given. */
  partition_keys: Generated<string>;
}

/** Data catalog artifacts, unique on (dataset_id, artifact_id). */
export interface CatalogArtifactsTable {
  id: Generated<number>;
  created_at: Micros;
  updated_at: Micros;
  /** catalog_datasets.id */
  dataset_id: number;
  artifact_id: string;
  /** Serialized datacatalog.Metadata. */
  metadata: Uint8Array;
  /** Serialized datacatalog.Artifact carrying only `data` (the ArtifactData list, literals exactly as given). */
  data: Uint8Array;
}

export interface CatalogPartitionsTable {
  id: Generated<number>;
  /** catalog_artifacts.id */
  artifact_pk: number;
  /** Order of the partition in the artifact as created. */
  position: Generated<number>;
  key: string;
  value: string;
}

export interface CatalogTagsTable {
  id: Generated<number>;
  created_at: Micros;
  updated_at: Micros;
  /** catalog_datasets.id */
  dataset_id: number;
  tag_name: string;
  /** catalog_artifacts.id */
  artifact_pk: number;
}

export interface CatalogReservationsTable {
  id: Generated<number>;
  created_at: Micros;
  updated_at: Micros;
  project: string;
  name: string;
  domain: string;
  version: string;
  org: Generated<string>;
  tag_name: string;
  owner_id: string;
  expires_at: Micros;
}

/** Gate node signals (SignalService), unique on (execution, signal_id). */
export interface SignalsTable extends BaseColumns {
  execution_project: string;
  execution_domain: string;
  execution_name: string;
  signal_id: string;
  /** Serialized flyteidl.core.LiteralType the value must be castable to. */
  type: Uint8Array;
  /** Serialized flyteidl.core.Literal, null until the signal is set. */
  value: Uint8Array | null;
}

/** The self-hosted authorization server's codes and refresh tokens, by hash (auth/grant-store.ts). */
/** RFC 8628 device codes (0017): by hash; times in milliseconds since the epoch. */
export interface AuthDeviceCodesTable {
  device_hash: string;
  user_hash: string;
  client_id: string;
  /** Space-separated. */
  scope: string;
  status: "pending" | "approved" | "denied";
  /** Who approved (or denied) it. */
  subject: Generated<string>;
  /** When the approver's session token was issued, in seconds (the ID token's auth_time). */
  auth_time: Generated<number>;
  interval_ms: number;
  last_poll_at: Generated<number>;
  created_at: number;
  expires_at: number;
}

export interface AuthGrantsTable {
  token_hash: string;
  /** `revoked`: the mark of a revoked refresh token family (token_hash is a hash of the family). */
  kind: "code" | "refresh" | "revoked";
  /** The refresh token family; "" for a code. */
  family: string;
  /** The grant as JSON. */
  grant_json: string;
  /** 1 once a refresh token has been rotated. */
  retired: Generated<number>;
  /** Milliseconds since the epoch. */
  created_at: number;
  expires_at: number;
}

/** The native scheduler's schedules (migration 0016): one row per launch plan version whose schedule was activated. */
export interface SchedulableEntitiesTable extends BaseColumns {
  project: string;
  domain: string;
  name: string;
  version: string;
  /** The cron text of a cron schedule, "" for a fixed rate. */
  cron_expression: string;
  fixed_rate_value: number;
  /** flyteidl.admin.FixedRateUnit: MINUTE=0, HOUR=1, DAY=2. */
  unit: number;
  kickoff_time_input_arg: string;
  /** 1 while the launch plan version is ACTIVE. */
  active: number;
  /** The newest scheduled time fired (the snapshot that survives restarts); null until the first fire. */
  last_fire_at: Micros | null;
  last_error: string | null;
  last_error_at: Micros | null;
}

export interface Schema {
  projects: ProjectsTable;
  tasks: TasksTable;
  description_entities: DescriptionEntitiesTable;
  named_entity_metadata: NamedEntityMetadataTable;
  resources: ResourcesTable;
  workflows: WorkflowsTable;
  launch_plans: LaunchPlansTable;
  executions: ExecutionsTable;
  execution_tags: ExecutionTagsTable;
  node_executions: NodeExecutionsTable;
  task_executions: TaskExecutionsTable;
  catalog_datasets: CatalogDatasetsTable;
  catalog_artifacts: CatalogArtifactsTable;
  catalog_partitions: CatalogPartitionsTable;
  catalog_tags: CatalogTagsTable;
  catalog_reservations: CatalogReservationsTable;
  signals: SignalsTable;
  auth_grants: AuthGrantsTable;
  schedulable_entities: SchedulableEntitiesTable;
  auth_device_codes: AuthDeviceCodesTable;
}

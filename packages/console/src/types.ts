// The JSON shapes of the flyteidl messages the console reads, as admin's HTTP gateway writes them for
// `Accept: application/json` (proto field names, enums by name, int64 as strings, unset messages as null). Only the
// fields the console uses are named; everything is optional because the server may omit or null them.

export interface Identifier {
  resource_type?: string;
  project: string;
  domain: string;
  name: string;
  version?: string;
}

export interface ExecutionId {
  project: string;
  domain: string;
  name: string;
}

export interface Domain {
  id: string;
  name: string;
}

export interface Project {
  id: string;
  name: string;
  description?: string;
  domains?: Domain[] | null;
}

export interface LiteralType {
  simple?: string;
  blob?: { format?: string; dimensionality?: string } | null;
  collection_type?: LiteralType | null;
  map_value_type?: LiteralType | null;
  enum_type?: { values?: string[] } | null;
  union_type?: { variants?: LiteralType[] } | null;
  structured_dataset_type?: unknown;
  schema?: unknown;
  structure?: { tag?: string } | null;
  metadata?: unknown;
}

export interface Variable {
  type?: LiteralType | null;
  description?: string;
}

export interface TypedInterface {
  inputs?: { variables?: Record<string, Variable> | null } | null;
  outputs?: { variables?: Record<string, Variable> | null } | null;
}

export interface Primitive {
  integer?: string;
  float_value?: number | string;
  string_value?: string;
  boolean?: boolean;
  datetime?: string;
  duration?: string;
}

export interface Scalar {
  primitive?: Primitive | null;
  blob?: { uri?: string; metadata?: { type?: { format?: string; dimensionality?: string } } } | null;
  binary?: { value?: string; tag?: string } | null;
  none_type?: object | null;
  error?: { failed_node_id?: string; message?: string } | null;
  generic?: unknown;
  union?: { value?: Literal | null; type?: LiteralType | null } | null;
  structured_dataset?: { uri?: string } | null;
  schema?: { uri?: string } | null;
}

export interface Literal {
  scalar?: Scalar | null;
  collection?: { literals?: Literal[] | null } | null;
  map?: { literals?: Record<string, Literal> | null } | null;
  offloaded_metadata?: { uri?: string; size_bytes?: string } | null;
}

export interface LiteralMap {
  literals?: Record<string, Literal> | null;
}

export interface Parameter {
  var?: Variable | null;
  default?: Literal | null;
  required?: boolean;
}

export interface ExecutionError {
  code?: string;
  message?: string;
  kind?: string;
}

export interface Execution {
  id: ExecutionId;
  spec?: {
    launch_plan?: Identifier | null;
    metadata?: {
      mode?: string;
      principal?: string;
      /** The launch-plan node that started this execution, when it is a child of another. */
      parent_node_execution?: { node_id?: string; execution_id?: ExecutionId | null } | null;
    } | null;
  } | null;
  closure?: {
    phase?: string;
    started_at?: string | null;
    duration?: string | null;
    created_at?: string | null;
    updated_at?: string | null;
    error?: ExecutionError | null;
    abort_metadata?: { cause?: string; principal?: string } | null;
    workflow_id?: Identifier | null;
  } | null;
}

export interface BindingData {
  promise?: { node_id?: string; var?: string } | null;
  collection?: { bindings?: BindingData[] } | null;
  map?: { bindings?: Record<string, BindingData> } | null;
  scalar?: unknown;
}

export interface WorkflowNode {
  id: string;
  metadata?: { name?: string } | null;
  inputs?: { var: string; binding?: BindingData | null }[] | null;
  upstream_node_ids?: string[] | null;
  task_node?: { reference_id?: Identifier | null } | null;
  workflow_node?: { sub_workflow_ref?: Identifier | null; launchplan_ref?: Identifier | null } | null;
  branch_node?: BranchNode | null;
  gate_node?: unknown;
  array_node?: unknown;
}

export interface BranchNode {
  if_else?: {
    case?: { then_node?: WorkflowNode | null } | null;
    other?: { then_node?: WorkflowNode | null }[] | null;
    else_node?: WorkflowNode | null;
  } | null;
}

export interface CompiledWorkflow {
  template?: { id?: Identifier | null; interface?: TypedInterface | null; nodes?: WorkflowNode[] | null } | null;
  connections?: {
    upstream?: Record<string, { ids?: string[] }> | null;
    downstream?: Record<string, { ids?: string[] }> | null;
  } | null;
}

export interface Workflow {
  id: Identifier;
  closure?: {
    compiled_workflow?: { primary?: CompiledWorkflow | null; sub_workflows?: CompiledWorkflow[] | null } | null;
    created_at?: string | null;
  } | null;
  short_description?: string;
}

export interface Task {
  id: Identifier;
  closure?: {
    compiled_task?: { template?: { type?: string; interface?: TypedInterface | null } | null } | null;
    created_at?: string | null;
  } | null;
  short_description?: string;
}

export interface LaunchPlan {
  id: Identifier;
  spec?: {
    workflow_id?: Identifier | null;
    default_inputs?: { parameters?: Record<string, Parameter> | null } | null;
    fixed_inputs?: LiteralMap | null;
    entity_metadata?: { schedule?: LaunchPlanSchedule | null } | null;
  } | null;
  closure?: {
    state?: string;
    expected_inputs?: { parameters?: Record<string, Parameter> | null } | null;
    expected_outputs?: { variables?: Record<string, Variable> | null } | null;
    created_at?: string | null;
  } | null;
}

export interface NodeExecution {
  id: { node_id: string; execution_id?: ExecutionId };
  closure?: {
    phase?: string;
    started_at?: string | null;
    duration?: string | null;
    error?: ExecutionError | null;
    /** A launch-plan node's child execution (the proto field is `executionId` itself, so its JSON name is too). */
    workflow_node_metadata?: { executionId?: ExecutionId | null } | null;
  } | null;
  metadata?: { spec_node_id?: string; is_parent_node?: boolean; retry_group?: string } | null;
}

export interface ExecutionData {
  full_inputs?: LiteralMap | null;
  full_outputs?: LiteralMap | null;
}

export interface LaunchPlanSchedule {
  cron_expression?: string;
  cron_schedule?: { schedule?: string; offset?: string } | null;
  rate?: { value?: number; unit?: string } | null;
  kickoff_time_input_arg?: string;
}

export interface NamedEntity {
  resource_type?: string;
  id: { project: string; domain: string; name: string };
  metadata?: { description?: string; state?: string } | null;
}

/** One row of admin's `/api/v1/aloft/schedules` (Aloft's own JSON, lowerCamelCase): an active schedule. */
export interface ScheduleView {
  launchPlan: { project: string; domain: string; name: string; version: string };
  schedule: string;
  kickoffTimeInputArg: string;
  activatedAt: string | null;
  lastFireTime: string | null;
  nextFireTime: string | null;
  lastError: string | null;
  lastErrorTime: string | null;
}

export interface TaskExecution {
  id: {
    task_id?: Identifier | null;
    node_execution_id?: { node_id: string; execution_id?: ExecutionId } | null;
    retry_attempt?: number;
  };
  closure?: {
    phase?: string;
    logs?: { uri?: string; name?: string }[] | null;
    started_at?: string | null;
    duration?: string | null;
    error?: ExecutionError | null;
    reason?: string;
    metadata?: { external_resources?: { external_id?: string; index?: number; phase?: string }[] | null } | null;
  } | null;
}

export interface Signal {
  id: { signal_id: string; execution_id?: ExecutionId };
  type?: LiteralType | null;
  value?: Literal | null;
}

/** GetExecutionMetrics' span: an entity (workflow, node or task attempt) or an operation, with its children. */
export interface Span {
  start_time?: string | null;
  end_time?: string | null;
  workflow_id?: ExecutionId | null;
  node_id?: { node_id: string } | null;
  task_id?: { retry_attempt?: number; node_execution_id?: { node_id: string } | null } | null;
  operation_id?: string;
  spans?: Span[] | null;
}

// Rows for admin's repository and manager tests (never imported by production code): one row of each execution table
// with every column given, in project "p", domain "d", execution "e1" unless told; any column overridable. And the
// tables tests empty before each test.
import type { Insertable } from "kysely";
import type { NewExecutionRow } from "./execution-repo.ts";
import type { NewNodeExecutionRow } from "./node-execution-repo.ts";
import type { ExecutionsTable } from "./schema.ts";
import type { NewTaskExecutionRow } from "./task-execution-repo.ts";

/** What ExecutionRepo.create takes: a RUNNING execution with no launch plan, workflow or task. */
export function executionRow(name: string, over: Partial<NewExecutionRow> = {}): NewExecutionRow {
  return {
    execution_project: "p",
    execution_domain: "d",
    execution_name: name,
    launch_plan_id: null,
    workflow_id: null,
    task_id: null,
    phase: "RUNNING",
    closure: new Uint8Array([1]),
    spec: new Uint8Array([2]),
    started_at: null,
    execution_updated_at: 1,
    error_kind: null,
    error_code: null,
    source_execution_id: null,
    parent_node_execution_id: null,
    ...over,
  };
}

/** A whole `executions` row for a raw insert (the times ExecutionRepo.create would set, all 1). */
export function executionTableRow(name: string, over: Partial<Insertable<ExecutionsTable>> = {}) {
  return {
    created_at: 1,
    updated_at: 1,
    deleted_at: null,
    execution_created_at: 1,
    ...executionRow(name, { closure: new Uint8Array(), spec: new Uint8Array() }),
    ...over,
  } satisfies Insertable<ExecutionsTable>;
}

/** What NodeExecutionRepo.create takes: a QUEUED top-level node execution of e1, recorded by a legacy event. */
export function nodeExecutionRow(nodeId: string, over: Partial<NewNodeExecutionRow> = {}): NewNodeExecutionRow {
  return {
    execution_project: "p",
    execution_domain: "d",
    execution_name: "e1",
    node_id: nodeId,
    phase: "QUEUED",
    closure: new Uint8Array([1]),
    started_at: null,
    node_execution_created_at: 1,
    node_execution_updated_at: 1,
    node_execution_metadata: null,
    parent_id: null,
    parent_task_execution_id: null,
    error_kind: null,
    error_code: null,
    cache_status: null,
    internal_data: null,
    input_uri: "",
    duration: 0,
    dynamic_workflow_remote_closure_reference: "",
    event_version: 0,
    ...over,
  };
}

/** What TaskExecutionRepo.create takes: attempt `attempt` of task p/d/t:v1 on node `nodeId` of e1, QUEUED. */
export function taskExecutionRow(
  nodeId: string,
  attempt = 0,
  over: Partial<NewTaskExecutionRow> = {},
): NewTaskExecutionRow {
  return {
    project: "p",
    domain: "d",
    name: "t",
    version: "v1",
    execution_project: "p",
    execution_domain: "d",
    execution_name: "e1",
    node_id: nodeId,
    retry_attempt: attempt,
    phase: "QUEUED",
    phase_version: 0,
    closure: new Uint8Array([3]),
    started_at: null,
    task_execution_created_at: 1,
    task_execution_updated_at: 1,
    input_uri: "",
    duration: 0,
    ...over,
  };
}

/** The datacatalog's tables, in the order to empty them: the list migration 0012 creates and drops. */
export { DATACATALOG_TABLES as CATALOG_TABLES } from "./migrations/0012-datacatalog.ts";

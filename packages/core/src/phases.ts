// The terminal phases of flyteidl's execution phases, one owner per kind: after one of these an execution, node or
// task attempt never changes phase again (admin answers later events with "already in a terminal state"; the engine,
// the CLI and the tests stop watching). The engine's own status phases (engine/executor/status.ts) are a different
// vocabulary and keep their own set.
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "@aloft/idl/flyteidl/core/execution_pb.js";

export const WORKFLOW_TERMINAL: ReadonlySet<WorkflowExecution_Phase> = new Set([
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.TIMED_OUT,
  WorkflowExecution_Phase.ABORTED,
]);

export const NODE_TERMINAL: ReadonlySet<NodeExecution_Phase> = new Set([
  NodeExecution_Phase.SUCCEEDED,
  NodeExecution_Phase.FAILED,
  NodeExecution_Phase.TIMED_OUT,
  NodeExecution_Phase.ABORTED,
  NodeExecution_Phase.SKIPPED,
  NodeExecution_Phase.RECOVERED,
]);

/** RETRYABLE_FAILED is not terminal: the same attempt never continues, but upstream accepts later events. */
export const TASK_TERMINAL: ReadonlySet<TaskExecution_Phase> = new Set([
  TaskExecution_Phase.SUCCEEDED,
  TaskExecution_Phase.FAILED,
  TaskExecution_Phase.ABORTED,
]);

// Event checks shared by the three event RPCs (upstream flyteadmin/pkg/manager/impl/execution_manager.go): request shape, output size, producer cluster, and
// the "already in a terminal state" error with its EventFailureReason detail.
import { create, toBinary } from "@bufbuild/protobuf";
import { EventFailureReasonSchema } from "@aloft/idl/flyteidl/admin/event_pb.js";
import type {
  NodeExecutionEventRequest,
  TaskExecutionEventRequest,
  WorkflowExecutionEventRequest,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import { LiteralMapSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { AloftError, Code, failedPrecondition, invalidArgument, missing } from "@aloft/core";
import { validateTaskExecutionId } from "./execution-validator.ts";

/** `remoteData.maxSizeInBytes` default: 2 MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 2 * 1024 * 1024;
/** Events from the default producer never reassign or contradict an execution's cluster. */
export const DEFAULT_PRODUCER_ID = "propeller";

export const workflowPhaseName = (p: WorkflowExecution_Phase): string => WorkflowExecution_Phase[p] ?? String(p);
export const nodePhaseName = (p: NodeExecution_Phase): string => NodeExecution_Phase[p] ?? String(p);
export const taskPhaseName = (p: TaskExecution_Phase): string => TaskExecution_Phase[p] ?? String(p);

/** Phase columns hold enum names; an unknown stored name reads as UNDEFINED (0). */
export function parseWorkflowPhase(name: string): WorkflowExecution_Phase {
  const v = (WorkflowExecution_Phase as unknown as Record<string, number>)[name];
  return typeof v === "number" ? v : WorkflowExecution_Phase.UNDEFINED;
}
export function parseNodePhase(name: string): NodeExecution_Phase {
  const v = (NodeExecution_Phase as unknown as Record<string, number>)[name];
  return typeof v === "number" ? v : NodeExecution_Phase.UNDEFINED;
}
export function parseTaskPhase(name: string): TaskExecution_Phase {
  const v = (TaskExecution_Phase as unknown as Record<string, number>)[name];
  return typeof v === "number" ? v : TaskExecution_Phase.UNDEFINED;
}

/** RESOURCE_EXHAUSTED when an event's inline outputs exceed the platform maximum. Returns the encoded size. */
function validateOutputData(data: LiteralMap | undefined, maxBytes: number): number {
  if (!data) return 0;
  const size = toBinary(LiteralMapSchema, data).byteLength;
  if (maxBytes > 0 && size > maxBytes) {
    throw new AloftError(
      Code.RESOURCE_EXHAUSTED,
      "event.output_too_large",
      `Output data size exceeds platform maximum (${size} bytes > ${maxBytes} bytes)`,
    );
  }
  return size;
}

export function validateWorkflowEventRequest(req: WorkflowExecutionEventRequest, maxBytes: number): void {
  if (!req.event) throw invalidArgument("event.missing", "Workflow event handler was called without event");
  if (!req.event.executionId) {
    throw invalidArgument(
      "event.missing_execution_id",
      "Workflow event handler request event doesn't have an execution id",
    );
  }
  validateOutputData(req.event.outputResult.case === "outputData" ? req.event.outputResult.value : undefined, maxBytes);
}

/** Node events: upstream only logs these problems; the caller decides. Returns the first problem, if any. */
export function nodeEventProblem(req: NodeExecutionEventRequest, maxBytes: number): AloftError | undefined {
  try {
    if (!req.event) throw missing("event");
    const id = req.event.id;
    if (!id) throw missing("id");
    if (!id.executionId) throw missing("execution_id");
    if (id.nodeId === "") throw missing("node_id");
    validateOutputData(
      req.event.outputResult.case === "outputData" ? req.event.outputResult.value : undefined,
      maxBytes,
    );
    return undefined;
  } catch (err) {
    if (err instanceof AloftError) return err;
    throw err;
  }
}

export function validateTaskEventRequest(req: TaskExecutionEventRequest, maxBytes: number): void {
  const e = req.event;
  if (!e) throw missing("event");
  if (!e.occurredAt) throw missing("occurred_at");
  validateOutputData(e.outputResult.case === "outputData" ? e.outputResult.value : undefined, maxBytes);
  validateTaskExecutionId({
    $typeName: "flyteidl.core.TaskExecutionIdentifier",
    taskId: e.taskId,
    nodeExecutionId: e.parentNodeExecutionId,
    retryAttempt: e.retryAttempt,
  });
}

/** ValidateCluster: an event from another cluster than the one running the execution is FAILED_PRECONDITION. */
export function validateCluster(executionCluster: string, producerId: string): void {
  if (producerId === "" || producerId === DEFAULT_PRODUCER_ID || producerId === executionCluster) return;
  throw incompatibleCluster(executionCluster, producerId);
}

/**
 * Upstream names the execution's cluster in the message and in the detail; Aloft names neither, so that a caller
 * cannot learn which producer id would be believed (docs/compatibility.md). The detail's case is kept: propeller
 * branches on it, not on its value.
 */
export function incompatibleCluster(_executionCluster: string, producerId: string): AloftError {
  return failedPrecondition(
    "event.incompatible_cluster",
    `Cluster/producer from event [${producerId}] does not match the cluster running this workflow execution`,
    [
      {
        schema: EventFailureReasonSchema,
        value: create(EventFailureReasonSchema, { reason: { case: "incompatibleCluster", value: { cluster: "" } } }),
      },
    ],
  );
}

/** FAILED_PRECONDITION with `EventFailureReason{already_in_terminal_state{current_phase}}`. */
export function alreadyInTerminalState(message: string, currentPhase: string): AloftError {
  return failedPrecondition("event.already_terminal", message, [
    {
      schema: EventFailureReasonSchema,
      value: create(EventFailureReasonSchema, { reason: { case: "alreadyInTerminalState", value: { currentPhase } } }),
    },
  ]);
}

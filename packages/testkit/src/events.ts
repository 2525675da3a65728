// Execution events as FlytePropeller sends them, for tests and benches that feed admin events directly (over the
// flyteidl RPCs, the batched CreateEvents RPC or an in-process sink): a task node's node and task events.
import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  NodeExecutionEventRequestSchema,
  TaskExecutionEventRequestSchema,
  type NodeExecutionEventRequest,
  type TaskExecutionEventRequest,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import type { NodeExecution_Phase, TaskExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { Identifier, WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";

/** A clock for occurredAt: each call one millisecond after the previous, starting now, so events never tie. */
export function eventClock(): () => Timestamp {
  let clock = Date.now();
  return () => timestampFromMs((clock += 1));
}

/** A node event of task node `nodeId` (event version 2, its inputs by URI). */
export function nodeEventRequest(
  exec: WorkflowExecutionIdentifier,
  nodeId: string,
  phase: NodeExecution_Phase,
  occurredAt: Timestamp,
): NodeExecutionEventRequest {
  return create(NodeExecutionEventRequestSchema, {
    event: {
      id: { executionId: exec, nodeId },
      producerId: "propeller",
      phase,
      occurredAt,
      specNodeId: nodeId,
      eventVersion: 2,
      inputValue: { case: "inputUri", value: `file:///tmp/${nodeId}/inputs.pb` },
    },
  });
}

/** A task event of the first attempt of `task` in node `nodeId`, run as a raw container. */
export function taskEventRequest(
  exec: WorkflowExecutionIdentifier,
  task: Identifier,
  nodeId: string,
  phase: TaskExecution_Phase,
  occurredAt: Timestamp,
): TaskExecutionEventRequest {
  return create(TaskExecutionEventRequestSchema, {
    event: {
      taskId: task,
      parentNodeExecutionId: { executionId: exec, nodeId },
      retryAttempt: 0,
      producerId: "propeller",
      phase,
      occurredAt,
      taskType: "raw-container",
      eventVersion: 1,
    },
  });
}

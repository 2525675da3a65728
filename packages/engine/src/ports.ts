// What the engine needs from the outside world. The engine never imports admin: the composition root wires
// these ports (in-process admin managers, or a gRPC client to a remote admin).
import type {
  WorkflowExecutionEventRequest,
  NodeExecutionEventRequest,
  TaskExecutionEventRequest,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import type { Signal, SignalGetOrCreateRequest } from "@aloft/idl/flyteidl/admin/signal_pb.js";
import type { Execution, ExecutionCreateRequest } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";

/**
 * Where execution events go (admin's CreateWorkflowEvent / CreateNodeEvent / CreateTaskEvent). Implementations throw
 * AloftError with admin's code: ALREADY_EXISTS for a repeated event (the engine treats it as success),
 * FAILED_PRECONDITION with an EventFailureReason detail for "already in a terminal state", NOT_FOUND for an unknown
 * execution, RESOURCE_EXHAUSTED for oversized payloads.
 */
export interface EventSink {
  workflowEvent(req: WorkflowExecutionEventRequest): Promise<void>;
  nodeEvent(req: NodeExecutionEventRequest): Promise<void>;
  taskEvent(req: TaskExecutionEventRequest): Promise<void>;
}

/**
 * Signals for gate nodes (admin's SignalService.GetOrCreateSignal). Optional: without it, approve and signal gates
 * fail as unsupported (sleep gates need nothing).
 */
export interface SignalPort {
  getOrCreateSignal(req: SignalGetOrCreateRequest): Promise<Signal>;
}

/**
 * Child executions for launch-plan nodes (admin's CreateExecution / GetExecution / GetExecutionData /
 * TerminateExecution). Optional: without it, launch-plan nodes fail as unsupported. Errors are AloftErrors with
 * admin's codes (ALREADY_EXISTS on a repeated create is success to the engine).
 */
export interface ChildExecutionPort {
  createExecution(req: ExecutionCreateRequest): Promise<void>;
  getExecution(id: WorkflowExecutionIdentifier): Promise<Execution>;
  /** The execution's outputs (GetExecutionData full_outputs). */
  getOutputs(id: WorkflowExecutionIdentifier): Promise<LiteralMap>;
  terminateExecution(id: WorkflowExecutionIdentifier, cause: string): Promise<void>;
}

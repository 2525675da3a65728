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
import type { NodeExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { NodeExecution, NodeExecutionGetDataResponse } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import type {
  AddTagRequest,
  AddTagResponse,
  CreateArtifactRequest,
  CreateArtifactResponse,
  CreateDatasetRequest,
  CreateDatasetResponse,
  GetArtifactRequest,
  GetArtifactResponse,
  GetDatasetRequest,
  GetDatasetResponse,
  GetOrExtendReservationRequest,
  GetOrExtendReservationResponse,
  ReleaseReservationRequest,
  ReleaseReservationResponse,
  UpdateArtifactRequest,
  UpdateArtifactResponse,
} from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";

/**
 * Where execution events go (admin's CreateWorkflowEvent / CreateNodeEvent / CreateTaskEvent). Implementations throw
 * AloftError with admin's code: ALREADY_EXISTS for a repeated event (the engine treats it as success),
 * FAILED_PRECONDITION with an EventFailureReason detail for "already in a terminal state", NOT_FOUND for an unknown
 * execution, RESOURCE_EXHAUSTED for oversized payloads.
 */
export interface EventSink {
  /**
   * Calls may overlap: the engine then sends a round's events without awaiting each one (executor/round-events.ts
   * keeps their order per node and awaits them all before the round is saved). Absent: one event at a time.
   */
  readonly concurrent?: boolean;
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

/**
 * The data catalog behind task caching (upstream flytepropeller/pkg/controller/nodes/cache.go, flyteplugins/go/tasks/pluginmachinery/catalog/hashing.go), shaped as datacatalog.DataCatalog's RPCs so
 * that admin's DataCatalog service implements it in-process and a gRPC client implements it for a remote engine.
 * Errors are AloftErrors: NOT_FOUND for a missing dataset/artifact/tag, ALREADY_EXISTS for a repeated create/tag.
 * Optional: without it, cacheable tasks run uncached (CACHE_DISABLED) and serializable ones are not serialized.
 */
export interface CatalogPort {
  createDataset(req: CreateDatasetRequest): Promise<CreateDatasetResponse>;
  getDataset(req: GetDatasetRequest): Promise<GetDatasetResponse>;
  createArtifact(req: CreateArtifactRequest): Promise<CreateArtifactResponse>;
  getArtifact(req: GetArtifactRequest): Promise<GetArtifactResponse>;
  addTag(req: AddTagRequest): Promise<AddTagResponse>;
  updateArtifact(req: UpdateArtifactRequest): Promise<UpdateArtifactResponse>;
  getOrExtendReservation(req: GetOrExtendReservationRequest): Promise<GetOrExtendReservationResponse>;
  releaseReservation(req: ReleaseReservationRequest): Promise<ReleaseReservationResponse>;
}

/**
 * What a recovered execution reads of the execution it recovers (upstream flytepropeller/pkg/controller/nodes/executor.go): admin's GetNodeExecution and
 * GetNodeExecutionData for one node of the original execution. NOT_FOUND when the original never ran the node.
 * Optional: without it, a recovery execution reruns every node.
 */
export interface RecoveryPort {
  getNodeExecution(id: NodeExecutionIdentifier): Promise<NodeExecution>;
  /** The node's full inputs and outputs (GetNodeExecutionData full_inputs / full_outputs), plus its dynamic workflow if any. */
  getNodeExecutionData(id: NodeExecutionIdentifier): Promise<NodeExecutionGetDataResponse>;
}

// CreateWorkflowEvent (upstream flyteadmin/pkg/manager/impl/execution_manager.go, flyteadmin execution_manager.go + transformers/execution.go
// UpdateExecutionModelState): transition rules, timestamps, cluster reassignment, outputs and errors.
import { create, toBinary } from "@bufbuild/protobuf";
import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import {
  ExecutionClosureSchema,
  ExecutionMetadataSchema,
  ExecutionSpecSchema,
  LiteralMapBlobSchema,
  SystemMetadataSchema,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import {
  WorkflowExecutionEventResponseSchema,
  type WorkflowExecutionEventRequest,
  type WorkflowExecutionEventResponse,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import { ExecutionError_ErrorKind, WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { executionOutputsKey } from "@aloft/core";
import type { Clock } from "@aloft/core";
import { alreadyExists, failedPrecondition, internal } from "@aloft/core";
import { WORKFLOW_TERMINAL } from "@aloft/core";
import { nextWriteMicros, type ExecutionPatch, type ExecutionRepo } from "../repositories/execution-repo.ts";
import { dateToMicros, timestampToMicros } from "../repositories/timestamps.ts";
import { groupWrite, type GroupCommit } from "../repositories/group-commit.ts";
import {
  DEFAULT_PRODUCER_ID,
  alreadyInTerminalState,
  incompatibleCluster,
  parseWorkflowPhase,
  validateCluster,
  validateWorkflowEventRequest,
  workflowPhaseName,
} from "../validation/event-validator.ts";
import { decodeClosure, decodeSpec } from "../transformers/execution-transformer.ts";
import type { ExecutionData } from "./execution-data-manager.ts";
import { executionNotFound } from "./not-found.ts";

export interface ExecutionEventManagerDeps {
  repo: ExecutionRepo;
  data: ExecutionData;
  clock: Clock;
  /** Concurrent events' writes share transactions; without it each write commits on its own. */
  writes?: GroupCommit;
}

/** Concurrent events for one execution: the loser of the compare-and-set re-reads and re-applies the rules. */
const MAX_ATTEMPTS = 5;

export class ExecutionEventManager {
  constructor(private readonly deps: ExecutionEventManagerDeps) {}

  async createWorkflowEvent(req: WorkflowExecutionEventRequest): Promise<WorkflowExecutionEventResponse> {
    validateWorkflowEventRequest(req, this.deps.data.options.maxSizeInBytes);
    for (let attempt = 1; ; attempt++) {
      if (await this.apply(req)) return create(WorkflowExecutionEventResponseSchema);
      if (attempt >= MAX_ATTEMPTS)
        throw internal("event.contention", "the execution changed concurrently too often; retry the event");
    }
  }

  private async apply(req: WorkflowExecutionEventRequest): Promise<boolean> {
    const event = req.event!;
    const id = event.executionId!;
    const row = await this.deps.repo.get(id);
    if (!row) throw executionNotFound(id);
    const current = parseWorkflowPhase(row.phase);
    const next = event.phase;
    const idText = `project:${JSON.stringify(id.project)} domain:${JSON.stringify(id.domain)} name:${JSON.stringify(id.name)}`;
    // QUEUED skips these two checks: a repeated QUEUED is how a cluster reassignment is announced.
    if (next !== WorkflowExecution_Phase.QUEUED) {
      if (current === next) {
        throw alreadyExists(
          "event.already_recorded",
          `This phase ${workflowPhaseName(next)} was already recorded for workflow execution ${idText}`,
        );
      }
      validateCluster(row.cluster, event.producerId);
    }
    if (WORKFLOW_TERMINAL.has(current)) {
      throw alreadyInTerminalState(
        `Invalid phase change from ${workflowPhaseName(current)} to ${workflowPhaseName(next)} for workflow execution ${idText}`,
        workflowPhaseName(current),
      );
    }
    if (current === WorkflowExecution_Phase.RUNNING && next === WorkflowExecution_Phase.QUEUED) {
      throw failedPrecondition(
        "event.invalid_transition",
        `Cannot go from Running to Queued for workflow execution ${idText}`,
      );
    }
    if (current === WorkflowExecution_Phase.ABORTING && !WORKFLOW_TERMINAL.has(next)) {
      throw failedPrecondition(
        "event.invalid_transition",
        `Invalid phase change from aborting to ${workflowPhaseName(next)} for workflow execution ${idText}`,
      );
    }
    if (!event.occurredAt)
      throw internal("event.missing_occurred_at", "missing occurred_at in workflow execution event");

    const closure = decodeClosure(row);
    const occurred = event.occurredAt;
    const occurredMicros = timestampToMicros(occurred);
    const patch: ExecutionPatch = { phase: workflowPhaseName(next), execution_updated_at: occurredMicros };
    closure.phase = next;
    closure.updatedAt = occurred;
    if (next === WorkflowExecution_Phase.RUNNING) {
      closure.startedAt = occurred;
      patch.started_at = occurredMicros;
    }
    if (WORKFLOW_TERMINAL.has(next) && closure.startedAt) {
      closure.duration = durationBetween(closure.startedAt, occurred);
      patch.duration = Math.max(0, occurredMicros - timestampToMicros(closure.startedAt)) * 1000;
    }
    // Cluster: a non-default producer reassigns it while the execution is (now) UNDEFINED or QUEUED.
    if (event.producerId !== "" && event.producerId !== DEFAULT_PRODUCER_ID && event.producerId !== row.cluster) {
      if (next === WorkflowExecution_Phase.UNDEFINED || next === WorkflowExecution_Phase.QUEUED) {
        patch.cluster = event.producerId;
        const spec = decodeSpec(row);
        spec.metadata ??= create(ExecutionMetadataSchema);
        spec.metadata.systemMetadata ??= create(SystemMetadataSchema);
        spec.metadata.systemMetadata.executionCluster = event.producerId;
        patch.spec = toBinary(ExecutionSpecSchema, spec);
      } else {
        throw incompatibleCluster(row.cluster, event.producerId);
      }
    }
    const out = event.outputResult;
    if (out.case === "outputUri") {
      closure.outputResult = {
        case: "outputs",
        value: create(LiteralMapBlobSchema, { data: { case: "uri", value: out.value } }),
      };
    } else if (out.case === "outputData") {
      if (this.deps.data.options.storeEventDataInline) {
        closure.outputResult = { case: "outputData", value: out.value };
      } else {
        const uri = await this.deps.data.offload(executionOutputsKey(id), out.value);
        closure.outputResult = {
          case: "outputs",
          value: create(LiteralMapBlobSchema, { data: { case: "uri", value: uri } }),
        };
      }
    } else if (out.case === "error") {
      closure.outputResult = { case: "error", value: out.value };
      patch.error_kind = ExecutionError_ErrorKind[out.value.kind] ?? "UNKNOWN";
      patch.error_code = out.value.code;
    }
    patch.closure = toBinary(ExecutionClosureSchema, closure);
    const now = nextWriteMicros(dateToMicros(this.deps.clock.now()), row);
    const expected = { phase: row.phase, updatedAt: row.updated_at };
    return groupWrite(this.deps.writes, (db) => this.deps.repo.update(row.id, patch, now, expected, db));
  }
}

/** end − start as a Duration (zero when negative); a literal, not `create` by reflection: every terminal event has one. */
export function durationBetween(start: Timestamp, end: Timestamp): Duration {
  let seconds = end.seconds - start.seconds;
  let nanos = end.nanos - start.nanos;
  if (nanos < 0) {
    seconds -= 1n;
    nanos += 1_000_000_000;
  }
  if (seconds < 0n) return { $typeName: "google.protobuf.Duration", seconds: 0n, nanos: 0 };
  return { $typeName: "google.protobuf.Duration", seconds, nanos };
}

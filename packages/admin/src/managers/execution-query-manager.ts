// Reading and changing recorded executions (upstream flyteadmin/pkg/manager/impl/execution_manager.go): GetExecution, UpdateExecution (archive / activate),
// ListExecutions (archived hidden unless a `state` filter is given), TerminateExecution, GetExecutionData.
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  AbortMetadataSchema,
  ExecutionClosureSchema,
  ExecutionListSchema,
  ExecutionState,
  ExecutionStateChangeDetailsSchema,
  ExecutionTerminateResponseSchema,
  ExecutionUpdateResponseSchema,
  WorkflowExecutionGetDataResponseSchema,
  type Execution,
  type ExecutionList,
  type ExecutionTerminateRequest,
  type ExecutionTerminateResponse,
  type ExecutionUpdateRequest,
  type ExecutionUpdateResponse,
  type WorkflowExecutionGetDataRequest,
  type WorkflowExecutionGetDataResponse,
  type WorkflowExecutionGetRequest,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import type { ResourceListRequest } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { Clock } from "@aloft/core";
import { AloftError, Code, internal, invalidArgument, missing } from "@aloft/core";
import { makeFilter, nextPageToken, parseListParams } from "../list/index.ts";
import type { WorkflowExecutor } from "../plugins.ts";
import {
  nextWriteMicros,
  type ExecutionPatch,
  type ExecutionRepo,
  type ExecutionRow,
} from "../repositories/execution-repo.ts";
import { dateToMicros, timestampToMicros } from "../repositories/timestamps.ts";
import { WORKFLOW_TERMINAL } from "@aloft/core";
import { alreadyInTerminalState, workflowPhaseName } from "../validation/event-validator.ts";
import { validateWorkflowExecutionId } from "../validation/execution-validator.ts";
import { decodeClosure, executionIdOf, toExecution } from "../transformers/execution-transformer.ts";
import type { ExecutionData } from "./execution-data-manager.ts";
import { durationBetween } from "./execution-event-manager.ts";
import { executionNotFound } from "./not-found.ts";

/** An event settled the execution while ABORTED was being recorded: nothing left to do. */
class AbortSettled extends Error {}
/** Thrown out of a terminate's compare-and-set when the execution is already ABORTING (nothing to write). */
class AbortPending extends Error {
  constructor(readonly row: ExecutionRow) {
    super("already aborting");
  }
}

export interface ExecutionQueryManagerDeps {
  repo: ExecutionRepo;
  data: ExecutionData;
  executor: () => WorkflowExecutor;
  clock: Clock;
  namespaceTemplate?: string;
}

export class ExecutionQueryManager {
  constructor(private readonly deps: ExecutionQueryManagerDeps) {}

  async get(req: WorkflowExecutionGetRequest): Promise<Execution> {
    const row = await this.load(req.id);
    return toExecution(row, { namespaceTemplate: this.deps.namespaceTemplate });
  }

  async update(req: ExecutionUpdateRequest, principal = ""): Promise<ExecutionUpdateResponse> {
    validateWorkflowExecutionId(req.id);
    if (req.state !== ExecutionState.EXECUTION_ACTIVE && req.state !== ExecutionState.EXECUTION_ARCHIVED) {
      throw invalidArgument("execution.invalid_state", `Unrecognized execution state ${req.state}`);
    }
    await this.casLoop(req.id, (row, now) => {
      const closure = decodeClosure(row);
      closure.stateChangeDetails = create(ExecutionStateChangeDetailsSchema, {
        state: req.state,
        principal,
        occurredAt: timestampFromDate(now),
      });
      return { state: req.state, closure: toBinary(ExecutionClosureSchema, closure) };
    });
    return create(ExecutionUpdateResponseSchema);
  }

  async list(req: ResourceListRequest): Promise<ExecutionList> {
    if (!req.id) throw missing("id");
    if (req.id.project === "") throw missing("project");
    if (req.id.domain === "") throw missing("domain");
    const params = parseListParams({
      entity: "execution",
      filters: req.filters,
      sortBy: req.sortBy,
      limit: req.limit,
      token: req.token,
      rpc: "ListExecutions",
      limitRequired: true,
      cursorScope: `${req.id.org}/${req.id.project}/${req.id.domain}/${req.id.name}`,
    });
    const filters = [
      makeFilter("execution", "eq", "project", req.id.project),
      makeFilter("execution", "eq", "domain", req.id.domain),
    ];
    if (req.id.name !== "") filters.push(makeFilter("execution", "eq", "name", req.id.name));
    // Archived executions are hidden unless some filter (of any entity) is on `state` (upstream addStateFilter).
    if (!params.filters.some((f) => f.column === "state"))
      filters.push(makeFilter("execution", "eq", "state", ExecutionState.EXECUTION_ACTIVE));
    const rows = await this.deps.repo.list({ ...params, filters: [...filters, ...params.filters] });
    return create(ExecutionListSchema, {
      executions: rows.map((r) => toExecution(r, { list: true, namespaceTemplate: this.deps.namespaceTemplate })),
      token: nextPageToken(params, rows),
    });
  }

  /** ABORTING with the cause recorded, then the engine is told; the final ABORTED arrives as an event. */
  async terminate(req: ExecutionTerminateRequest, principal = ""): Promise<ExecutionTerminateResponse> {
    let row: ExecutionRow;
    try {
      row = await this.casLoop(req.id, (current, now) => this.aborting(current, now, req.cause, principal));
    } catch (err) {
      // Deliberate difference: terminating an execution that an abort already ended succeeds (upstream answers
      // FAILED_PRECONDITION), so that repeated or concurrent terminates all get the same answer instead of 200s
      // with a 400 wherever the engine's ABORTED landed in between. The first cause is kept.
      if (err instanceof AbortSettled) return create(ExecutionTerminateResponseSchema);
      // Already ABORTING: the row stays as the first terminate wrote it (rewriting it for every repeat would only
      // make concurrent terminates fight over the row); the engine is told again, which is safe to repeat.
      if (err instanceof AbortPending) row = err.row;
      else throw err;
    }
    try {
      await this.deps.executor().abort({ executionId: executionIdOf(row), cluster: row.cluster, cause: req.cause });
    } catch (err) {
      if (!(err instanceof AloftError && err.code === Code.NOT_FOUND)) throw err;
      // Deliberate difference: upstream ignores a missing FlyteWorkflow and the execution stays ABORTING forever,
      // since nothing will ever report ABORTED. No engine runs it, so it is ABORTED now.
      await this.markAborted(req.id);
    }
    return create(ExecutionTerminateResponseSchema);
  }

  /** The ABORTING patch for a terminate; AbortSettled when an abort already ended it, FAILED_PRECONDITION when it ended otherwise. */
  private aborting(current: ExecutionRow, now: Date, cause: string, principal: string): ExecutionPatch {
    const closure = decodeClosure(current);
    if (closure.phase === WorkflowExecution_Phase.ABORTED) throw new AbortSettled();
    if (closure.phase === WorkflowExecution_Phase.ABORTING) throw new AbortPending(current);
    if (WORKFLOW_TERMINAL.has(closure.phase)) {
      throw alreadyInTerminalState(
        "Cannot abort an already terminated workflow execution",
        workflowPhaseName(closure.phase),
      );
    }
    closure.outputResult = { case: "abortMetadata", value: create(AbortMetadataSchema, { cause, principal }) };
    closure.phase = WorkflowExecution_Phase.ABORTING;
    closure.updatedAt = timestampFromDate(now);
    return {
      phase: workflowPhaseName(WorkflowExecution_Phase.ABORTING),
      closure: toBinary(ExecutionClosureSchema, closure),
      abort_cause: cause,
      execution_updated_at: dateToMicros(now),
    };
  }

  private async markAborted(id: WorkflowExecutionGetRequest["id"]): Promise<void> {
    try {
      await this.casLoop(id, (current, now) => {
        const closure = decodeClosure(current);
        if (closure.phase !== WorkflowExecution_Phase.ABORTING) throw new AbortSettled();
        closure.phase = WorkflowExecution_Phase.ABORTED;
        closure.updatedAt = timestampFromDate(now);
        const patch: ExecutionPatch = {
          phase: workflowPhaseName(WorkflowExecution_Phase.ABORTED),
          execution_updated_at: dateToMicros(now),
        };
        if (closure.startedAt) {
          closure.duration = durationBetween(closure.startedAt, closure.updatedAt);
          patch.duration = Math.max(0, dateToMicros(now) - timestampToMicros(closure.startedAt)) * 1000;
        }
        patch.closure = toBinary(ExecutionClosureSchema, closure);
        return patch;
      });
    } catch (err) {
      if (!(err instanceof AbortSettled)) throw err;
    }
  }

  /** Read, change, compare-and-set; again when an event changed the row in between. */
  private async casLoop(
    id: WorkflowExecutionGetRequest["id"],
    change: (row: ExecutionRow, now: Date) => ExecutionPatch,
  ): Promise<ExecutionRow> {
    for (let attempt = 1; ; attempt++) {
      const row = await this.load(id);
      const now = this.deps.clock.now();
      const patch = change(row, now);
      const at = nextWriteMicros(dateToMicros(now), row);
      if (await this.deps.repo.update(row.id, patch, at, { phase: row.phase, updatedAt: row.updated_at })) return row;
      if (attempt >= 5) throw internal("execution.contention", "the execution changed concurrently too often; retry");
    }
  }

  /** Inputs from `inputs_uri`, outputs from the closure (inline or read back from their URI). */
  async getData(req: WorkflowExecutionGetDataRequest): Promise<WorkflowExecutionGetDataResponse> {
    const id = req.id;
    const row = id ? await this.deps.repo.get(id) : undefined;
    if (!row) throw executionNotFound(id ?? { project: "", domain: "", name: "" });
    const closure = decodeClosure(row);
    const [inputs, outputs] = await Promise.all([
      this.deps.data.inputs(row.inputs_uri),
      this.deps.data.outputs(closure.outputResult),
    ]);
    return create(WorkflowExecutionGetDataResponseSchema, {
      inputs: inputs.blob,
      outputs: outputs.blob,
      fullInputs: inputs.full,
      fullOutputs: outputs.full,
    });
  }

  private async load(id: WorkflowExecutionGetRequest["id"]): Promise<ExecutionRow> {
    validateWorkflowExecutionId(id);
    const row = await this.deps.repo.get(id);
    if (!row) throw executionNotFound(id);
    return row;
  }
}

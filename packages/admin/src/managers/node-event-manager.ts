// CreateNodeEvent (upstream flyteadmin/pkg/manager/impl/node_execution_manager.go, flyteadmin node_execution_manager.go + transformers/node_execution.go). One read (the
// execution and the node execution together) and one write per event; parent lookups only when the event has one.
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  NodeExecutionEventResponseSchema,
  type NodeExecutionEventRequest,
  type NodeExecutionEventResponse,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import {
  NodeExecutionClosureSchema,
  NodeExecutionMetaDataSchema,
  WorkflowNodeMetadataSchema,
  type NodeExecutionClosure,
  type NodeExecutionMetaData,
  type TaskNodeMetadata,
} from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { CatalogCacheStatus } from "@aloft/idl/flyteidl/core/catalog_pb.js";
import { CompiledWorkflowClosureSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { ExecutionError_ErrorKind, NodeExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { NodeExecutionEvent } from "@aloft/idl/flyteidl/event/event_pb.js";
import { putMessage } from "@aloft/core";
import {
  ADMIN_OFFLOAD_ROOT,
  DEFAULT_ADMIN_METADATA_PREFIX,
  INPUTS_OBJECT,
  dynamicWorkflowClosureKey,
  joinKey,
  nodeExecutionOutputsKey,
} from "@aloft/core";
import type { Clock } from "@aloft/core";
import { AloftError, Code, alreadyExists, internal, notFound } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { ExecutionRepo } from "../repositories/execution-repo.ts";
import type {
  NodeExecutionKey,
  NodeExecutionPatch,
  NodeExecutionRepo,
  NodeExecutionRow,
} from "../repositories/node-execution-repo.ts";
import type { TaskExecutionRepo } from "../repositories/task-execution-repo.ts";
import { groupWrite, type GroupCommit } from "../repositories/group-commit.ts";
import { dateToMicros, timestampToMicros } from "../repositories/timestamps.ts";
import { NODE_TERMINAL } from "@aloft/core";
import {
  DEFAULT_PRODUCER_ID,
  alreadyInTerminalState,
  nodeEventProblem,
  nodePhaseName,
  parseNodePhase,
  validateCluster,
} from "../validation/event-validator.ts";
import { validateTaskExecutionId } from "../validation/execution-validator.ts";
import type { ExecutionData } from "./execution-data-manager.ts";
import { durationBetween } from "./execution-event-manager.ts";
import { executionNotFound, nodeExecutionNotFound, parentTaskExecutionNotFound } from "./not-found.ts";
import { nodeCacheKey, executionCacheKey, type EventCache } from "./event-cache.ts";
import { nodeIdText } from "../validation/identifier.ts";
import { encodeNodeClosure, encodeNodeMetadata } from "./closure-encoding.ts";

export interface NodeEventManagerDeps {
  repo: NodeExecutionRepo;
  executions: ExecutionRepo;
  taskExecutions: TaskExecutionRepo;
  data: ExecutionData;
  clock: Clock;
  logger: Logger;
  metadataStoragePrefix?: readonly string[];
  /** Shared with the task event manager; without it every event reads before it writes. */
  cache?: EventCache;
  /** Concurrent events' writes share transactions; without it each write commits on its own. */
  writes?: GroupCommit;
}

const MAX_ATTEMPTS = 5;

export class NodeEventManager {
  constructor(private readonly deps: NodeEventManagerDeps) {}

  async createNodeEvent(req: NodeExecutionEventRequest): Promise<NodeExecutionEventResponse> {
    await this.recordNodeEvent(req);
    return create(NodeExecutionEventResponseSchema);
  }

  /** CreateNodeEvent without building its (empty) response: the engine's in-process sink. */
  async recordNodeEvent(req: NodeExecutionEventRequest): Promise<void> {
    const problem = nodeEventProblem(req, this.deps.data.options.maxSizeInBytes);
    if (problem) {
      // Upstream only logs validation problems; without an event or id nothing can be recorded at all.
      this.deps.logger.debug({ err: problem }, "node event failed validation");
      if (!req.event?.id?.executionId) throw problem;
    }
    const event = req.event!;
    const id = event.id!;
    const key: NodeExecutionKey = { execution: id.executionId!, nodeId: id.nodeId };
    if (!event.occurredAt) throw internal("event.missing_occurred_at", "failed to read event timestamp");
    const writes = this.deps.writes;
    writes?.enter();
    try {
      const dynamicRef = hasDynamicWorkflow(event) ? await this.uploadDynamicWorkflow(event, key) : "";
      // The event cache's keys, built once per event ("" without a cache).
      const ek = this.deps.cache ? executionCacheKey(key.execution) : "";
      const ck = this.deps.cache ? nodeCacheKey(ek, key.nodeId) : "";
      for (let attempt = 1; ; attempt++) {
        if (
          (attempt === 1 && (await this.applyCached(event, key, ek, ck, dynamicRef))) ||
          (await this.apply(event, key, ek, ck, dynamicRef))
        ) {
          return;
        }
        if (attempt >= MAX_ATTEMPTS)
          throw internal("event.contention", "the node execution changed concurrently too often; retry the event");
      }
    } finally {
      writes?.leave();
    }
  }

  /**
   * The one-round-trip path: the execution is known and the event comes from the default producer, so the write
   * goes straight to the database (an insert, or a compare-and-set against the cached row). False means "take the
   * reading path": nothing cached, a concurrent write, or a rejection that must be confirmed against the database.
   */
  private async applyCached(
    event: NodeExecutionEvent,
    key: NodeExecutionKey,
    ek: string,
    ck: string,
    dynamicRef: string,
  ): Promise<boolean> {
    const cache = this.deps.cache;
    if (!cache || !isDefaultProducer(event.producerId) || !cache.executions.get(ek)) return false;
    const cached = cache.nodes.take(ck);
    try {
      if (cached) return await this.updateFromEvent(event, key, ck, cached.row, dynamicRef, cached.closure);
      return await this.createFromEvent(event, key, ck, dynamicRef);
    } catch (err) {
      if (err instanceof AloftError && (err.code === Code.ALREADY_EXISTS || err.code === Code.FAILED_PRECONDITION)) {
        cache.nodes.delete(ck);
        return false;
      }
      throw err;
    }
  }

  private async apply(
    event: NodeExecutionEvent,
    key: NodeExecutionKey,
    ek: string,
    ck: string,
    dynamicRef: string,
  ): Promise<boolean> {
    const ctx = await this.deps.repo.lookupForEvent(key);
    if (!ctx.execution) {
      const e = key.execution;
      throw notFound(
        "execution.not_found",
        `Failed to get existing execution id: [${e.project}/${e.domain}/${e.name}] with err: ${executionNotFound(e).message}`,
      );
    }
    this.deps.cache?.executions.set(ek, ctx.execution);
    validateCluster(ctx.execution.cluster, event.producerId);
    if (!ctx.node) return this.createFromEvent(event, key, ck, dynamicRef);
    return this.updateFromEvent(event, key, ck, ctx.node, dynamicRef);
  }

  private async uploadDynamicWorkflow(event: NodeExecutionEvent, key: NodeExecutionKey): Promise<string> {
    const dyn =
      event.targetMetadata.case === "taskNodeMetadata" ? event.targetMetadata.value.dynamicWorkflow : undefined;
    if (!dyn?.compiledWorkflow || !dyn.id) return "";
    const storageKey = dynamicWorkflowClosureKey(
      { executionId: key.execution, nodeId: key.nodeId },
      dyn.id,
      this.deps.metadataStoragePrefix ?? DEFAULT_ADMIN_METADATA_PREFIX,
    );
    await putMessage(this.deps.data.store, storageKey, CompiledWorkflowClosureSchema, dyn.compiledWorkflow);
    return this.deps.data.store.uri(storageKey);
  }

  private async createFromEvent(
    event: NodeExecutionEvent,
    key: NodeExecutionKey,
    /** The event cache's key of this node execution ("" without a cache). */
    ck: string,
    dynamicRef: string,
  ): Promise<boolean> {
    let parentTaskExecutionId: number | null = null;
    if (event.parentTaskMetadata?.id) {
      const t = event.parentTaskMetadata.id;
      validateTaskExecutionId(t);
      const parent = await this.deps.taskExecutions.get({
        node: { execution: t.nodeExecutionId!.executionId!, nodeId: t.nodeExecutionId!.nodeId },
        task: t.taskId!,
        retryAttempt: t.retryAttempt,
      });
      if (!parent) throw parentTaskExecutionNotFound(`parent of node ${key.nodeId}`);
      parentTaskExecutionId = parent.id;
    }
    let parentId: number | null = null;
    if (event.parentNodeMetadata) {
      const parentKey = { execution: key.execution, nodeId: event.parentNodeMetadata.nodeId };
      const parent = await this.deps.repo.get(parentKey);
      if (!parent) throw nodeExecutionNotFound(parentKey);
      parentId = parent.id;
    }
    // Literals, not `create` by reflection (the type names every field): the event path runs cold (closure-encoding.ts).
    const closure: NodeExecutionClosure = {
      $typeName: "flyteidl.admin.NodeExecutionClosure",
      outputResult: { case: undefined },
      phase: event.phase,
      createdAt: event.occurredAt,
      updatedAt: reportedAt(event),
      targetMetadata: { case: undefined },
      deckUri: "",
      dynamicJobSpecUri: "",
    };
    const patch = this.applyCommon(event, closure, undefined);
    if (needsOutputOffload(event, this.deps.data.options.storeEventDataInline))
      await this.offloadOutputs(event, key, closure);
    const metadata: NodeExecutionMetaData = {
      $typeName: "flyteidl.admin.NodeExecutionMetaData",
      retryGroup: event.retryGroup,
      specNodeId: event.specNodeId,
      isParentNode: event.isParent,
      isDynamic: event.isDynamic,
      isArray: event.isArray,
      isEager: event.isEager,
    };
    const occurred = event.occurredAt ? timestampToMicros(event.occurredAt) : dateToMicros(this.deps.clock.now());
    const inputUri = event.inputValue.case === "inputData" ? await this.offloadInputs(event, key) : inputUriOf(event);
    try {
      const row = {
        execution_project: key.execution.project,
        execution_domain: key.execution.domain,
        execution_name: key.execution.name,
        node_id: key.nodeId,
        phase: nodePhaseName(event.phase),
        input_uri: inputUri,
        closure: encodeNodeClosure(closure),
        started_at: patch.started_at ?? null,
        node_execution_created_at: occurred,
        node_execution_updated_at: occurred,
        duration: patch.duration ?? 0,
        node_execution_metadata: encodeNodeMetadata(metadata),
        parent_id: parentId,
        parent_task_execution_id: parentTaskExecutionId,
        error_kind: patch.error_kind ?? null,
        error_code: patch.error_code ?? null,
        cache_status: patch.cache_status ?? null,
        dynamic_workflow_remote_closure_reference: dynamicRef,
        internal_data: null,
        event_version: event.eventVersion,
      };
      const now = this.writeMicros();
      const created = await groupWrite(this.deps.writes, (db) => this.deps.repo.create(row, now, db));
      this.deps.cache?.nodes.set(ck, { row: created, closure });
      return true;
    } catch (err) {
      // A concurrent event created the row first: re-read and apply this event as an update.
      if (err instanceof AloftError && err.code === Code.ALREADY_EXISTS) return false;
      throw err;
    }
  }

  private async updateFromEvent(
    event: NodeExecutionEvent,
    key: NodeExecutionKey,
    ck: string,
    row: NodeExecutionRow,
    dynamicRef: string,
    /** row.closure decoded (from the cache, which has handed it over); decoded here when absent. */
    decoded?: NodeExecutionClosure,
  ): Promise<boolean> {
    const current = parseNodePhase(row.phase);
    if (current === event.phase) {
      throw alreadyExists(
        "event.already_recorded",
        `This phase ${nodePhaseName(current)} was already recorded for ${nodeIdText(key)}`,
      );
    }
    if (NODE_TERMINAL.has(current)) {
      // Upstream reports the event's phase as current_phase (a known quirk kept for compatibility).
      throw alreadyInTerminalState(
        `Invalid phase change from ${nodePhaseName(current)} to ${nodePhaseName(event.phase)} for node execution ${row.id}`,
        nodePhaseName(event.phase),
      );
    }
    const closure = decoded ?? fromBinary(NodeExecutionClosureSchema, row.closure);
    if (event.targetMetadata.case === "workflowNodeMetadata" && event.targetMetadata.value.executionId) {
      const child = event.targetMetadata.value.executionId;
      if (!(await this.deps.executions.get(child))) throw executionNotFound(child);
      if (closure.targetMetadata.case !== "workflowNodeMetadata") {
        closure.targetMetadata = {
          case: "workflowNodeMetadata",
          value: create(WorkflowNodeMetadataSchema, { executionId: child }),
        };
      }
    }
    closure.phase = event.phase;
    closure.updatedAt = reportedAt(event);
    const patch = this.applyCommon(event, closure, row);
    if (needsOutputOffload(event, this.deps.data.options.storeEventDataInline))
      await this.offloadOutputs(event, key, closure);
    patch.phase = nodePhaseName(event.phase);
    if (event.occurredAt) patch.node_execution_updated_at = timestampToMicros(event.occurredAt);
    if (row.input_uri === "") {
      const uri = event.inputValue.case === "inputData" ? await this.offloadInputs(event, key) : inputUriOf(event);
      if (uri !== "") patch.input_uri = uri;
    }
    if (dynamicRef !== "") patch.dynamic_workflow_remote_closure_reference = dynamicRef;
    if (event.isParent || event.isDynamic || event.isArray || event.isEager) {
      const md = row.node_execution_metadata
        ? fromBinary(NodeExecutionMetaDataSchema, row.node_execution_metadata)
        : create(NodeExecutionMetaDataSchema);
      md.isParentNode ||= event.isParent;
      md.isDynamic ||= event.isDynamic;
      md.isArray ||= event.isArray;
      md.isEager ||= event.isEager;
      patch.node_execution_metadata = encodeNodeMetadata(md);
    }
    if (event.eventVersion > row.event_version) patch.event_version = event.eventVersion;
    patch.closure = encodeNodeClosure(closure);
    const now = this.writeMicros();
    const ok = await groupWrite(this.deps.writes, (db) =>
      this.deps.repo.update(row.id, patch, now, row.phase, row.updated_at, db),
    );
    if (!ok) {
      this.deps.cache?.nodes.delete(ck);
      return false;
    }
    // The row is this event's alone (taken out of the cache, or just read): brought up to date in place.
    Object.assign(row, patch).updated_at = now;
    this.deps.cache?.nodes.set(ck, { row, closure });
    return true;
  }

  private writeMicros(): number {
    const now = dateToMicros(this.deps.clock.now());
    return this.deps.cache ? this.deps.cache.writeMicros(now) : now;
  }

  /**
   * started_at, duration, outputs / error, deck, task node metadata: shared by create and update. Outputs sent inline
   * that admin offloads are set by offloadOutputs after it (the one part that waits for the store).
   */
  private applyCommon(
    event: NodeExecutionEvent,
    closure: NodeExecutionClosure,
    row: NodeExecutionRow | undefined,
  ): NodeExecutionPatch {
    const patch: NodeExecutionPatch = {};
    if (event.phase === NodeExecution_Phase.RUNNING && event.occurredAt) {
      closure.startedAt = event.occurredAt;
      patch.started_at = timestampToMicros(event.occurredAt);
      if (event.deckUri !== "") closure.deckUri = event.deckUri;
    }
    if (NODE_TERMINAL.has(event.phase)) {
      if (closure.startedAt && event.occurredAt) {
        closure.duration = durationBetween(closure.startedAt, event.occurredAt);
        patch.duration = Math.max(0, timestampToMicros(event.occurredAt) - timestampToMicros(closure.startedAt)) * 1000;
      }
      const out = event.outputResult;
      if (out.case === "outputUri") closure.outputResult = { case: "outputUri", value: out.value };
      else if (out.case === "outputData") {
        if (this.deps.data.options.storeEventDataInline)
          closure.outputResult = { case: "outputData", value: out.value };
      } else if (out.case === "error") {
        closure.outputResult = { case: "error", value: out.value };
        patch.error_kind = ExecutionError_ErrorKind[out.value.kind] ?? "UNKNOWN";
        patch.error_code = out.value.code;
      }
      if (event.deckUri !== "") closure.deckUri = event.deckUri;
    }
    if (event.targetMetadata.case === "taskNodeMetadata") {
      const t = event.targetMetadata.value;
      const existing: TaskNodeMetadata =
        closure.targetMetadata.case === "taskNodeMetadata"
          ? closure.targetMetadata.value
          : { $typeName: "flyteidl.admin.TaskNodeMetadata", cacheStatus: 0, checkpointUri: "" };
      existing.checkpointUri = t.checkpointUri;
      if (t.catalogKey) {
        existing.cacheStatus = t.cacheStatus;
        existing.catalogKey = t.catalogKey;
        patch.cache_status = CatalogCacheStatus[t.cacheStatus] ?? String(t.cacheStatus);
      }
      closure.targetMetadata = { case: "taskNodeMetadata", value: existing };
      if (row && t.dynamicWorkflow?.dynamicJobSpecUri) closure.dynamicJobSpecUri = t.dynamicWorkflow.dynamicJobSpecUri;
    }
    return patch;
  }

  /** A terminal event's inline outputs, stored and referenced by uri (see needsOutputOffload). */
  private async offloadOutputs(
    event: NodeExecutionEvent,
    key: NodeExecutionKey,
    closure: NodeExecutionClosure,
  ): Promise<void> {
    if (event.outputResult.case !== "outputData") return;
    closure.outputResult = {
      case: "outputUri",
      value: await this.deps.data.offload(
        nodeExecutionOutputsKey({ executionId: key.execution, nodeId: key.nodeId }),
        event.outputResult.value,
      ),
    };
  }

  /** Inputs sent inline, stored and referenced by uri. */
  private async offloadInputs(event: NodeExecutionEvent, key: NodeExecutionKey): Promise<string> {
    if (event.inputValue.case !== "inputData") return inputUriOf(event);
    const e = key.execution;
    return this.deps.data.offload(
      joinKey(ADMIN_OFFLOAD_ROOT, e.project, e.domain, e.name, key.nodeId, INPUTS_OBJECT),
      event.inputValue.value,
    );
  }
}

/** The event's input uri when it sends one (inputs sent inline are offloaded: offloadInputs). */
const inputUriOf = (event: NodeExecutionEvent): string =>
  event.inputValue.case === "inputUri" ? event.inputValue.value : "";

/** Whether applyCommon left a terminal event's inline outputs for offloadOutputs to store. */
const needsOutputOffload = (event: NodeExecutionEvent, storeInline: boolean): boolean =>
  !storeInline && event.outputResult.case === "outputData" && NODE_TERMINAL.has(event.phase);

const hasDynamicWorkflow = (event: NodeExecutionEvent): boolean =>
  event.targetMetadata.case === "taskNodeMetadata" && event.targetMetadata.value.dynamicWorkflow !== undefined;

export const isDefaultProducer = (producerId: string): boolean =>
  producerId === "" || producerId === DEFAULT_PRODUCER_ID;

/** `reported_at` when set (and not the zero time), else `occurred_at`. */
function reportedAt(event: NodeExecutionEvent) {
  const r = event.reportedAt;
  return r && (r.seconds !== 0n || r.nanos !== 0) ? r : event.occurredAt;
}

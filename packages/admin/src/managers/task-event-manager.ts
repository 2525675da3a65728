// CreateTaskEvent (upstream flyteadmin/pkg/manager/impl/task_execution_manager.go, flyteadmin task_execution_manager.go + transformers/task_execution.go): one read of
// execution, parent node execution and task execution, then one write. Logs, reasons, custom info and external
// resources are merged into the stored closure.
import { clone, create, fromBinary, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import {
  TaskExecutionEventResponseSchema,
  type TaskExecutionEventRequest,
  type TaskExecutionEventResponse,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import {
  TaskExecutionClosureSchema,
  type Reason,
  type TaskExecutionClosure,
} from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import { TaskExecution_Phase, TaskLogSchema, type TaskLog } from "@aloft/idl/flyteidl/core/execution_pb.js";
import {
  ExternalResourceInfoSchema,
  type ExternalResourceInfo,
  type TaskExecutionEvent,
  type TaskExecutionMetadata,
} from "@aloft/idl/flyteidl/event/event_pb.js";
import { ADMIN_OFFLOAD_ROOT, INPUTS_OBJECT, joinKey, taskExecutionOutputsKey } from "@aloft/core";
import type { Clock } from "@aloft/core";
import { AloftError, Code, alreadyExists, internal } from "@aloft/core";
import type {
  TaskExecutionKey,
  TaskExecutionPatch,
  TaskExecutionRepo,
  TaskExecutionRow,
} from "../repositories/task-execution-repo.ts";
import { dateToMicros, timestampToMicros } from "../repositories/timestamps.ts";
import { groupWrite, type GroupCommit } from "../repositories/group-commit.ts";
import { TASK_TERMINAL } from "@aloft/core";
import {
  alreadyInTerminalState,
  parseTaskPhase,
  taskPhaseName,
  validateCluster,
  validateTaskEventRequest,
} from "../validation/event-validator.ts";
import type { ExecutionData } from "./execution-data-manager.ts";
import { durationBetween } from "./execution-event-manager.ts";
import { executionNotFound } from "./not-found.ts";
import { executionCacheKey, nodeCacheKey, taskCacheKey, type EventCache } from "./event-cache.ts";
import { encodeTaskClosure } from "./closure-encoding.ts";
import { isDefaultProducer } from "./node-event-manager.ts";
import { taskExecutionIdText } from "../validation/identifier.ts";

export interface TaskEventManagerDeps {
  repo: TaskExecutionRepo;
  data: ExecutionData;
  clock: Clock;
  /** Shared with the node event manager; without it every event reads before it writes. */
  cache?: EventCache;
  /** Concurrent events' writes share transactions; without it each write commits on its own. */
  writes?: GroupCommit;
}

const MAX_ATTEMPTS = 5;

export class TaskEventManager {
  constructor(private readonly deps: TaskEventManagerDeps) {}

  async createTaskEvent(req: TaskExecutionEventRequest): Promise<TaskExecutionEventResponse> {
    await this.recordTaskEvent(req);
    return create(TaskExecutionEventResponseSchema);
  }

  /** CreateTaskEvent without building its (empty) response: the engine's in-process sink. */
  async recordTaskEvent(req: TaskExecutionEventRequest): Promise<void> {
    validateTaskEventRequest(req, this.deps.data.options.maxSizeInBytes);
    const e = req.event!;
    const node = e.parentNodeExecutionId!;
    const key: TaskExecutionKey = {
      node: { execution: node.executionId!, nodeId: node.nodeId },
      task: e.taskId!,
      retryAttempt: e.retryAttempt,
    };
    const writes = this.deps.writes;
    writes?.enter();
    try {
      // The event cache's keys, built once per event ("" without a cache).
      const keys = this.deps.cache ? cacheKeys(key) : NO_KEYS;
      for (let attempt = 1; ; attempt++) {
        if ((attempt === 1 && (await this.applyCached(e, key, keys))) || (await this.apply(e, key, keys))) return;
        if (attempt >= MAX_ATTEMPTS)
          throw internal("event.contention", "the task execution changed concurrently too often; retry the event");
      }
    } finally {
      writes?.leave();
    }
  }

  /** One round trip when the execution and the node (or the task execution itself) are known: see NodeEventManager. */
  private async applyCached(event: TaskExecutionEvent, key: TaskExecutionKey, keys: CacheKeys): Promise<boolean> {
    const cache = this.deps.cache;
    if (!cache || !isDefaultProducer(event.producerId) || !cache.executions.get(keys.execution)) return false;
    const ck = keys.task;
    const cached = cache.tasks.take(ck);
    try {
      if (cached) return await this.updateFromEvent(event, key, ck, cached.row, cached.closure);
      if (cache.nodes.get(keys.node)) return await this.createFromEvent(event, key, ck);
      return false;
    } catch (err) {
      if (err instanceof AloftError && (err.code === Code.ALREADY_EXISTS || err.code === Code.FAILED_PRECONDITION)) {
        cache.tasks.delete(ck);
        return false;
      }
      throw err;
    }
  }

  private writeMicros(): number {
    const now = dateToMicros(this.deps.clock.now());
    return this.deps.cache ? this.deps.cache.writeMicros(now) : now;
  }

  private async apply(event: TaskExecutionEvent, key: TaskExecutionKey, keys: CacheKeys): Promise<boolean> {
    const ctx = await this.deps.repo.lookupForEvent(key);
    if (!ctx.execution) throw executionNotFound(key.node.execution);
    this.deps.cache?.executions.set(keys.execution, ctx.execution);
    validateCluster(ctx.execution.cluster, event.producerId);
    if (!ctx.task) {
      if (ctx.nodeExecutionId === undefined) {
        const n = key.node;
        throw internal(
          "task_event.missing_node",
          `failed to get existing node execution id: [node_id:${JSON.stringify(n.nodeId)} execution_id:{project:${JSON.stringify(n.execution.project)} domain:${JSON.stringify(n.execution.domain)} name:${JSON.stringify(n.execution.name)}}]`,
        );
      }
      return this.createFromEvent(event, key, keys.task);
    }
    return this.updateFromEvent(event, key, keys.task, ctx.task);
  }

  /** `ck`: the event cache's key of this task execution ("" without a cache). */
  private async createFromEvent(event: TaskExecutionEvent, key: TaskExecutionKey, ck: string): Promise<boolean> {
    const at = reportedAt(event);
    // A literal, not `create` by reflection (the type names every field): the event path runs cold
    // (closure-encoding.ts).
    const closure: TaskExecutionClosure = {
      $typeName: "flyteidl.admin.TaskExecutionClosure",
      outputResult: { case: undefined },
      phase: event.phase,
      logs: filterLogs(event.logs, event.phase),
      createdAt: event.occurredAt,
      updatedAt: at,
      reason: event.reason,
      taskType: event.taskType,
      eventVersion: event.eventVersion,
      reasons: reasonsOf(event, at),
    };
    if (event.customInfo) closure.customInfo = event.customInfo;
    if (event.metadata) closure.metadata = ownMetadata(event.metadata);
    const patch = this.applyCommon(event, closure);
    if (needsOutputOffload(event, this.deps.data.options.storeEventDataInline))
      await this.offloadOutputs(event, key, closure);
    const occurred = timestampToMicros(event.occurredAt!);
    const inputUri = event.inputValue.case === "inputData" ? await this.offloadInputs(event, key) : inputUriOf(event);
    try {
      const row = {
        project: key.task.project,
        domain: key.task.domain,
        name: key.task.name,
        version: key.task.version,
        execution_project: key.node.execution.project,
        execution_domain: key.node.execution.domain,
        execution_name: key.node.execution.name,
        node_id: key.node.nodeId,
        retry_attempt: key.retryAttempt,
        phase: taskPhaseName(event.phase),
        phase_version: event.phaseVersion,
        input_uri: inputUri,
        closure: encodeTaskClosure(closure),
        started_at: patch.started_at ?? null,
        task_execution_created_at: occurred,
        task_execution_updated_at: occurred,
        duration: patch.duration ?? 0,
      };
      const now = this.writeMicros();
      const created = await groupWrite(this.deps.writes, (db) => this.deps.repo.create(row, now, db));
      this.deps.cache?.tasks.set(ck, { row: created, closure });
      return true;
    } catch (err) {
      if (err instanceof AloftError && err.code === Code.ALREADY_EXISTS) return false;
      throw err;
    }
  }

  private async updateFromEvent(
    event: TaskExecutionEvent,
    key: TaskExecutionKey,
    ck: string,
    row: TaskExecutionRow,
    /** row.closure decoded (from the cache, which has handed it over); decoded here when absent. */
    decoded?: TaskExecutionClosure,
  ): Promise<boolean> {
    const current = parseTaskPhase(row.phase);
    if (current === event.phase && row.phase_version >= event.phaseVersion) {
      throw alreadyExists(
        "event.already_recorded",
        `have already recorded task execution phase ${taskPhaseName(event.phase)} (version: ${event.phaseVersion}) for ${taskExecutionIdText(key)}`,
      );
    }
    if (TASK_TERMINAL.has(current)) {
      throw alreadyInTerminalState(
        `invalid phase change from ${row.phase} to ${taskPhaseName(event.phase)} for task execution ${taskExecutionIdText(key)}`,
        taskPhaseName(event.phase),
      );
    }
    const closure = decoded ?? fromBinary(TaskExecutionClosureSchema, row.closure);
    const at = reportedAt(event);
    closure.phase = event.phase;
    closure.updatedAt = at;
    closure.logs = filterLogs(mergeLogs(event.logs, closure.logs), event.phase);
    if (event.reasons.length > 0) closure.reasons.push(...reasonsOf(event, at));
    else if (event.reason !== "" && event.reason !== closure.reason) closure.reasons.push(reasonOf(at, event.reason));
    if (event.reason !== "") closure.reason = event.reason;
    if (event.customInfo) closure.customInfo = mergePatch(closure.customInfo ?? {}, event.customInfo) as JsonObject;
    if (event.metadata) closure.metadata = mergeMetadata(closure.metadata, event.metadata);
    if (event.taskType !== "") closure.taskType = event.taskType;
    closure.eventVersion = Math.max(closure.eventVersion, event.eventVersion);
    // started_at only on the first transition into RUNNING.
    const firstRunning = event.phase === TaskExecution_Phase.RUNNING && !closure.startedAt;
    const patch = this.applyCommon(event, closure, !firstRunning && event.phase === TaskExecution_Phase.RUNNING);
    if (needsOutputOffload(event, this.deps.data.options.storeEventDataInline))
      await this.offloadOutputs(event, key, closure);
    patch.phase = taskPhaseName(event.phase);
    patch.phase_version = event.phaseVersion;
    patch.task_execution_updated_at = timestampToMicros(event.occurredAt!);
    if (row.input_uri === "") {
      const uri = event.inputValue.case === "inputData" ? await this.offloadInputs(event, key) : inputUriOf(event);
      if (uri !== "") patch.input_uri = uri;
    }
    patch.closure = encodeTaskClosure(closure);
    const now = this.writeMicros();
    const expected = { phase: row.phase, phaseVersion: row.phase_version, updatedAt: row.updated_at };
    const ok = await groupWrite(this.deps.writes, (db) => this.deps.repo.update(row.id, patch, now, expected, db));
    if (!ok) {
      this.deps.cache?.tasks.delete(ck);
      return false;
    }
    // The row is this event's alone (taken out of the cache, or just read): brought up to date in place.
    Object.assign(row, patch).updated_at = now;
    this.deps.cache?.tasks.set(ck, { row, closure });
    return true;
  }

  /** Start, duration, outputs / error; inline outputs that admin offloads are set by offloadOutputs after it. */
  private applyCommon(event: TaskExecutionEvent, closure: TaskExecutionClosure, keepStart = false): TaskExecutionPatch {
    const patch: TaskExecutionPatch = {};
    const occurred = event.occurredAt!;
    if (event.phase === TaskExecution_Phase.RUNNING && !keepStart) {
      closure.startedAt = occurred;
      patch.started_at = timestampToMicros(occurred);
    }
    if (TASK_TERMINAL.has(event.phase) || event.phase === TaskExecution_Phase.RETRYABLE_FAILED) {
      if (closure.startedAt) {
        closure.duration = durationBetween(closure.startedAt, occurred);
        patch.duration = Math.max(0, timestampToMicros(occurred) - timestampToMicros(closure.startedAt)) * 1000;
      }
      const out = event.outputResult;
      if (out.case === "outputUri") closure.outputResult = { case: "outputUri", value: out.value };
      else if (out.case === "outputData") {
        if (this.deps.data.options.storeEventDataInline)
          closure.outputResult = { case: "outputData", value: out.value };
      } else if (out.case === "error") {
        closure.outputResult = { case: "error", value: out.value };
      }
    }
    return patch;
  }

  /** A terminal (or retryable) event's inline outputs, stored and referenced by uri (see needsOutputOffload). */
  private async offloadOutputs(
    event: TaskExecutionEvent,
    key: TaskExecutionKey,
    closure: TaskExecutionClosure,
  ): Promise<void> {
    if (event.outputResult.case !== "outputData") return;
    closure.outputResult = {
      case: "outputUri",
      value: await this.deps.data.offload(taskExecutionOutputsKey(keysOf(key)), event.outputResult.value),
    };
  }

  /** Inputs sent inline, stored and referenced by uri. */
  private async offloadInputs(event: TaskExecutionEvent, key: TaskExecutionKey): Promise<string> {
    if (event.inputValue.case !== "inputData") return inputUriOf(event);
    const k = keysOf(key);
    const e = k.nodeExecutionId.executionId;
    const t = k.taskId;
    const storageKey = joinKey(
      ADMIN_OFFLOAD_ROOT,
      e.project,
      e.domain,
      e.name,
      k.nodeExecutionId.nodeId,
      t.project,
      t.domain,
      t.name,
      t.version,
      k.retryAttempt,
      INPUTS_OBJECT,
    );
    return this.deps.data.offload(storageKey, event.inputValue.value);
  }
}

interface CacheKeys {
  execution: string;
  node: string;
  task: string;
}
const NO_KEYS: CacheKeys = { execution: "", node: "", task: "" };

function cacheKeys(key: TaskExecutionKey): CacheKeys {
  const execution = executionCacheKey(key.node.execution);
  const node = nodeCacheKey(execution, key.node.nodeId);
  return { execution, node, task: taskCacheKey(node, key.task, key.retryAttempt) };
}

/** The event's input uri when it sends one (inputs sent inline are offloaded: offloadInputs). */
const inputUriOf = (event: TaskExecutionEvent): string =>
  event.inputValue.case === "inputUri" ? event.inputValue.value : "";

/** Whether applyCommon left a terminal (or retryable) event's inline outputs for offloadOutputs to store. */
const needsOutputOffload = (event: TaskExecutionEvent, storeInline: boolean): boolean =>
  !storeInline &&
  event.outputResult.case === "outputData" &&
  (TASK_TERMINAL.has(event.phase) || event.phase === TaskExecution_Phase.RETRYABLE_FAILED);

function keysOf(key: TaskExecutionKey) {
  return {
    nodeExecutionId: { executionId: key.node.execution, nodeId: key.node.nodeId },
    taskId: key.task,
    retryAttempt: key.retryAttempt,
  };
}

function reportedAt(event: TaskExecutionEvent): Timestamp | undefined {
  const r = event.reportedAt;
  return r && (r.seconds !== 0n || r.nanos !== 0) ? r : event.occurredAt;
}

function reasonsOf(event: TaskExecutionEvent, at: Timestamp | undefined): Reason[] {
  if (event.reasons.length > 0) return event.reasons.map((r) => reasonOf(r.occurredAt, r.reason));
  if (event.reason !== "") return [reasonOf(at, event.reason)];
  return [];
}

/** create(ReasonSchema, { occurredAt, message }) without the reflection. */
function reasonOf(occurredAt: Timestamp | undefined, message: string): Reason {
  const r: Reason = { $typeName: "flyteidl.admin.Reason", message };
  if (occurredAt) r.occurredAt = occurredAt;
  return r;
}

/** The new logs, then old logs whose uri and name are both unseen (`existing` itself when there are no new ones). */
export function mergeLogs(incoming: TaskLog[], existing: TaskLog[]): TaskLog[] {
  if (incoming.length === 0) return existing;
  const uris = new Set(incoming.map((l) => l.uri));
  const names = new Set(incoming.map((l) => l.name));
  return [...incoming, ...existing.filter((l) => !uris.has(l.uri) && !names.has(l.name))];
}

/** Terminal phases drop `hide_once_finished` logs; QUEUED / INITIALIZING keep only `show_while_pending` ones. */
export function filterLogs(logs: TaskLog[], phase: TaskExecution_Phase): TaskLog[] {
  if (TASK_TERMINAL.has(phase)) return logs.filter((l) => !l.HideOnceFinished);
  if (phase === TaskExecution_Phase.QUEUED || phase === TaskExecution_Phase.INITIALIZING)
    return logs.filter((l) => l.ShowWhilePending);
  return logs.map((l) => clone(TaskLogSchema, l));
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: JsonObject = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

const resourceKey = (r: ExternalResourceInfo) => `${r.index}/${r.retryAttempt}`;

/**
 * The event's metadata as the stored closure's own, its resources sorted: merging later events changes the closure's
 * metadata and its resources in place, never the event's message. Only what a merge changes is copied — the fields it
 * sets (a shallow copy), the resource list and each resource (clones; `resourcePoolInfo` is never merged into) — not
 * the whole message by reflection (16–26 µs against 0–2 when the path runs cold, as between the engine's rounds:
 * docs/performance.md).
 */
function ownMetadata(m: TaskExecutionMetadata): TaskExecutionMetadata {
  const out: TaskExecutionMetadata = { ...m, externalResources: m.externalResources.map(cloneResource) };
  if (out.externalResources.length > 1) out.externalResources.sort(byIndexAndAttempt);
  return out;
}

const cloneResource = (r: ExternalResourceInfo) => clone(ExternalResourceInfoSchema, r);

/**
 * External resources merged by (index, retry attempt); generated name, plugin id and instance class when set. An array
 * node's events carry only the resources that changed since its previous event, so the stored list (kept sorted) is
 * where every element's latest state lives: each incoming resource is found by binary search and updated in place
 * (`existing` is the stored closure's, decoded or cached), new ones are added and the list sorted again.
 */
function mergeMetadata(
  existing: TaskExecutionMetadata | undefined,
  incoming: TaskExecutionMetadata,
): TaskExecutionMetadata {
  if (!existing) return ownMetadata(incoming);
  const out = existing;
  if (incoming.generatedName !== "") out.generatedName = incoming.generatedName;
  if (incoming.pluginIdentifier !== "") out.pluginIdentifier = incoming.pluginIdentifier;
  if (incoming.instanceClass !== 0) out.instanceClass = incoming.instanceClass;
  if (incoming.externalResources.length === 0) return out;
  const stored = out.externalResources;
  const added = new Map<string, ExternalResourceInfo>();
  for (const r of incoming.externalResources) {
    const old = findResource(stored, r) ?? added.get(resourceKey(r));
    if (!old) {
      // A copy: the closure may stay cached and be merged into later, which must not change the event's message.
      added.set(resourceKey(r), cloneResource(r));
      continue;
    }
    old.phase = r.phase;
    old.logs = mergeLogs(r.logs, old.logs);
    if (r.customInfo) old.customInfo = mergePatch(old.customInfo ?? {}, r.customInfo) as JsonObject;
    if (r.externalId !== "") old.externalId = r.externalId;
    old.cacheStatus = r.cacheStatus;
  }
  if (added.size > 0) {
    stored.push(...added.values());
    stored.sort(byIndexAndAttempt);
  }
  return out;
}

const byIndexAndAttempt = (a: ExternalResourceInfo, b: ExternalResourceInfo) =>
  a.index - b.index || a.retryAttempt - b.retryAttempt;

/** The resource with r's (index, retry attempt) in a list sorted by them. */
function findResource(sorted: ExternalResourceInfo[], r: ExternalResourceInfo): ExternalResourceInfo | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = byIndexAndAttempt(sorted[mid]!, r);
    if (c === 0) return sorted[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

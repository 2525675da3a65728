// The persisted execution status (the FlyteWorkflow CR `status` equivalent, upstream flytepropeller/pkg/apis/flyteworkflow/v1alpha1/iface.go, flytepropeller/pkg/controller/workflow/executor.go/upstream flytepropeller/pkg/controller/nodes/executor.go/upstream flytepropeller/pkg/apis/flyteworkflow/v1alpha1/workflow.go).
// Plain JSON: phases by name, times in epoch milliseconds. Terminal node statuses are collapsed to what later rounds
// still read (phase, attempts for the output dir, stoppedAt, error), so the document stays small.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  ExecutionErrorSchema,
  ExecutionError_ErrorKind,
  type ExecutionError,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { PluginPhase, PluginState } from "../plugins/plugin.ts";

export type WorkflowPhase =
  | "Ready"
  | "Running"
  | "Succeeding"
  | "Success"
  | "Failing"
  | "Failed"
  | "Aborted"
  | "HandlingFailureNode";

export type NodePhase =
  | "NotYetStarted"
  | "Queued"
  | "Running"
  | "Failing"
  | "Succeeding"
  | "Succeeded"
  | "Failed"
  | "Skipped"
  | "RetryableFailure"
  | "TimingOut"
  | "TimedOut";

export type ErrorKind = "UNKNOWN" | "USER" | "SYSTEM";

export interface StatusError {
  code: string;
  message: string;
  kind: ErrorKind;
}

interface TaskNodeStatus {
  phase: PluginPhase;
  version: number;
  state?: PluginState;
}

/** A sub-workflow node's own progress (upstream `workflowNodeStatus`). */
export interface SubWorkflowStatus {
  phase: "Running" | "Failing" | "FailureNode";
  error?: StatusError;
  failureNode?: NodeStatus;
}

/** A dynamic parent's progress after its task wrote `futures.pb` (upstream flytepropeller/pkg/controller/nodes/dynamic/handler.go). */
interface DynamicNodeStatus {
  phase: "ParentFinalizing" | "Executing" | "Failing";
  error?: StatusError;
}

/** An array node's progress; its sub-nodes' statuses live in `children` under their index. */
export interface ArrayNodeStatus {
  size: number;
  phase: "Executing" | "Failing";
  error?: StatusError;
  /** Version of the array node's task events (bumped on any sub-node change, reset on phase change). */
  version: number;
  /** Last reported task phase and version of the array node. */
  reported?: string;
  reportedVersion?: number;
  /** Sub-nodes from this index on have not been started (they start in index order). Absent in older statuses. */
  next?: number;
  /** Started, unfinished sub-nodes by index, ascending: the only ones a round visits besides those it starts. */
  active?: number[];
  /** Finished sub-nodes: succeeded (or skipped), and failed (or timed out). */
  succeeded?: number;
  failed?: number;
  /**
   * Bumped when a sub-node's status changed (`rev`), or only its plugin state (`stateRev`): what a round's before and
   * after compare instead of the sub-node statuses themselves (thousands of them).
   */
  rev?: number;
  stateRev?: number;
  /** Sub-nodes whose external resource changed since the last RUNNING event, ascending (events are spaced out). */
  pending?: number[];
  /** When the last RUNNING event was sent. */
  reportedAt?: number;
}

/** Catalog cache statuses a node event reports (core.CatalogCacheStatus without the CACHE_ prefix). */
export type CacheStatusName = "DISABLED" | "MISS" | "HIT" | "POPULATED" | "PUT_FAILURE" | "SKIPPED";
/** Catalog reservation statuses (core.CatalogReservation.Status without the RESERVATION_ prefix). */
type ReservationStatusName = "DISABLED" | "ACQUIRED" | "EXISTS" | "RELEASED" | "FAILURE";

/** A cacheable task node's dealings with the catalog (upstream flytepropeller/pkg/controller/nodes/cache.go, flyteplugins/go/tasks/pluginmachinery/catalog/hashing.go), reported in its node events' task_node_metadata. */
export interface NodeCacheStatus {
  status: CacheStatusName;
  /** core.CatalogMetadata as proto JSON (dataset, artifact tag, source execution). */
  key?: Record<string, unknown>;
  reservation?: ReservationStatusName;
}

export interface NodeStatus {
  phase: NodePhase;
  attempts?: number;
  systemFailures?: number;
  queuedAt?: number;
  startedAt?: number;
  lastAttemptStartedAt?: number;
  stoppedAt?: number;
  message?: string;
  error?: StatusError;
  task?: TaskNodeStatus;
  /** Branch: the chosen child (upstream `branchStatus.finalNodeId`). */
  branchChild?: string;
  sub?: SubWorkflowStatus;
  array?: ArrayNodeStatus;
  dynamic?: DynamicNodeStatus;
  /** Task caching (upstream flytepropeller/pkg/controller/nodes/cache.go, flyteplugins/go/tasks/pluginmachinery/catalog/hashing.go); absent = CACHE_DISABLED. Dropped with the rest when the node finishes. */
  cache?: NodeCacheStatus;
  /** Statuses of nested nodes (branch child, sub-workflow nodes), by node id. */
  children?: Record<string, NodeStatus>;
}

export interface WorkflowStatus {
  phase: WorkflowPhase;
  startedAt?: number;
  stoppedAt?: number;
  lastUpdatedAt?: number;
  message?: string;
  error?: StatusError;
  outputRef?: string;
  failedAttempts: number;
  nodes: Record<string, NodeStatus>;
  failureNode?: NodeStatus;
  /** Set by `Engine.abort`; the next round aborts everything and ends Aborted. */
  abortCause?: string;
}

const TERMINAL_NODE_PHASES: ReadonlySet<NodePhase> = new Set(["Succeeded", "Failed", "Skipped", "TimedOut"]);
const TERMINAL_WORKFLOW_PHASES: ReadonlySet<WorkflowPhase> = new Set(["Success", "Failed", "Aborted"]);

export const isTerminalNodePhase = (p: NodePhase) => TERMINAL_NODE_PHASES.has(p);
export const isTerminalWorkflowPhase = (p: WorkflowPhase) => TERMINAL_WORKFLOW_PHASES.has(p);

/**
 * A round's copy of a status it may change. An array node's sub-node statuses are not cloned (they are copied on write
 * themselves when a sub-node is visited), only the map holding them: a round touches a few of thousands.
 */
export function copyOnWrite(s: NodeStatus): NodeStatus {
  if (!s.array || !s.children) return deepCopy(s);
  const { children, ...rest } = s;
  const copy: NodeStatus = deepCopy(rest);
  // A loop over the keys copies a map of thousands about twice as fast as spreading it.
  const map: Record<string, NodeStatus> = {};
  for (const id of Object.keys(children)) map[id] = children[id]!;
  copy.children = map;
  return copy;
}

/**
 * A deep copy of plain data (what a status holds): objects and arrays copied key by key, anything else handed to
 * structuredClone. An order of magnitude cheaper than structuredClone for the small objects of a node status, and
 * copied on every visit of a node that may move.
 */
export function deepCopy<T>(v: T): T {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = deepCopy((v as Record<string, unknown>)[k]);
  return out as T;
}

/** The nested statuses a round may change: an array node's started, unfinished sub-nodes; any other node's all. */
export function liveChildren(s: NodeStatus): NodeStatus[] {
  if (!s.children) return [];
  const active = s.array?.active;
  if (!active) return Object.values(s.children);
  const out: NodeStatus[] = [];
  for (const i of active) {
    const c = s.children[`n${i}`];
    if (c) out.push(c);
  }
  return out;
}

export function newNodeStatus(): NodeStatus {
  return { phase: "NotYetStarted" };
}

/** Keeps what a terminal node still needs: phase, attempts (its output dir), stoppedAt, error. */
export function collapseNodeStatus(s: NodeStatus): NodeStatus {
  const out: NodeStatus = { phase: s.phase };
  if (s.attempts) out.attempts = s.attempts;
  if (s.stoppedAt !== undefined) out.stoppedAt = s.stoppedAt;
  if (s.error) out.error = s.error;
  return out;
}

const MAX_MESSAGE_CHARS = 1024;
export const truncateMessage = (m: string) => (m.length > MAX_MESSAGE_CHARS ? m.slice(0, MAX_MESSAGE_CHARS) : m);

const KIND_FROM_PROTO: Record<number, ErrorKind> = {
  [ExecutionError_ErrorKind.UNKNOWN]: "UNKNOWN",
  [ExecutionError_ErrorKind.USER]: "USER",
  [ExecutionError_ErrorKind.SYSTEM]: "SYSTEM",
};
const KIND_TO_PROTO: Record<ErrorKind, ExecutionError_ErrorKind> = {
  UNKNOWN: ExecutionError_ErrorKind.UNKNOWN,
  USER: ExecutionError_ErrorKind.USER,
  SYSTEM: ExecutionError_ErrorKind.SYSTEM,
};

export function statusError(kind: ErrorKind, code: string, message: string): StatusError {
  return { kind, code, message };
}

export function fromExecutionError(e: ExecutionError | undefined): StatusError {
  if (!e) return statusError("UNKNOWN", "RuntimeExecutionError", "Unknown error");
  return { code: e.code, message: e.message, kind: KIND_FROM_PROTO[e.kind] ?? "UNKNOWN" };
}

const MAX_EVENT_MESSAGE_BYTES = 100 * 1024;
const TRUNCATED = "\n... <Message Truncated> ...\n";

/** Event error messages over 100 KB keep their head and tail (upstream event_recorder.go). */
function truncateEventMessage(m: string): string {
  if (Buffer.byteLength(m) <= MAX_EVENT_MESSAGE_BYTES) return m;
  const half = Math.floor((MAX_EVENT_MESSAGE_BYTES - TRUNCATED.length) / 2);
  const bytes = Buffer.from(m);
  return bytes.subarray(0, half).toString("utf8") + TRUNCATED + bytes.subarray(bytes.length - half).toString("utf8");
}

export function toExecutionError(e: StatusError, at?: number): ExecutionError {
  const message = truncateEventMessage(e.message);
  const err = create(ExecutionErrorSchema, { code: e.code, message, kind: KIND_TO_PROTO[e.kind] });
  if (at !== undefined) err.timestamp = timestampFromMs(at);
  return err;
}

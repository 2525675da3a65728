// The span arithmetic behind GetExecutionMetrics (upstream flyteadmin/pkg/manager/impl/metrics_manager.go): operation names, timestamp comparisons and the parts of
// the span tree that need no further reads (task attempts, gate nodes, the latest upstream node, branch targets).
import { create } from "@bufbuild/protobuf";
import { TimestampSchema, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import { SpanSchema, type Span } from "@aloft/idl/flyteidl/core/metrics_pb.js";
import type { ConnectionSet_IdList } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type { BranchNode, Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import type { NodeExecution } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import type { TaskExecution } from "@aloft/idl/flyteidl/admin/task_execution_pb.js";

/** The operation ids of upstream's metrics manager, verbatim (flyteconsole groups the timeline by them). */
export const Operation = {
  WORKFLOW_SETUP: "WORKFLOW_SETUP",
  WORKFLOW_TEARDOWN: "WORKFLOW_TEARDOWN",
  NODE_SETUP: "NODE_SETUP",
  NODE_IDLE: "NODE_IDLE",
  NODE_RESET: "NODE_RESET",
  NODE_TEARDOWN: "NODE_TEARDOWN",
  NODE_TRANSITION: "NODE_TRANSITION",
  TASK_SETUP: "TASK_SETUP",
  TASK_RUNTIME: "TASK_RUNTIME",
  TASK_TEARDOWN: "TASK_TEARDOWN",
} as const;
export type Operation = (typeof Operation)[keyof typeof Operation];

/**
 * Node and task executions are read in pages of this size (upstream reads pages of 50: at thousands of nodes the
 * per-page round trips dominated).
 */
export const METRICS_PAGE_SIZE = 1000;

export const START_NODE = "start-node";
export const END_NODE = "end-node";

const NANOS_PER_SECOND = 1_000_000_000n;

/** Nanoseconds since the epoch; an absent timestamp counts as the epoch (as Go's nil `AsTime()` does). */
function nanosOf(ts: Timestamp | undefined): bigint {
  return ts ? ts.seconds * NANOS_PER_SECOND + BigInt(ts.nanos) : 0n;
}

/** Absent or the zero timestamp: "has not happened yet". */
export const isUnset = (ts: Timestamp | undefined): boolean => nanosOf(ts) === 0n;

/** Whether `a` is before `b` (absent = the epoch); compared without allocating when both are normalised. */
export function isBefore(a: Timestamp | undefined, b: Timestamp | undefined): boolean {
  const as = a?.seconds ?? 0n;
  const bs = b?.seconds ?? 0n;
  const an = a?.nanos ?? 0;
  const bn = b?.nanos ?? 0;
  if (an < 0 || an >= 1e9 || bn < 0 || bn >= 1e9) return nanosOf(a) < nanosOf(b);
  return as < bs || (as === bs && an < bn);
}

const isZeroDuration = (d: Duration | undefined): boolean => !d || (d.seconds === 0n && d.nanos === 0);

export function plusDuration(ts: Timestamp | undefined, d: Duration | undefined): Timestamp {
  const total = nanosOf(ts) + (d ? d.seconds * NANOS_PER_SECOND + BigInt(d.nanos) : 0n);
  let seconds = total / NANOS_PER_SECOND;
  let nanos = total % NANOS_PER_SECOND;
  if (nanos < 0n) {
    nanos += NANOS_PER_SECOND;
    seconds -= 1n;
  }
  return create(TimestampSchema, { seconds, nanos: Number(nanos) });
}

/**
 * A span, built as the plain object `create(SpanSchema, …)` would return (a tree of thousands of spans: create's
 * per-field initialisation was a large share of GetExecutionMetrics). Timestamps and ids are shared, not copied.
 */
export function span(
  start: Timestamp | undefined,
  end: Timestamp | undefined,
  id: Span["id"],
  spans: Span[] = [],
): Span {
  const out: Span = { $typeName: SpanSchema.typeName, id, spans };
  if (start) out.startTime = start;
  if (end) out.endTime = end;
  return out;
}

export function operationSpan(start: Timestamp | undefined, end: Timestamp | undefined, operation: Operation): Span {
  return span(start, end, { case: "operationId", value: operation });
}

/** Sorts by created_at, keeping the given order among equals. */
export function byCreatedAt<T extends { closure?: { createdAt?: Timestamp | undefined } | undefined }>(
  items: Iterable<T>,
): T[] {
  // Keys computed once (not two BigInts per comparison); Array.prototype.sort is stable.
  const keyed = [...items].map((item) => ({ item, at: nanosOf(item.closure?.createdAt) }));
  keyed.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return keyed.map((k) => k.item);
}

/**
 * One task attempt: TASK_SETUP until the plugin started, TASK_RUNTIME for started_at + duration (or until updated_at
 * while still running), TASK_TEARDOWN from the end of the run to updated_at.
 */
export function taskAttemptSpan(te: TaskExecution): Span {
  const c = te.closure;
  const spans: Span[] = [];
  if (isUnset(c?.startedAt)) {
    spans.push(operationSpan(c?.createdAt, c?.updatedAt, Operation.TASK_SETUP));
  } else {
    spans.push(operationSpan(c?.createdAt, c?.startedAt, Operation.TASK_SETUP));
    if (isZeroDuration(c?.duration)) {
      spans.push(operationSpan(c?.startedAt, c?.updatedAt, Operation.TASK_RUNTIME));
    } else {
      const end = plusDuration(c?.startedAt, c?.duration);
      spans.push(operationSpan(c?.startedAt, end, Operation.TASK_RUNTIME));
      if (!isBefore(c?.updatedAt, end)) spans.push(operationSpan(end, c?.updatedAt, Operation.TASK_TEARDOWN));
    }
  }
  return span(c?.createdAt, c?.updatedAt, { case: "taskId", value: te.id! }, spans);
}

/**
 * The attempts of a task node in created_at order: NODE_RESET between one attempt's update and the next one's
 * creation (always), and each attempt's own span unless `depth` is exhausted.
 */
export function taskAttemptSpans(sorted: readonly TaskExecution[], depth: number): Span[] {
  const spans: Span[] = [];
  sorted.forEach((te, i) => {
    const previous = sorted[i - 1];
    if (previous) spans.push(operationSpan(previous.closure?.updatedAt, te.closure?.createdAt, Operation.NODE_RESET));
    if (depth !== 0) spans.push(taskAttemptSpan(te));
  });
  return spans;
}

/** A gate node (signal, sleep, approve): NODE_SETUP until started, NODE_IDLE while it waits, NODE_TEARDOWN after. */
export function gateNodeSpans(ne: NodeExecution): Span[] {
  const c = ne.closure;
  if (isUnset(c?.startedAt)) return [operationSpan(c?.createdAt, c?.updatedAt, Operation.NODE_SETUP)];
  const spans = [operationSpan(c?.createdAt, c?.startedAt, Operation.NODE_SETUP)];
  if (isZeroDuration(c?.duration)) {
    spans.push(operationSpan(c?.startedAt, c?.updatedAt, Operation.NODE_IDLE));
  } else {
    const end = plusDuration(c?.startedAt, c?.duration);
    spans.push(
      operationSpan(c?.startedAt, end, Operation.NODE_IDLE),
      operationSpan(end, c?.updatedAt, Operation.NODE_TEARDOWN),
    );
  }
  return spans;
}

/** Of `nodeId`'s upstream nodes that have executions, the one updated last (updated_at after the epoch). */
export function latestUpstream(
  nodeId: string,
  upstream: { [key: string]: ConnectionSet_IdList } | undefined,
  byNode: ReadonlyMap<string, NodeExecution>,
): NodeExecution | undefined {
  let latest: NodeExecution | undefined;
  for (const id of upstream?.[nodeId]?.ids ?? []) {
    const ne = byNode.get(id);
    if (!ne) continue;
    if (isBefore(latest ? latest.closure?.updatedAt : undefined, ne.closure?.updatedAt)) latest = ne;
  }
  return latest;
}

/** The node of a branch (then-case, else-if cases, else) with this id. */
export function branchTarget(nodeId: string, branch: BranchNode): Node | undefined {
  const ifElse = branch.ifElse;
  if (ifElse?.case?.thenNode?.id === nodeId) return ifElse.case.thenNode;
  for (const other of ifElse?.other ?? []) {
    if (other.thenNode?.id === nodeId) return other.thenNode;
  }
  if (ifElse?.default.case === "elseNode" && ifElse.default.value.id === nodeId) return ifElse.default.value;
  return undefined;
}

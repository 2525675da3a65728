// The node executor (upstream flytepropeller/pkg/controller/nodes/executor.go): visits the nodes of one DAG scope in topological order and moves
// each at most one phase per round, sending the node event before the status is saved.
import { durationMs } from "@bufbuild/protobuf/wkt";
import { LiteralMapSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { NodeExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { putMessage } from "@aloft/core";
import { Code } from "@aloft/core";
import { START_NODE_ID, inputsKey } from "@aloft/core";
import { nodeHandlers } from "../nodes/registry.ts";
import type { DagResult, NodeExecutor, NodeResult } from "../nodes/node-executor-port.ts";
import { nodeContext, type NodeContext, type NodeHandler, type Transition } from "../nodes/handler.ts";
import { BindingResolutionError, resolveBindings } from "./bindings.ts";
import type { Scope } from "./context.ts";
import { EventRejectedError, nodeEventPhase, sendNodeEvent } from "./events.ts";
import { errorLiteral } from "./error-literal.ts";
import { maxAttemptsOf } from "./retries.ts";
import { attemptRecovery } from "./recovery.ts";
import { upstreamScope } from "./scopes.ts";
import { cacheGate, lookupOnQueue } from "../cache/task-cache.ts";
import {
  recordAttemptFailed,
  recordEnded,
  recordInputs,
  recordQueued,
  recordStarted,
  timedVisit,
} from "../metrics/node-metrics.ts";
import {
  collapseNodeStatus,
  copyOnWrite,
  isTerminalNodePhase,
  newNodeStatus,
  statusError,
  truncateMessage,
  type NodePhase,
  type NodeStatus,
  type StatusError,
} from "./status.ts";

const PENDING: NodeResult = { state: "pending" };
const SUCCESS: NodeResult = { state: "success" };
const UNKNOWN_ERROR = statusError("UNKNOWN", "RuntimeExecutionError", "Unknown error");
/** Events whose answer the round need not wait for: a refusal only fails the round (events.ts Sending). */
const LATER = { later: true } as const;

// The executor hands itself to the handlers that run nested nodes (the node-executor port), so that they need not
// import this file. The functions are stateless: one set of handlers serves every execution.
const nodeExecutor: NodeExecutor = { executeDag, visitNode, abortScope };
const handlerFor = nodeHandlers(nodeExecutor);

export async function executeDag(scope: Scope): Promise<DagResult> {
  if (scope.active) return executeActive(scope, scope.active);
  let lastFailure: DagResult | undefined;
  let allDone = true;
  for (const id of scope.order) {
    const st = scope.statuses[id];
    // Fast path: finished nodes need no visit (most of a large workflow, most of the time).
    const r =
      st?.phase === "Succeeded" || st?.phase === "Skipped"
        ? SUCCESS
        : st?.phase === "Failed" || st?.phase === "TimedOut"
          ? failedResult(st)
          : await visitNode(scope, id);
    if (r.state === "failed") {
      if (scope.failurePolicy === "FAIL_IMMEDIATELY") return r;
      lastFailure = r;
    } else if (r.state === "pending") {
      allDone = false;
    }
  }
  if (!allDone) return { state: "pending" };
  return lastFailure ?? { state: "complete" };
}

/**
 * `executeDag` over the active set: the same visits, in the same (topological) order, with the same result, but only
 * of the nodes that can move — the live and ready nodes, and the successors of a node the round changed (queued as it
 * changes; they come later in the order). Nodes it leaves out would have taken the fast path or been found not ready.
 */
async function executeActive(scope: Scope, active: NonNullable<Scope["active"]>): Promise<DagResult> {
  const { set, graph } = active;
  const pos = (id: string) => graph.position.get(id) ?? -1;
  // Sorted as numbers: a fan-out keeps hundreds of nodes live for many rounds.
  const start = Int32Array.from([...set.live, ...set.ready], pos).sort();
  const queue = Array.from(start, (p) => scope.order[p]!);
  const queued = new Set(queue);
  const enqueue = (id: string) => {
    if (queued.has(id)) return;
    queued.add(id);
    const p = pos(id);
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pos(queue[mid]!) < p) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, id);
  };
  // FAIL_IMMEDIATELY stops at the first failed node in order, one that failed in an earlier round included.
  let firstFailed: string | undefined;
  if (scope.failurePolicy === "FAIL_IMMEDIATELY")
    for (const id of set.failed) if (firstFailed === undefined || pos(id) < pos(firstFailed)) firstFailed = id;
  let finished = set.finished;
  let lastFailure: { at: number; result: Failed } | undefined;
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    if (firstFailed !== undefined && pos(id) > pos(firstFailed)) break;
    const before = scope.statuses[id];
    const r = await visitNode(scope, id);
    const after = scope.statuses[id];
    if (after !== before) {
      if (after && isTerminalNodePhase(after.phase) && !(before && isTerminalNodePhase(before.phase))) finished++;
      for (const d of graph.downstream.get(id) ?? []) enqueue(d);
    }
    if (r.state === "failed") {
      if (scope.failurePolicy === "FAIL_IMMEDIATELY") return r;
      lastFailure = { at: pos(id), result: r };
    }
  }
  if (firstFailed !== undefined) return failedResult(scope.statuses[firstFailed]!);
  if (finished < scope.order.length) return { state: "pending" };
  for (const id of set.failed) {
    if (lastFailure === undefined || pos(id) > lastFailure.at) {
      lastFailure = { at: pos(id), result: failedResult(scope.statuses[id]!) };
    }
  }
  return lastFailure?.result ?? { state: "complete" };
}

type Failed = Extract<NodeResult, { state: "failed" }>;

const failedResult = (s: NodeStatus): Failed => ({
  state: "failed",
  error: s.error ?? UNKNOWN_ERROR,
  timedOut: s.phase === "TimedOut",
});

export async function visitNode(scope: Scope, id: string): Promise<NodeResult> {
  const node = scope.nodes.get(id);
  if (!node) return PENDING;
  const current = scope.statuses[id];
  if (current?.phase === "Succeeded" || current?.phase === "Skipped") return SUCCESS;
  if (current?.phase === "Failed" || current?.phase === "TimedOut") return failedResult(current);
  if (scope.dirty.has(id)) return PENDING;
  const notStarted = current === undefined || current.phase === "NotYetStarted";
  if (notStarted && scope.exec.events?.changing) await upstreamAnswered(scope, id);
  // Not started and not ready: nothing to do, and no status entry to create (cheap for the waiting part of a big DAG).
  if (notStarted && id !== START_NODE_ID && canExecute(scope, id) === "notReady") return PENDING;
  // Only visits that may do something are timed (node_exec_latency): the cheap ones above stay cheap.
  return scope.exec.deps.metrics
    ? timedVisit(scope, () => step(scope, node, id, current))
    : step(scope, node, id, current);
}

/** Waits for the answers to this round's events that may still change an upstream node's status (round-events.ts). */
async function upstreamAnswered(scope: Scope, id: string): Promise<void> {
  const events = scope.exec.events!;
  for (const u of scope.upstream.get(id) ?? []) await events.answered(upstreamScope(scope, u).statuses[u]);
}

/** Moves a node that may move (ready, started or finishing) by at most one phase. */
async function step(scope: Scope, node: Node, id: string, current: NodeStatus | undefined): Promise<NodeResult> {
  // Copy on write: the round works on its own copy of every status it may change, so that a failed round leaves the
  // previous status intact without deep-copying the (mostly finished) whole tree.
  const status = (scope.statuses[id] = current ? copyOnWrite(current) : newNodeStatus());
  const n = nodeContext(scope, node, status);
  const handler = handlerFor(n);
  switch (status.phase) {
    case "NotYetStarted":
      return id === START_NODE_ID ? handleQueuedOrRunning(n, handler) : preExecute(n, handler);
    case "Queued":
    case "Running":
      return handleQueuedOrRunning(n, handler);
    case "RetryableFailure":
      await handler.abort(n, "retrying");
      await handler.finalize(n);
      status.attempts = (status.attempts ?? 0) + 1;
      status.phase = "Running";
      status.message = "retrying";
      status.lastAttemptStartedAt = scope.exec.now();
      delete status.task;
      delete status.sub;
      delete status.children;
      delete status.branchChild;
      delete status.array;
      delete status.dynamic;
      scope.dirty.add(id);
      scope.exec.restless = true;
      return PENDING;
    case "Failing":
    case "TimingOut":
      await handler.abort(n, status.error?.message ?? "node failed");
      await handler.finalize(n);
      return finish(n, status.phase === "Failing" ? "Failed" : "TimedOut");
    case "Succeeding":
      await handler.finalize(n);
      return finish(n, "Succeeded");
    default:
      return PENDING;
  }
}

function finish(n: NodeContext, phase: NodePhase): NodeResult {
  const s = n.status;
  s.phase = phase;
  s.stoppedAt = n.exec.now();
  recordEnded(n, phase);
  n.scope.statuses[n.node.id] = collapseNodeStatus(s);
  n.scope.dirty.add(n.node.id);
  // A succeeded node's downstream nodes come later in the same round (canExecute lets them through); after a failure
  // or a skip they wait for the next round, as do a sub-workflow's nodes after its start node.
  if (phase !== "Succeeded" || n.node.id === START_NODE_ID) n.exec.restless = true;
  const collapsed = n.scope.statuses[n.node.id]!;
  if (phase === "Succeeded" || phase === "Skipped") return SUCCESS;
  return failedResult(collapsed);
}

/**
 * upstream flytepropeller/pkg/controller/nodes/predicate.go CanExecute: NotReady while an upstream is unfinished or
 * changed this round; Skip if one failed or skipped. Unlike upstream, an upstream that succeeded (its outputs are
 * written and checked; Succeeding only awaits the plugin's clean-up, which sends no event) lets its downstream nodes be
 * queued in the same round: a chain node then costs two rounds less. This is replay-safe as every round is — a node
 * still sends at most one event per round, so a round replayed after a lost save repeats exactly the events it sent.
 * The start node is the exception: a sub-workflow's nodes start only after its parent node's RUNNING event, which is
 * sent once the parent's handler returns, after the round that ran the start node.
 */
function canExecute(scope: Scope, id: string): "ready" | "notReady" | "skip" {
  let skip = false;
  for (const u of scope.upstream.get(id) ?? []) {
    const owner = upstreamScope(scope, u);
    const st = owner.statuses[u];
    if (!st) return "notReady";
    if ((st.phase === "Succeeded" || st.phase === "Succeeding") && (u !== START_NODE_ID || !owner.dirty.has(u))) {
      continue;
    }
    // An upstream that ended this round set `restless` then (finish): this node is looked at again at once.
    if (owner.dirty.has(u)) return "notReady";
    if (st.phase === "Skipped" || st.phase === "Failed" || st.phase === "TimedOut") skip = true;
    else if (st.phase !== "Succeeded") return "notReady";
  }
  return skip ? "skip" : "ready";
}

async function preExecute(n: NodeContext, handler: NodeHandler): Promise<NodeResult> {
  const { scope, status, exec } = n;
  const ready = canExecute(scope, n.node.id);
  if (ready === "notReady") return PENDING;
  if (ready === "skip") {
    status.phase = "Skipped";
    await sendNodeEvent(n, NodeExecution_Phase.SKIPPED, {}, LATER);
    return finish(n, "Skipped");
  }
  const recovered = await attemptRecovery(n);
  if (recovered?.state === "success") recordEnded(n, "Recovered");
  if (recovered) return recovered;
  const isTask = n.node.target.case === "taskNode";
  const max = exec.spec.spec.maxParallelism ?? 0;
  if (isTask && max > 0 && exec.activeTasks >= max) {
    exec.restless = true; // a task that ended in this round may have made room
    return PENDING;
  }
  let inputs: LiteralMap;
  const resolving = performance.now();
  try {
    inputs = await resolveBindings(scope, n.node.inputs);
    if (scope.injectError) injectErrorInput(inputs, scope.injectError, n.node.id);
    recordInputs(n, resolving, true);
  } catch (e) {
    if (!(e instanceof BindingResolutionError)) throw e;
    recordInputs(n, resolving, false);
    status.error = statusError("SYSTEM", "BindingResolutionFailure", truncateMessage(e.message));
    status.phase = "Failed";
    await sendNodeEvent(n, NodeExecution_Phase.FAILED, { error: status.error }, LATER);
    return finish(n, "Failed");
  }
  await putMessage(exec.deps.blobs, inputsKey(n.dataDir), LiteralMapSchema, inputs);
  if (await lookupOnQueue(n, inputs)) return finish(n, "Succeeded");
  status.phase = "Queued";
  status.queuedAt = exec.now();
  if (isTask) exec.activeTasks++;
  recordQueued(n);
  await sendNodeEvent(n, NodeExecution_Phase.QUEUED, {}, LATER);
  scope.dirty.add(n.node.id);
  // Started in the same visit (a chain node then costs one round and one status write, not two): its QUEUED goes
  // first, then what the start sends. A round replayed after a lost save sends them again in the same order; the
  // QUEUED admin already took is not sent again (ExecContext.queuedSent, events.ts), so admin does not go back.
  return handleQueuedOrRunning(n, handler);
}

function deadlines(n: NodeContext, t: Transition): Transition {
  if (t.phase !== "Running") return t;
  const timeout = n.node.metadata?.timeout;
  const ms = timeout ? durationMs(timeout) : 0;
  if (ms <= 0) return t;
  const now = n.exec.now();
  const s = n.status;
  if (s.queuedAt !== undefined && now - s.queuedAt >= 2 * ms) {
    return {
      phase: "Timedout",
      error: statusError("USER", "TimedOut", `task active timeout [${fmtDuration(2 * ms)}] expired`),
    };
  }
  if (s.lastAttemptStartedAt !== undefined && now - s.lastAttemptStartedAt >= ms) {
    return {
      phase: "RetryableFailure",
      error: statusError("USER", "TimeoutExpired", `task execution timeout [${fmtDuration(ms)}] expired`),
    };
  }
  return t;
}

const fmtDuration = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

async function handleQueuedOrRunning(n: NodeContext, handler: NodeHandler): Promise<NodeResult> {
  const { status, exec, scope } = n;
  const gate = await cacheGate(n);
  if (gate === "hit") return finish(n, "Succeeded");
  if (gate === "wait") {
    exec.restless = true;
    return PENDING;
  }
  const t = deadlines(n, await handler.handle(n));
  if (t.phase === "Running" && !t.quiet) exec.restless = true;
  let next: NodePhase;
  let error: StatusError | undefined;
  switch (t.phase) {
    case "Running":
      next = "Running";
      if (status.startedAt === undefined) recordStarted(n);
      status.startedAt ??= exec.now();
      status.lastAttemptStartedAt ??= exec.now();
      break;
    case "Success":
      next = handler.finalizeRequired ? "Succeeding" : "Succeeded";
      break;
    case "Failed":
      next = handler.finalizeRequired ? "Failing" : "Failed";
      error = t.error ?? UNKNOWN_ERROR;
      break;
    case "Timedout":
      next = handler.finalizeRequired ? "TimingOut" : "TimedOut";
      error = t.error ?? UNKNOWN_ERROR;
      break;
    case "RetryableFailure": {
      const err = t.error ?? UNKNOWN_ERROR;
      if (isEligibleForRetry(n, err)) {
        next = "RetryableFailure";
        error = err;
      } else {
        next = handler.finalizeRequired ? "Failing" : "Failed";
        const max = maxAttemptsOf(n);
        error = statusError(
          "USER",
          `RetriesExhausted|${err.code}`,
          truncateMessage(
            `[${(status.attempts ?? 0) + 1}/${max}] currentAttempt done. Last Error: ${err.kind}::${err.message}`,
          ),
        );
      }
      break;
    }
  }
  if (next === status.phase) return PENDING;
  if (error && t.phase !== "Timedout") recordAttemptFailed(n, next, error);
  // The status keeps 1024 characters of a message (upstream flytestdlib/storage/config.go, flytepropeller/events/event_recorder.go); the event carries it whole (up to the event limit).
  if (error) status.error = { ...error, message: truncateMessage(error.message) };
  status.phase = next;
  if (next !== "RetryableFailure") {
    // Admin cannot take this event (too large, invalid): the node fails instead (upstream flytepropeller/pkg/controller/nodes/executor.go).
    const instead = (e: unknown) => {
      if (!isUnacceptableEvent(e)) throw e;
      next = handler.finalizeRequired ? "Failing" : "Failed";
      error = statusError("USER", "NodeFailed", truncateMessage((e as Error).message));
      status.phase = next;
      status.error = error;
      return { phase: NodeExecution_Phase.FAILED, error };
    };
    // With finalisation the node stays unfinished (PENDING, dirty) whether admin takes the event or not, so the visit
    // need not wait for the answer; a downstream node that reads this status waits for it (visitNode).
    const later = handler.finalizeRequired && !isTerminalNodePhase(next);
    await sendNodeEvent(n, nodeEventPhase(next), error ? { error } : {}, { later, instead });
  }
  if (isTerminalNodePhase(next)) {
    // Handlers without finalisation (branch, sub-workflow) may still have running children, e.g. on a timeout:
    // stop them before the status (and with it the children) is collapsed.
    if (next !== "Succeeded") await handler.abort(n, error?.message ?? "node failed");
    return finish(n, next);
  }
  scope.dirty.add(n.node.id);
  if (next !== "Running") exec.restless = true; // Succeeding, Failing, TimingOut, RetryableFailure move on at once
  return PENDING;
}

function isUnacceptableEvent(e: unknown): boolean {
  if (!(e instanceof EventRejectedError)) return false;
  if (e.code === Code.INVALID_ARGUMENT) return true;
  return e.code === Code.RESOURCE_EXHAUSTED && /larger than max/i.test(e.message);
}

function isEligibleForRetry(n: NodeContext, err: StatusError): boolean {
  const s = n.status;
  if (err.kind === "SYSTEM") {
    const eligible = (s.systemFailures ?? 0) < n.exec.deps.config.maxNodeSystemRetries;
    s.systemFailures = (s.systemFailures ?? 0) + 1;
    return eligible;
  }
  return (s.attempts ?? 0) + 1 - (s.systemFailures ?? 0) < maxAttemptsOf(n);
}

function injectErrorInput(inputs: LiteralMap, err: StatusError, failureNodeId: string) {
  if (!("err" in inputs.literals)) return;
  inputs.literals["err"] = errorLiteral(err, failureNodeId);
}

/** Aborts every started, unfinished node of a scope (recursively through handlers); ABORTED events when `final`. */
export async function abortScope(scope: Scope, reason: string, final: boolean): Promise<void> {
  for (const id of scope.order) {
    const node = scope.nodes.get(id);
    const current = scope.statuses[id];
    if (!node || !current || current.phase === "NotYetStarted") continue;
    // An event of this round may still change a nested node's status (its parent timing out in the round): wait.
    if (scope.exec.events?.changing) await scope.exec.events.answered(current);
    if (isTerminalNodePhase(current.phase)) continue;
    const status = (scope.statuses[id] = copyOnWrite(current));
    const n = nodeContext(scope, node, status);
    const handler = handlerFor(n);
    await handler.abort(n, reason);
    await handler.finalize(n);
    if (final && status.phase !== "Failing" && status.phase !== "TimingOut") {
      await sendNodeEvent(n, NodeExecution_Phase.ABORTED, {
        error: statusError("UNKNOWN", "NodeAborted", reason),
      });
      recordEnded(n, "Aborted");
    }
  }
}

// Building and sending execution events (upstream flytepropeller/pkg/controller/nodes/transformers.go) with the idempotency rules of upstream flytepropeller/events/admin_eventsink.go: a
// repeated event (ALREADY_EXISTS) is success; "already terminal" is ignored for terminal phases.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  EventFailureReasonSchema,
  NodeExecutionEventRequestSchema,
  TaskExecutionEventRequestSchema,
  WorkflowExecutionEventRequestSchema,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import {
  NodeExecutionEventSchema,
  ParentNodeExecutionMetadataSchema,
  TaskNodeMetadataSchema,
  WorkflowExecutionEventSchema,
  WorkflowNodeMetadataSchema,
  type DynamicWorkflowNodeMetadata,
  type NodeExecutionEvent,
  type TaskExecutionEvent,
} from "@aloft/idl/flyteidl/event/event_pb.js";
import { NodeExecution_Phase, WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { AloftError, Code, internal } from "@aloft/core";
import { END_NODE_ID, START_NODE_ID, inputsKey, outputsKey } from "@aloft/core";
import { NODE_TERMINAL } from "@aloft/core";
import type { ExecContext } from "./context.ts";
import type { NodeContext } from "../nodes/handler.ts";
import { childExecutionId } from "./child-execution-id.ts";
import { cacheEventFields } from "../cache/cache-status.ts";
import { toExecutionError, type NodePhase, type NodeStatus, type StatusError } from "./status.ts";
import { labelsOf, type EventKind } from "../metrics/engine-metrics.ts";

const NODE_EVENT_VERSION = 1;

/** An event admin refused (other than the idempotency answers): the round fails, nothing is saved. */
export class EventRejectedError extends Error {
  readonly code: Code | undefined;
  constructor(cause: unknown) {
    super(`event rejected: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "EventRejectedError";
    this.code = cause instanceof AloftError ? cause.code : undefined;
  }
}

export function isAlreadyTerminal(e: unknown): boolean {
  if (!(e instanceof AloftError) || e.code !== Code.FAILED_PRECONDITION) return false;
  return e.details.some(
    (d) =>
      d.schema.typeName === EventFailureReasonSchema.typeName &&
      (d.value as { reason?: { case?: string } }).reason?.case === "alreadyInTerminalState",
  );
}

/**
 * Transient failures (admin unavailable, deadline, rate limit) are retried a few times with short delays before the
 * round fails: a round sending many events would otherwise rarely get through a flaky admin (as upstream's admin
 * client retries).
 */
async function withRetries(exec: ExecContext, kind: EventKind, call: () => Promise<void>): Promise<void> {
  exec.sent = (exec.sent ?? 0) + 1;
  const m = exec.deps.metrics;
  if (!m) return retrying(exec, call);
  const t0 = performance.now();
  try {
    await retrying(exec, call);
    m.eventRecorded(labelsOf(exec.spec), kind, true, performance.now() - t0, false);
  } catch (e) {
    m.eventRecorded(labelsOf(exec.spec), kind, false, performance.now() - t0, isAlreadyExists(e));
    throw e;
  }
}

async function retrying(exec: ExecContext, call: () => Promise<void>): Promise<void> {
  const delays = exec.deps.config.eventRetryDelaysMs;
  for (let i = 0; ; i++) {
    try {
      return await call();
    } catch (e) {
      const delay = delays[i];
      if (delay === undefined || !isTransient(e)) throw e;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

function isTransient(e: unknown): boolean {
  if (!(e instanceof AloftError)) return false;
  if (e.code === Code.RESOURCE_EXHAUSTED) return !/larger than max/i.test(e.message);
  return e.code === Code.UNAVAILABLE || e.code === Code.DEADLINE_EXCEEDED;
}

const isAlreadyExists = (e: unknown) => e instanceof AloftError && e.code === Code.ALREADY_EXISTS;

/** Sends a workflow event. Returns "terminal" when admin says the execution already ended. */
export async function sendWorkflowEvent(
  exec: ExecContext,
  phase: WorkflowExecution_Phase,
  result?: { outputUri?: string; error?: StatusError },
): Promise<"ok" | "terminal"> {
  const now = exec.now();
  const event = create(WorkflowExecutionEventSchema, {
    executionId: exec.executionId,
    producerId: exec.deps.config.producerId,
    phase,
    occurredAt: timestampFromMs(now),
  });
  if (result?.outputUri !== undefined) event.outputResult = { case: "outputUri", value: result.outputUri };
  else if (result?.error) event.outputResult = { case: "error", value: toExecutionError(result.error) };
  try {
    await withRetries(exec, "workflow", () =>
      exec.deps.sink.workflowEvent(create(WorkflowExecutionEventRequestSchema, { event })),
    );
    return "ok";
  } catch (e) {
    if (isAlreadyExists(e)) return "ok";
    if (isAlreadyTerminal(e)) return "terminal";
    if (
      e instanceof AloftError &&
      e.code === Code.NOT_FOUND &&
      (phase === WorkflowExecution_Phase.FAILING || phase === WorkflowExecution_Phase.FAILED)
    )
      return "ok";
    throw new EventRejectedError(e);
  }
}

export function nodeEventPhase(p: NodePhase): NodeExecution_Phase {
  switch (p) {
    case "Queued":
      return NodeExecution_Phase.QUEUED;
    case "Running":
    case "RetryableFailure":
      return NodeExecution_Phase.RUNNING;
    case "Skipped":
      return NodeExecution_Phase.SKIPPED;
    case "Succeeding":
    case "Succeeded":
      return NodeExecution_Phase.SUCCEEDED;
    case "Failing":
    case "Failed":
      return NodeExecution_Phase.FAILED;
    case "TimingOut":
    case "TimedOut":
      return NodeExecution_Phase.TIMED_OUT;
    default:
      return NodeExecution_Phase.UNDEFINED;
  }
}

interface NodeEventOptions {
  error?: StatusError;
  dynamicWorkflow?: DynamicWorkflowNodeMetadata;
  /** Replaces the node kind's target metadata (a recovered node reports the original's, upstream flytepropeller/pkg/controller/nodes/executor.go). */
  targetMetadata?: NodeExecutionEvent["targetMetadata"];
}

/** How a node event is sent within a round. */
export interface Sending {
  /**
   * The round need not wait for the answer: with a concurrent sink, the event goes without waiting
   * (executor/round-events.ts), and a rejection fails the round at its end instead of at this event.
   */
  later?: boolean;
  /**
   * What admin's refusal turns into: called with the error, it changes the node's status and returns the event to send
   * instead (rethrows what it does not handle). The round waits for it before anything reads that status.
   */
  instead?: (e: unknown) => { phase: NodeExecution_Phase; error: StatusError };
}

/** Builds and sends a node event for the node's phase (or an explicit phase such as ABORTED). */
export async function sendNodeEvent(
  n: NodeContext,
  phase: NodeExecution_Phase,
  opts: NodeEventOptions = {},
  sending: Sending = {},
): Promise<void> {
  if (n.scope.silent) return;
  const event = nodeEvent(n, phase, opts);
  const { instead } = sending;
  const call = instead
    ? () =>
        recordNodeEvent(n, event).catch(async (e: unknown) => {
          const other = instead(e);
          await recordNodeEvent(n, nodeEvent(n, other.phase, { error: other.error }));
        })
    : () => recordNodeEvent(n, event);
  return dispatch(n, call, sending.later === true, instead ? n.status : undefined);
}

/**
 * Sends one of a node's events: at once without a round collecting them; otherwise after the node's (and its
 * parent's and children's) earlier events of the round, without waiting when `later` — in the primary workflow and in
 * nested scopes alike (sub-workflow, dynamic, branch, array elements): a later event's answer does not change what the
 * visit returns, so the parent's handler reads the same outcome either way.
 */
function dispatch(n: NodeContext, call: () => Promise<void>, later: boolean, changes?: NodeStatus): Promise<void> {
  const events = n.exec.events;
  if (!events) return call();
  const parent = n.scope.parent?.uniqueId;
  if (later) {
    events.defer(n.uniqueId, parent, call, changes);
    return Promise.resolve();
  }
  return events.send(n.uniqueId, parent, call);
}

function nodeEvent(n: NodeContext, phase: NodeExecution_Phase, opts: NodeEventOptions): NodeExecutionEvent {
  const exec = n.exec;
  const now = exec.now();
  const blobs = exec.deps.blobs;
  const event: NodeExecutionEvent = create(NodeExecutionEventSchema, {
    id: { executionId: exec.executionId, nodeId: n.uniqueId },
    producerId: exec.deps.config.producerId,
    phase,
    occurredAt: timestampFromMs(now),
    reportedAt: timestampFromMs(now),
    specNodeId: n.node.id,
    nodeName: n.node.metadata?.name ?? n.node.id,
    eventVersion: NODE_EVENT_VERSION,
    isParent: isSubWorkflowNode(n),
    isArray: n.node.target.case === "arrayNode",
    isDynamic: n.status.dynamic !== undefined,
    isInDynamicChain: n.scope.inDynamic ?? false,
  });
  if (n.status.dynamic?.phase === "Executing" || opts.dynamicWorkflow) event.isParent = true;
  if (n.deckUri !== undefined) event.deckUri = n.deckUri;
  if (n.node.id !== START_NODE_ID) event.inputValue = { case: "inputUri", value: blobs.uri(inputsKey(n.dataDir)) };
  if (phase === NodeExecution_Phase.SUCCEEDED || phase === NodeExecution_Phase.RECOVERED) {
    event.outputResult = { case: "outputUri", value: blobs.uri(outputsKey(n.outputDir())) };
  } else if (
    opts.error &&
    (phase === NodeExecution_Phase.FAILED ||
      phase === NodeExecution_Phase.TIMED_OUT ||
      phase === NodeExecution_Phase.ABORTED)
  ) {
    event.outputResult = { case: "error", value: toExecutionError(opts.error, now) };
  }
  const target = n.node.target;
  if (target.case === "workflowNode" && target.value.reference.case === "launchplanRef") {
    event.targetEntity = target.value.reference.value;
    if (phase !== NodeExecution_Phase.QUEUED && phase !== NodeExecution_Phase.SKIPPED) {
      event.targetMetadata = {
        case: "workflowNodeMetadata",
        value: create(WorkflowNodeMetadataSchema, { executionId: childExecutionId(n) }),
      };
    }
  }
  if (target.case === "taskNode") {
    event.targetMetadata = {
      case: "taskNodeMetadata",
      value: create(TaskNodeMetadataSchema, {
        ...cacheEventFields(n.status.cache),
        ...(opts.dynamicWorkflow ? { dynamicWorkflow: opts.dynamicWorkflow } : {}),
      }),
    };
    if (target.value.reference.case === "referenceId") event.targetEntity = target.value.reference.value;
  }
  if (opts.targetMetadata) event.targetMetadata = opts.targetMetadata;
  if (n.scope.parent) {
    event.parentNodeMetadata = create(ParentNodeExecutionMetadataSchema, { nodeId: n.scope.parent.uniqueId });
    event.retryGroup = String(n.scope.parent.attempt);
  }
  return event;
}

const isSubWorkflowNode = (n: NodeContext) =>
  n.node.target.case === "workflowNode" && n.node.target.value.reference.case === "subWorkflowRef";

async function recordNodeEvent(n: NodeContext, event: NodeExecutionEvent): Promise<void> {
  // A node is queued once (its unique id holds its parents' attempts): a second QUEUED replays a round whose status
  // was not saved. Admin takes a QUEUED after RUNNING (upstream has no rule against it), so it is not sent again.
  const queued = event.phase === NodeExecution_Phase.QUEUED ? n.exec.queuedSent : undefined;
  if (queued?.has(n.uniqueId)) return;
  try {
    await withRetries(n.exec, "node", () =>
      n.exec.deps.sink.nodeEvent(create(NodeExecutionEventRequestSchema, { event })),
    );
    queued?.add(n.uniqueId);
  } catch (e) {
    if (isAlreadyExists(e)) return;
    if (n.node.id === END_NODE_ID) return;
    if (isAlreadyTerminal(e)) {
      // A terminal phase again, or the QUEUED of a node queued, started and ended in one round replayed by another
      // engine (after a crash before the save): the rest of the replay follows admin's answers to its own events.
      if (NODE_TERMINAL.has(event.phase) || event.phase === NodeExecution_Phase.QUEUED) return;
      throw internal(
        "engine.illegal_state",
        `node ${n.uniqueId} is already terminal in admin: ${(e as Error).message}`,
        e,
      );
    }
    // An execution admin does not know: aborting it must still converge.
    if (event.phase === NodeExecution_Phase.ABORTED && e instanceof AloftError && e.code === Code.NOT_FOUND) return;
    throw new EventRejectedError(e);
  }
}

/** A task node's task event, sent as its node events are (without waiting when the round allows it). */
export function sendTaskEventOf(n: NodeContext, event: TaskExecutionEvent, terminal: boolean): Promise<void> {
  return dispatch(n, () => recordTaskEvent(n.exec, event, terminal), true);
}

/** Sends a task event; repeated and already-terminal answers are fine for terminal phases. */
async function recordTaskEvent(exec: ExecContext, event: TaskExecutionEvent, terminal: boolean): Promise<void> {
  try {
    await withRetries(exec, "task", () => exec.deps.sink.taskEvent(create(TaskExecutionEventRequestSchema, { event })));
  } catch (e) {
    if (isAlreadyExists(e)) return;
    // A task execution is one attempt: once admin has its end, an earlier phase can only be a replay (the engine died
    // after reporting the end but before saving it, and now reports RUNNING on the way to the same end). Skip it.
    if (isAlreadyTerminal(e)) return;
    if (terminal && e instanceof AloftError && e.code === Code.NOT_FOUND) return;
    throw new EventRejectedError(e);
  }
}

// What the engine reports to Prometheus (upstream flytepropeller/pkg/controller/nodes/executor.go): one hook per fact the controller, the workflow
// and node executors and the event sender know. The engine calls these hooks only when it was given metrics; the
// prom-client implementation is in prom-engine-metrics.ts, and NOOP_ENGINE_METRICS stands in where one is required.
import type { ExecutionSpec } from "../store/workflow-store.ts";
import type { CacheStatusName, ErrorKind, NodePhase } from "../executor/status.ts";

/** Upstream's labeled-metric keys (propeller sets project, domain, wf; `task` only inside task handlers). */
export interface WorkflowLabels {
  project: string;
  domain: string;
  /** The workflow id without its version (`project:domain:name`, upstream `WorkflowIDAsString`). */
  wf: string;
}

export type EventKind = "workflow" | "node" | "task";
type WorkflowOutcome = "Success" | "Failed" | "Aborted";
/** How a node ended: its terminal phase, or Aborted when the execution aborted it. */
export type NodeOutcome = Extract<NodePhase, "Succeeded" | "Failed" | "TimedOut" | "Skipped"> | "Recovered" | "Aborted";

/** What the scrape-time gauges read from the engine (no work on the hot path). */
export interface EngineView {
  freeWorkers(): number;
  queueDepth(): number;
  unfinishedWorkSeconds(): number;
  longestRunningSeconds(): number;
  /** Keys (`project/domain/name`) of the executions not finished yet. */
  activeExecutions(): Promise<readonly string[]>;
}

export interface EngineMetrics {
  /** Gauges (free workers, queue depth, active executions) read this view at scrape time. */
  observe(view: EngineView): void;
  workersStarted(): void;

  // The work queue (client-go workqueue metrics of the `main` queue).
  queueAdded(): void;
  queueRetried(): void;
  queueLatency(seconds: number): void;
  queueWorkDuration(seconds: number): void;

  // One handling of a key (a streak of rounds) and the rounds in it.
  handled(ms: number, ok: boolean): void;
  streak(l: WorkflowLabels, rounds: number): void;
  roundSkipped(): void;
  roundNotFound(): void;
  closureRead(l: WorkflowLabels, ms: number): void;
  deepCopy(ms: number): void;
  /** The workflow executor's traversal of one round. */
  roundTraversed(l: WorkflowLabels, ms: number): void;
  /** One round: copy, traversal, comparison and the status write. */
  roundTimed(l: WorkflowLabels, ms: number): void;
  roundFailed(l: WorkflowLabels, f: { abort: boolean; panic: boolean }): void;

  // The workflow state machine.
  workflowAccepted(l: WorkflowLabels, acceptanceMs: number): void;
  workflowCompleting(l: WorkflowLabels, latencyMs: number): void;
  workflowAborted(l: WorkflowLabels): void;
  workflowEnded(l: WorkflowLabels, outcome: WorkflowOutcome, durationMs: number | undefined): void;

  // The node state machine.
  nodeVisited(l: WorkflowLabels, us: number): void;
  nodeInputsResolved(l: WorkflowLabels, ms: number, ok: boolean): void;
  nodeQueued(l: WorkflowLabels, transitionMs: number | undefined): void;
  nodeStarted(l: WorkflowLabels, queueingMs: number): void;
  nodeAttemptFailed(l: WorkflowLabels, kind: ErrorKind, permanent: boolean, ms: number | undefined): void;
  nodeEnded(
    l: WorkflowLabels,
    outcome: NodeOutcome,
    durationMs: number | undefined,
    cache: CacheStatusName | undefined,
  ): void;

  /** One event handed to admin (with its transient retries); `ok` false when it was refused or failed. */
  eventRecorded(l: WorkflowLabels, kind: EventKind, ok: boolean, ms: number, alreadyExists: boolean): void;
  /** One call of a task plugin's `handle`. */
  pluginHandled(plugin: string, us: number, ok: boolean): void;
}

const nothing = () => undefined;

export const NOOP_ENGINE_METRICS: EngineMetrics = {
  observe: nothing,
  workersStarted: nothing,
  queueAdded: nothing,
  queueRetried: nothing,
  queueLatency: nothing,
  queueWorkDuration: nothing,
  handled: nothing,
  streak: nothing,
  roundSkipped: nothing,
  roundNotFound: nothing,
  closureRead: nothing,
  deepCopy: nothing,
  roundTraversed: nothing,
  roundTimed: nothing,
  roundFailed: nothing,
  workflowAccepted: nothing,
  workflowCompleting: nothing,
  workflowAborted: nothing,
  workflowEnded: nothing,
  nodeVisited: nothing,
  nodeInputsResolved: nothing,
  nodeQueued: nothing,
  nodeStarted: nothing,
  nodeAttemptFailed: nothing,
  nodeEnded: nothing,
  eventRecorded: nothing,
  pluginHandled: nothing,
};

const labelCache = new WeakMap<ExecutionSpec, WorkflowLabels>();

/** The labels of an execution's metrics, computed once per loaded spec. */
export function labelsOf(spec: ExecutionSpec): WorkflowLabels {
  let l = labelCache.get(spec);
  if (!l) {
    const id = spec.closure.primary?.template?.id;
    const { project, domain } = spec.executionId;
    l = { project, domain, wf: id ? `${id.project}:${id.domain}:${id.name}` : "" };
    labelCache.set(spec, l);
  }
  return l;
}

/** A thrown value that is a programming error rather than a reported failure: upstream's "panic" (a Go panic). */
export function isPanic(e: unknown): boolean {
  return e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || e instanceof SyntaxError;
}

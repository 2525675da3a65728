// The node executor's metrics (upstream nodes/executor.go nodeMetrics), computed from the node status so that
// dag-executor.ts only says where a node is: queued, running, failed an attempt, ended, aborted. No-ops without metrics.
import type { NodeContext } from "../nodes/handler.ts";
import type { Scope } from "../executor/context.ts";
import { upstreamScope } from "../executor/scopes.ts";
import type { NodePhase, StatusError } from "../executor/status.ts";
import { labelsOf, type NodeOutcome } from "./engine-metrics.ts";

/** Times one visit of a node (node_exec_latency, which includes the visits of nested nodes). */
export async function timedVisit<T>(scope: Scope, visit: () => Promise<T>): Promise<T> {
  const m = scope.exec.deps.metrics;
  if (!m) return visit();
  const t0 = performance.now();
  try {
    return await visit();
  } finally {
    m.nodeVisited(labelsOf(scope.exec.spec), (performance.now() - t0) * 1000);
  }
}

/** Input resolution took `sinceMs` (performance.now() at its start); `ok` false when a binding could not be resolved. */
export function recordInputs(n: NodeContext, since: number, ok: boolean): void {
  n.exec.deps.metrics?.nodeInputsResolved(labelsOf(n.exec.spec), performance.now() - since, ok);
}

/** The node was queued: transition latency from the last upstream node's end (upstream nodes of this scope). */
export function recordQueued(n: NodeContext): void {
  const m = n.exec.deps.metrics;
  if (!m) return;
  let lastUpstreamEnd: number | undefined;
  const queuedAt = n.status.queuedAt ?? n.exec.now();
  for (const u of n.scope.upstream.get(n.node.id) ?? []) {
    // An upstream still Succeeding (finalized later) succeeded in this round or before: count it as ended now.
    const st = upstreamScope(n.scope, u).statuses[u];
    const stopped = st?.stoppedAt ?? (st?.phase === "Succeeding" ? queuedAt : undefined);
    if (stopped !== undefined && (lastUpstreamEnd === undefined || stopped > lastUpstreamEnd))
      lastUpstreamEnd = stopped;
  }
  m.nodeQueued(
    labelsOf(n.exec.spec),
    lastUpstreamEnd === undefined ? undefined : Math.max(0, queuedAt - lastUpstreamEnd),
  );
}

/** The handler reported Running for the first time: queueing latency since the node was queued. */
export function recordStarted(n: NodeContext): void {
  const m = n.exec.deps.metrics;
  const queuedAt = n.status.queuedAt;
  if (m && queuedAt !== undefined) m.nodeStarted(labelsOf(n.exec.spec), Math.max(0, n.exec.now() - queuedAt));
}

/** An attempt failed: retryable (the node retries) or permanent (the node fails); time since the attempt started. */
export function recordAttemptFailed(n: NodeContext, next: NodePhase, error: StatusError): void {
  const m = n.exec.deps.metrics;
  if (!m) return;
  const s = n.status;
  const started = s.lastAttemptStartedAt ?? s.startedAt;
  const ms = started === undefined ? undefined : Math.max(0, n.exec.now() - started);
  m.nodeAttemptFailed(labelsOf(n.exec.spec), error.kind, next !== "RetryableFailure", ms);
}

const OUTCOMES: ReadonlySet<string> = new Set<NodeOutcome>([
  "Succeeded",
  "Failed",
  "TimedOut",
  "Skipped",
  "Recovered",
  "Aborted",
]);

/** The node ended (before its status is collapsed): outcome, duration from its start, cache result. */
export function recordEnded(n: NodeContext, outcome: NodePhase | NodeOutcome): void {
  const m = n.exec.deps.metrics;
  if (!m || !OUTCOMES.has(outcome)) return;
  const s = n.status;
  const end = s.stoppedAt ?? n.exec.now();
  const start = s.startedAt ?? s.queuedAt;
  m.nodeEnded(
    labelsOf(n.exec.spec),
    outcome as NodeOutcome,
    start === undefined ? undefined : Math.max(0, end - start),
    s.cache?.status,
  );
}

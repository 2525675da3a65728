// The nodes of the primary workflow a round can move (its active set), so that a round costs per change, not per node:
// the started, unfinished nodes, and the not-started ones whose upstreams have all settled. Derived from a saved status
// (`activeSetOf`, after a restart or a failed round) and carried from round to round (`advanceActiveSet`) by looking
// only at what the round may have touched: node statuses are copied on write, so a changed node is a replaced object.
import type { WorkflowGraph } from "./closure-index.ts";
import { isTerminalNodePhase, type NodeStatus } from "./status.ts";

export interface ActiveSet {
  /** Nodes with a status that are not finished (NotYetStarted entries included). */
  readonly live: ReadonlySet<string>;
  /** Nodes without a status whose upstreams have all settled: visited next round. */
  readonly ready: ReadonlySet<string>;
  /** Finished nodes of the workflow's order. */
  readonly finished: number;
  /** Finished nodes that failed or timed out. */
  readonly failed: ReadonlySet<string>;
}

type Graph = Pick<WorkflowGraph, "order" | "upstream" | "downstream">;
type Statuses = Readonly<Record<string, NodeStatus>>;

const isFailed = (s: NodeStatus | undefined) => s?.phase === "Failed" || s?.phase === "TimedOut";

/** An upstream whose downstream nodes may be visited: finished, or Succeeding (its outputs are written). */
const settled = (s: NodeStatus | undefined) =>
  s !== undefined && (s.phase === "Succeeding" || isTerminalNodePhase(s.phase));

function waitsToStart(g: Graph, nodes: Statuses, id: string): boolean {
  if (nodes[id] !== undefined) return false;
  for (const u of g.upstream.get(id) ?? []) if (!settled(nodes[u])) return false;
  return true;
}

/** The active set of a status, from scratch (O(nodes + edges)). */
export function activeSetOf(g: Graph, nodes: Statuses): ActiveSet {
  const live = new Set<string>();
  const ready = new Set<string>();
  const failed = new Set<string>();
  let finished = 0;
  for (const id of g.order) {
    const s = nodes[id];
    if (s === undefined) {
      if (waitsToStart(g, nodes, id)) ready.add(id);
    } else if (!isTerminalNodePhase(s.phase)) {
      live.add(id);
    } else {
      finished++;
      if (isFailed(s)) failed.add(id);
    }
  }
  return { live, ready, finished, failed };
}

/**
 * The active set after a round that started from `before` (whose set is `prev`) and ended with `after`, and the nodes
 * whose status the round replaced: the round visited only nodes of `prev` and successors of nodes it changed.
 */
export function advanceActiveSet(
  prev: ActiveSet,
  g: Graph,
  before: Statuses,
  after: Statuses,
): { next: ActiveSet; changed: string[] } {
  const changed: string[] = [];
  const seen = new Set<string>();
  const pending = [...prev.live, ...prev.ready];
  for (const id of pending) seen.add(id);
  const live = new Set(prev.live);
  const ready = new Set(prev.ready);
  const failed = new Set(prev.failed);
  let finished = prev.finished;
  for (let i = 0; i < pending.length; i++) {
    const id = pending[i]!;
    const was = before[id];
    const now = after[id];
    if (was === now) continue;
    changed.push(id);
    if (was !== undefined && isTerminalNodePhase(was.phase)) {
      finished--;
      failed.delete(id);
    }
    live.delete(id);
    ready.delete(id);
    if (now !== undefined && isTerminalNodePhase(now.phase)) {
      finished++;
      if (isFailed(now)) failed.add(id);
    } else if (now !== undefined) {
      live.add(id);
    }
    for (const d of g.downstream.get(id) ?? []) {
      if (seen.has(d)) continue;
      seen.add(d);
      pending.push(d);
    }
  }
  // Nodes that may start: those that were waiting, and successors of the nodes that changed.
  for (let i = 0; i < pending.length; i++) {
    const id = pending[i]!;
    if (waitsToStart(g, after, id)) ready.add(id);
    else ready.delete(id);
  }
  return { next: { live, ready, finished, failed }, changed };
}

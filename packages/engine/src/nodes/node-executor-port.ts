// What a node handler may ask of the node executor (upstream's `interfaces.Node`, handed to each handler factory at
// setup): run a nested DAG, move one node of a scope, abort a scope. Handlers import this port and never the
// executor itself, so the executor can import the handlers without a cycle.
import type { Scope } from "../executor/context.ts";
import type { StatusError } from "../executor/status.ts";

/** The outcome of visiting one node this round. */
export type NodeResult =
  | { state: "success" }
  | { state: "pending" }
  | { state: "failed"; error: StatusError; timedOut: boolean };
/** The outcome of visiting every node of a DAG scope this round. */
export type DagResult =
  | { state: "complete" }
  | { state: "pending" }
  | { state: "failed"; error: StatusError; timedOut: boolean };

export interface NodeExecutor {
  /** Visits the nodes of a scope in topological order; each moves at most one phase. */
  executeDag(scope: Scope): Promise<DagResult>;
  /** Moves one node of a scope by at most one phase. */
  visitNode(scope: Scope, id: string): Promise<NodeResult>;
  /** Aborts every started, unfinished node of a scope; ABORTED events when `final`. */
  abortScope(scope: Scope, reason: string, final: boolean): Promise<void>;
}

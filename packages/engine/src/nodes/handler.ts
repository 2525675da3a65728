// The node handler contract (upstream `handler.Node`): one implementation per node kind. Handlers return
// transitions and never block; abort and finalize are safe to repeat.
import type { Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { joinKey } from "@aloft/core";
import { fixedLengthUniqueIdForParts } from "@aloft/core";
import type { ExecContext, Scope } from "../executor/context.ts";
import type { NodeStatus, StatusError } from "../executor/status.ts";

type HandlerPhase = "Running" | "Success" | "Failed" | "RetryableFailure" | "Timedout";

export interface Transition {
  phase: HandlerPhase;
  error?: StatusError;
  /** Task success that wrote `futures.pb`: the node is a dynamic parent (upstream flytepropeller/pkg/controller/nodes/dynamic/handler.go). */
  futures?: boolean;
  /**
   * Running, and only an outside event moves the node on (a task whose plugin wakes the execution when the attempt
   * changes; an array node, whose sub-nodes report their own): no round need follow at once for it (`restless`).
   */
  quiet?: boolean;
}

export interface NodeContext {
  scope: Scope;
  exec: ExecContext;
  node: Node;
  status: NodeStatus;
  uniqueId: string;
  dataDir: string;
  attempt(): number;
  outputDir(): string;
  /** Set by a task handler when the attempt wrote a deck (reported in the node event). */
  deckUri?: string;
}

export interface NodeHandler {
  readonly finalizeRequired: boolean;
  handle(n: NodeContext): Promise<Transition>;
  abort(n: NodeContext, reason: string): Promise<void>;
  finalize(n: NodeContext): Promise<void>;
}

/** The closure a node's references resolve in (a dynamic workflow's, or the execution's). */
export const indexOf = (n: NodeContext) => n.scope.index ?? n.exec.index;

/** Node unique id (upstream flyteplugins/go/tasks/pluginmachinery/encoding/encoder.go): `<parentUniqueId>-<parentAttempt>-<nodeId>`, hashed beyond 20 chars. */
export function uniqueNodeId(scope: Scope, nodeId: string): string {
  const p = scope.parent;
  return fixedLengthUniqueIdForParts(20, [p?.uniqueId ?? "", p ? String(p.attempt) : "", nodeId]);
}

export function nodeContext(scope: Scope, node: Node, status: NodeStatus): NodeContext {
  const dataDir = scope.dataDir(node.id);
  return {
    scope,
    exec: scope.exec,
    node,
    status,
    uniqueId: uniqueNodeId(scope, node.id),
    dataDir,
    attempt: () => status.attempts ?? 0,
    outputDir: () => joinKey(dataDir, status.attempts ?? 0),
  };
}

// What one round works with: the execution (spec, status, dependencies) and the DAG scopes inside it (the primary
// workflow, a sub-workflow, a branch's chosen child, a failure node).
import type { Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import type { WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { BlobStore } from "@aloft/core";
import type { Clock } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { EngineConfig } from "../config.ts";
import type { EngineMetrics } from "../metrics/engine-metrics.ts";
import type { CatalogPort, ChildExecutionPort, EventSink, RecoveryPort, SignalPort } from "../ports.ts";
import type { PluginRegistry } from "../plugins/registry.ts";
import type { ExecutionSpec } from "../store/workflow-store.ts";
import type { ActiveSet } from "./active-set.ts";
import type { RoundEvents } from "./round-events.ts";
import type { ClosureIndex, WorkflowGraph } from "./closure-index.ts";
import type { NodeStatus, StatusError, WorkflowStatus } from "./status.ts";

export interface EngineDeps {
  blobs: BlobStore;
  sink: EventSink;
  signals?: SignalPort;
  children?: ChildExecutionPort;
  /** Task caching (upstream flytepropeller/pkg/controller/nodes/cache.go, flyteplugins/go/tasks/pluginmachinery/catalog/hashing.go); absent → caching disabled. */
  catalog?: CatalogPort;
  /** Recovery of a previous execution's succeeded nodes (upstream flytepropeller/pkg/controller/nodes/executor.go); absent → recovery executions rerun everything. */
  recovery?: RecoveryPort;
  plugins: PluginRegistry;
  clock: Clock;
  logger: Logger;
  config: EngineConfig;
  /** Re-queues an execution at once (a plugin saw something change). */
  wake?: (key: string) => void;
  /** Prometheus metrics (upstream flytepropeller/pkg/controller/nodes/executor.go); absent → nothing is measured. */
  metrics?: EngineMetrics;
}

export interface ExecContext {
  deps: EngineDeps;
  key: string;
  spec: ExecutionSpec;
  executionId: WorkflowExecutionIdentifier;
  index: ClosureIndex;
  /** The workflow data dir key (`metadata/propeller/<p>-<d>-<name>`). */
  wfDir: string;
  /** The working copy mutated by this round. */
  status: WorkflowStatus;
  eventVersion: number;
  /** Task nodes queued or running (bounded by maxParallelism when > 0). */
  activeTasks: number;
  /** Output maps read during this round, by key. */
  outputsCache: Map<string, unknown>;
  /** The primary workflow's active set for `status` as the round found it; absent → rounds walk the whole DAG. */
  active?: ActiveSet;
  /** The round's events sent without awaiting each (a concurrent sink, while the primary DAG is visited). */
  events?: RoundEvents;
  /**
   * Set by a visit that leaves work the next round does at once, with no outside event (a node Queued, Succeeding,
   * failing or retrying; a node held back by one that moved this round; a handler that is not a task's or an array's).
   * After a round that progressed, the engine runs the next one at once only when set; else it waits for a wake (a
   * task's exit) or the poll, as after a round that changed nothing.
   */
  restless?: boolean;
  /**
   * Unique ids of the nodes whose QUEUED admin took since the execution's status was last saved (kept by the engine
   * across a round whose save was lost or that failed): such a round's replay does not send them again.
   */
  queuedSent?: Set<string>;
  /** Events the round sent to admin (accepted or not): a round that sent none may be saved with the next one. */
  sent?: number;
  now(): number;
}

export type FailurePolicy = "FAIL_IMMEDIATELY" | "FAIL_AFTER_EXECUTABLE_NODES_COMPLETE";

export interface ParentInfo {
  uniqueId: string;
  attempt: number;
}

export interface Scope {
  exec: ExecContext;
  nodes: Map<string, Node>;
  upstream: Map<string, string[]>;
  order: readonly string[];
  statuses: Record<string, NodeStatus>;
  /** Data dir key of a node of this scope. */
  dataDir(nodeId: string): string;
  parent?: ParentInfo;
  failurePolicy: FailurePolicy;
  /** Nodes mutated in this round: not visited again, their dependents wait for the next round. */
  dirty: Set<string>;
  /** The closure this scope's tasks and sub-workflows come from (a dynamic workflow's own); default the execution's. */
  index?: ClosureIndex;
  /** Below a dynamic node: events say `is_in_dynamic_chain`. */
  inDynamic?: boolean;
  /**
   * Array sub-node scopes (upstream flytepropeller/pkg/controller/nodes/array/*.go): a task sub-node is handed the array node's own inputs file (the full lists) and finds
   * its element by the index in its environment, as upstream's array node does; its own inputs.pb (the element-wise
   * view) is what cache keys, events and templates of input values use.
   */
  array?: { inputsKey: string; indexOf(nodeId: string): number };
  /** Nodes of this scope report no events (array sub-nodes: the array node reports for them). */
  silent?: boolean;
  /** Failure-node scopes: the workflow error injected as the `err` input (upstream flytepropeller/pkg/controller/nodes/resolve.go). */
  injectError?: StatusError;
  /**
   * A branch's child scope: the DAG scope holding the workflow's nodes, where the child's own compiled predecessors
   * (listed in `upstream`) are looked up, and the branch nodes the child sits in (running by construction: never
   * waited for, as upstream's CanExecute skips the parent branch).
   */
  outer?: { scope: Scope; branches: readonly string[] };
  /** The primary scope's active set (executor/active-set.ts): a round visits only these nodes and their successors. */
  active?: { set: ActiveSet; graph: Pick<WorkflowGraph, "position" | "downstream"> };
  /** Output dir key of the node a promise names, as seen from this scope; undefined if unknown. */
  outputDirOf(nodeId: string): string | undefined;
}

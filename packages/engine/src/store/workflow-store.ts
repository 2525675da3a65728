// The work source of the local engine: one document per execution (the FlyteWorkflow CR equivalent). The spec part
// (closure, inputs, launch settings) is written once at launch; the status part is rewritten after every round.
import type { CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type { LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { WorkflowStatus } from "../executor/status.ts";
import type { KubernetesLaunch } from "../plugins/plugin.ts";

export interface ExecutionKey {
  project: string;
  domain: string;
  name: string;
}

/** Launch settings carried by an execution (upstream `executionConfig`, `rawOutputDataConfig`, `workflowMeta`). */
export interface LaunchSpec {
  /** 0 = unlimited. */
  maxParallelism?: number;
  /** Raw output data prefix (a URI, or a key of the engine's blob store); default: the engine's `rawOutputPrefix`. */
  rawOutputPrefix?: string;
  interruptible?: boolean;
  envs?: Record<string, string>;
  /** Task type → plugin id overrides (upstream `TaskPluginImpls`). */
  taskPluginImpls?: Record<string, string>;
  overwriteCache?: boolean;
  /** Event version (admin default 2). */
  eventVersion?: number;
  /** RecoverExecution: the execution whose succeeded nodes are copied instead of re-run (upstream `RecoveryExecution`). */
  recoverFrom?: ExecutionKey;
  /** Kubernetes settings handed to the pod plugin (labels, annotations, platform resources, owner). */
  kubernetes?: KubernetesLaunch;
}

export interface ExecutionSpec {
  executionId: ExecutionKey;
  closure: CompiledWorkflowClosure;
  inputs: LiteralMap;
  spec: LaunchSpec;
  acceptedAt: number;
}

export interface StoredStatus {
  status: WorkflowStatus;
  /** Bumped on every write; a write with a stale version fails (one writer per execution). */
  version: number;
}

/**
 * The top-level node ids whose status objects may have been replaced, added or removed since `since`, a status object
 * this store was handed before; every other node status of the new status is the same object as in `since` (node
 * statuses are copied on write, nested scopes and array elements inside their top-level status). A store that trusts
 * it must check that `since` is the object it wrote last.
 */
export interface StatusChanges {
  since: WorkflowStatus;
  nodes: ReadonlySet<string>;
}

export interface WorkflowStore {
  /** Creates the document; false when the execution already exists (launch is idempotent). */
  create(spec: ExecutionSpec, status: WorkflowStatus): Promise<boolean>;
  getSpec(key: string): Promise<ExecutionSpec | undefined>;
  getStatus(key: string): Promise<StoredStatus | undefined>;
  /**
   * Writes the status; returns the new version. ABORTED on a version conflict. Terminal statuses leave the active set.
   * `changes` (optional, a hint a store may ignore) says which top-level node statuses may differ from a status object
   * written before. The node map may be an overlay over the map of a status written before (`executor/node-map.ts`):
   * read it by id, or list or copy it with `nodeIds`/`plainNodes` — `Object.keys` and `JSON.stringify` see only the
   * round's own nodes. Once the write succeeded the engine settles that map, and later ones, in place: a store that
   * keeps the object keeps the status written last, not older ones.
   */
  updateStatus(key: string, status: WorkflowStatus, expectedVersion: number, changes?: StatusChanges): Promise<number>;
  /** Records an abort request (kept apart from the status so it never races a round's write); false if unknown. */
  requestAbort(key: string, cause: string): Promise<boolean>;
  getAbortRequest(key: string): Promise<string | undefined>;
  /** Keys of every non-terminal execution (restart recovery). */
  listActive(): Promise<string[]>;
  /**
   * A store that learns about changes itself (Kubernetes: an informer) calls `wake` with the key of an execution that
   * was created or changed by someone else; the engine queues it. Returns the unsubscriber.
   */
  subscribe?(wake: (key: string) => void): () => void;
  /** Releases what the store holds open (file handles) when the engine stops; the store stays usable. */
  close?(): Promise<void>;
}

/** The store key of an execution: `<project>/<domain>/<name>`. */
export function executionKey(id: ExecutionKey): string {
  return `${id.project}/${id.domain}/${id.name}`;
}

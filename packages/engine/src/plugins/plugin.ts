// The task plugin contract: one implementation per runtime (local process now; Kubernetes pod later).
// A plugin is driven by repeated, non-blocking calls; every call must be idempotent and survive an engine restart
// (the engine persists `state` after each round and hands it back).
import type { TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import type { TaskNodeOverrides } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import type { TaskExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { ExecutionError, TaskLog } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { BlobStore } from "@aloft/core";
import type { Logger } from "@aloft/core";

/** Plugin phases (flyteplugins pluginmachinery/core/phase.go). */
export type PluginPhase =
  | "Undefined"
  | "NotReady"
  | "WaitingForResources"
  | "Queued"
  | "Initializing"
  | "Running"
  | "Success"
  | "RetryableFailure"
  | "PermanentFailure"
  | "Aborted";

/** Everything a plugin knows about one attempt of one task node. */
export interface TaskExecutionContext {
  id: TaskExecutionIdentifier;
  /** Unique per attempt, ≤ 50 chars (the pod name upstream): FixedLengthUniqueIDForParts(50, [exec, uniqueNodeId, attempt]). */
  generatedName: string;
  template: TaskTemplate;
  /**
   * URI of the inputs file handed to the task (`{{.input}}`): `<node data dir>/inputs.pb`, or for an array sub-node the
   * array node's own inputs.pb (the full lists; the task picks its element by `FLYTE_K8S_ARRAY_INDEX`, upstream flytepropeller/pkg/controller/nodes/array/*.go).
   */
  inputsUri: string;
  /** URI of this node's resolved input values (its own inputs.pb): the element-wise view for an array sub-node. */
  inputValuesUri: string;
  /** Output directory of this attempt: the task writes `outputs.pb` or `error.pb` here. */
  outputPrefix: string;
  /** Raw output data prefix of this attempt (`<rawPrefix>/<shard>/<generatedName>`). */
  rawOutputPrefix: string;
  checkpointPrefix: string;
  previousCheckpointPrefix: string;
  attempt: number;
  interruptible: boolean;
  /** Extra environment (execution env vars, FLYTE_INTERNAL_* are added by the plugin). */
  environment: Record<string, string>;
  /** The task node's overrides (resources, container image, pod template): upstream `TaskNode.overrides`. */
  overrides?: TaskNodeOverrides;
  /** What a Kubernetes runtime needs to know about the execution (labels, owner…); absent in the sandbox. */
  kubernetes?: KubernetesLaunch;
  blobStore: BlobStore;
  logger: Logger;
  /**
   * Asks the engine to look at this execution again now (e.g. the task process just exited) instead of at the next
   * poll. Optional: polling alone is correct, waking only makes it prompt.
   */
  wake?: () => void;
}

/**
 * The execution's Kubernetes settings (upstream: the FlyteWorkflow's labels, annotations, serviceAccountName,
 * executionConfig.TaskResources and the workflow object itself as the pods' owner). Set by whoever launches the
 * execution on Kubernetes; the pod plugin reads them, other plugins ignore them.
 */
export interface KubernetesLaunch {
  /** Namespace of the execution's pods (default: the pod plugin's namespace template). */
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  serviceAccountName?: string;
  /** Platform defaults (requests) and limits by resource name (`cpu`, `memory`, `gpu`, `ephemeral-storage`). */
  taskResources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** The FlyteWorkflow resource: every pod gets an owner reference to it (deleting it deletes the pods). */
  owner?: { apiVersion: string; kind: string; name: string; uid: string };
}

/** One reason the task is where it is (upstream ReasonInfo), e.g. a Kubernetes event of its pod. */
export interface PluginReason {
  reason: string;
  occurredAt: Date;
}

export interface PluginStatus {
  phase: PluginPhase;
  /** Bumped when the phase stays the same but something to report changed (e.g. log links appeared). */
  version: number;
  reason?: string;
  /** Reasons not reported before (the task event carries them after `reason`; admin appends them to its list). */
  reasons?: PluginReason[];
  logs?: TaskLog[];
  /** Set on RetryableFailure / PermanentFailure. */
  error?: ExecutionError;
  occurredAt?: Date;
  /**
   * When the task started running, if the plugin knows. A task that finishes between two looks goes from Queued
   * straight to a final phase; with this the engine first reports the RUNNING it missed, so the task execution gets
   * its started_at and duration (upstream flytepropeller/pkg/controller/nodes/task/transformer.go expects QUEUED, RUNNING, then the final phase).
   */
  startedAt?: Date;
  /**
   * On Success, when the plugin knows exactly what the attempt wrote to its output prefix (it ran the entrypoint and saw
   * its writes): file name → size in bytes. The engine then takes deck.html, futures.pb, error.pb and outputs.pb to be
   * these, instead of probing the blob store for each (four requests per task); absent, it probes.
   */
  outputFiles?: Record<string, number>;
}

/** Opaque, JSON-serializable state the engine persists between calls (e.g. a pid, a start time). */
export type PluginState = Record<string, unknown>;

export interface TaskPlugin {
  readonly id: string;
  readonly taskTypes: readonly string[];
  /**
   * Every change of an attempt this plugin started is announced by `ctx.wake` (the process exited, a slot freed): a
   * look right after one that saw it unfinished learns nothing new, so the engine runs no round at once for it.
   */
  readonly wakes?: boolean;
  /** Starts the attempt if it has not started, otherwise checks on it. Never blocks on the task itself. */
  handle(
    ctx: TaskExecutionContext,
    state: PluginState | undefined,
  ): Promise<{ status: PluginStatus; state: PluginState }>;
  /** Stops a running attempt (idempotent; a finished attempt is left alone). */
  abort(ctx: TaskExecutionContext, state: PluginState | undefined, reason: string): Promise<void>;
  /** Releases what the attempt held (idempotent). */
  finalize(ctx: TaskExecutionContext, state: PluginState | undefined): Promise<void>;
}

// The pod plugin: a container task (and the SDK's) runs as a Kubernetes pod (upstream
// flyteplugins/go/tasks/plugins/k8s/pod/plugin.go under flytepropeller/pkg/controller/nodes/task/k8s/plugin_manager.go).
// handle() creates the pod once (AlreadyExists counts as created, so a round replayed after a crash is harmless),
// then reads it and maps its status to a phase (pod-status.ts); while the pod waits, its Warning events become the
// task event's reasons (pod-events.ts). abort() deletes the pod; finalize() deletes it only
// with `deleteOnFinalize` (otherwise the owner reference to the FlyteWorkflow removes it with the workflow).
import { create } from "@bufbuild/protobuf";
import { ExecutionErrorSchema, ExecutionError_ErrorKind } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { AloftError, Code } from "@aloft/core";
import type { Clock } from "@aloft/core";
import type { KubeApi, KubeObject, ResourceType } from "@aloft/kube";
import type { PluginReason, PluginState, PluginStatus, TaskExecutionContext, TaskPlugin } from "../plugin.ts";
import { buildPod, namespaceOf, PodBuildError, podNameOf } from "./build-pod.ts";
import { DEFAULT_POD_PLUGIN_CONFIG, type PodPluginConfig } from "./config.ts";
import { podLogLinks } from "./log-links.ts";
import { newReasons, podWarnings } from "./pod-events.ts";
import { GENERIC_PENDING_REASONS, podPhase } from "./pod-status.ts";
import { PodWatch } from "./pod-watch.ts";

export interface PodPluginOptions {
  api: KubeApi;
  clock: Clock;
  config?: Partial<PodPluginConfig>;
  /** Watch the pods and wake their executions on changes (default true); without it the engine's polling notices. */
  watch?: boolean;
}

const PODS: ResourceType = { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true };
/** The task types upstream routes to the pod plugin, and the SDK's (spec §4.2.1). */
const TASK_TYPES = ["container", "python-task", "raw-container", "sidecar", "pod", "aloft-ts"] as const;

interface PodState {
  created?: boolean;
  /** Pod event reasons already reported (pod-events.ts). */
  reported?: string[];
  /** The primary container succeeded while other containers still ran: finalize() deletes the pod to stop them. */
  primaryDone?: boolean;
}

/** Phases in which the attempt waits for its pod to start: its events say why. */
const WAITING = new Set(["Queued", "Initializing", "WaitingForResources"]);

function failure(
  phase: "RetryableFailure" | "PermanentFailure",
  code: string,
  message: string,
  kind: "USER" | "SYSTEM",
): PluginStatus {
  return {
    phase,
    version: 0,
    reason: message,
    error: create(ExecutionErrorSchema, {
      code,
      message,
      kind: kind === "USER" ? ExecutionError_ErrorKind.USER : ExecutionError_ErrorKind.SYSTEM,
    }),
  };
}

export class PodPlugin implements TaskPlugin {
  readonly id = "k8s-pod";
  readonly taskTypes: readonly string[] = TASK_TYPES;
  readonly #api: KubeApi;
  readonly #clock: Clock;
  readonly config: PodPluginConfig;
  readonly #watch: PodWatch | undefined;

  constructor(options: PodPluginOptions) {
    this.#api = options.api;
    this.#clock = options.clock;
    this.config = { ...DEFAULT_POD_PLUGIN_CONFIG, ...(options.config ?? {}) };
    this.#watch = options.watch === false ? undefined : new PodWatch(options.api);
  }

  /** Attempts whose pods are watched for wake-ups. */
  get watchedPods(): number {
    return this.#watch?.tracked ?? 0;
  }

  /** Stops the pod watch (call after stopping the engine). */
  close(): void {
    this.#watch?.close();
  }

  #track(ctx: TaskExecutionContext): void {
    if (this.#watch && ctx.wake) this.#watch.track(namespaceOf(ctx, this.config), podNameOf(ctx), ctx.wake);
  }

  async handle(
    ctx: TaskExecutionContext,
    state: PluginState | undefined,
  ): Promise<{ status: PluginStatus; state: PluginState }> {
    const st = (state ?? {}) as PodState;
    if (!st.created) return this.#create(ctx);
    const namespace = namespaceOf(ctx, this.config);
    this.#track(ctx);
    let pod: KubeObject;
    try {
      pod = await this.#api.get(PODS, podNameOf(ctx), { namespace });
    } catch (err) {
      if (err instanceof AloftError && err.code === Code.NOT_FOUND) {
        return {
          status: failure("RetryableFailure", "ResourceDeletedExternally", "the pod was deleted externally", "SYSTEM"),
          state: st as PluginState,
        };
      }
      throw err;
    }
    const info = podPhase(pod, this.#clock.now(), this.config);
    const logs = podLogLinks(ctx, pod, this.config);
    const status: PluginStatus = info.error
      ? failure(
          info.phase as "RetryableFailure" | "PermanentFailure",
          info.error.code,
          info.error.message,
          info.error.kind,
        )
      : {
          phase: info.phase,
          // A second RUNNING event carries the log links once there are some (upstream: phase version 1).
          version: info.phase === "Running" && logs.length > 0 ? 1 : 0,
          ...(info.reason ? { reason: info.reason } : {}),
        };
    if (logs.length > 0) status.logs = logs;
    if (info.occurredAt) status.occurredAt = info.occurredAt;
    if (info.startedAt) status.startedAt = info.startedAt;
    let next: PodState = st;
    if (WAITING.has(status.phase) && this.config.reportPodEvents) next = await this.#waitReasons(ctx, status, st);
    if (status.phase === "Success" && !["Succeeded", "Failed"].includes(String(pod["status"]?.["phase"])))
      next = { ...next, primaryDone: true };
    return { status, state: next as PluginState };
  }

  /** Adds the pod's new Warning events to a waiting attempt's status; the phase version counts the reported ones. */
  async #waitReasons(ctx: TaskExecutionContext, status: PluginStatus, st: PodState): Promise<PodState> {
    let warnings: PluginReason[];
    try {
      warnings = await podWarnings(this.#api, namespaceOf(ctx, this.config), podNameOf(ctx));
    } catch (err) {
      // Events are an explanation, not the task: without them (e.g. no RBAC to list events) the attempt carries on.
      ctx.logger.warn({ pod: podNameOf(ctx), err: (err as Error).message }, "cannot list the pod's events");
      status.version = st.reported?.length ?? 0;
      return st;
    }
    const { fresh, reported } = newReasons(warnings, st.reported ?? []);
    status.version = reported.length;
    if (fresh.length > 0) status.reasons = fresh;
    const latest = warnings.at(-1);
    if (latest && (!status.reason || GENERIC_PENDING_REASONS.has(status.reason))) status.reason = latest.reason;
    return reported.length > 0 ? { ...st, reported } : st;
  }

  async #create(ctx: TaskExecutionContext): Promise<{ status: PluginStatus; state: PluginState }> {
    let pod: KubeObject;
    try {
      pod = await buildPod(ctx, this.config);
    } catch (err) {
      if (err instanceof PodBuildError || (err instanceof AloftError && err.code === Code.INVALID_ARGUMENT)) {
        return {
          status: failure("PermanentFailure", "BadTaskSpecification", (err as Error).message, "USER"),
          state: {},
        };
      }
      throw err;
    }
    try {
      await this.#api.create(PODS, pod);
    } catch (err) {
      if (!(err instanceof AloftError)) throw err;
      const text = err.message;
      if (err.code === Code.ALREADY_EXISTS) {
        // Created by an earlier round whose state was not saved.
      } else if (err.code === Code.RESOURCE_EXHAUSTED || /exceeded quota/i.test(text)) {
        return { status: { phase: "WaitingForResources", version: 0, reason: text }, state: {} };
      } else if (/too large/i.test(text)) {
        return { status: failure("PermanentFailure", "EntityTooLarge", text, "USER"), state: {} };
      } else if (err.code === Code.PERMISSION_DENIED) {
        return { status: failure("RetryableFailure", "RuntimeFailure", text, "SYSTEM"), state: {} };
      } else {
        // A malformed pod (400/422) or an unreachable API server: an error of the round, retried by the engine.
        throw err;
      }
    }
    this.#track(ctx);
    return {
      status: { phase: "Queued", version: 0, reason: "task submitted to K8s", occurredAt: this.#clock.now() },
      state: { created: true },
    };
  }

  async #delete(ctx: TaskExecutionContext): Promise<void> {
    try {
      await this.#api.delete(PODS, podNameOf(ctx), {
        namespace: namespaceOf(ctx, this.config),
        propagationPolicy: "Background",
      });
    } catch (err) {
      if (!(err instanceof AloftError && err.code === Code.NOT_FOUND)) throw err;
    }
  }

  async abort(ctx: TaskExecutionContext, _state: PluginState | undefined, reason: string): Promise<void> {
    this.#watch?.untrack(namespaceOf(ctx, this.config), podNameOf(ctx));
    ctx.logger.info({ pod: podNameOf(ctx), reason }, "deleting the pod of an aborted attempt");
    await this.#delete(ctx);
  }

  async finalize(ctx: TaskExecutionContext, state: PluginState | undefined): Promise<void> {
    this.#watch?.untrack(namespaceOf(ctx, this.config), podNameOf(ctx));
    // A pod whose primary container finished while its sidecars still run would run forever: it is deleted.
    if (this.config.deleteOnFinalize || (state as PodState | undefined)?.primaryDone) await this.#delete(ctx);
  }
}

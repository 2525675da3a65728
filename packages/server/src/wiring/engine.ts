// Builds an engine for either mode (in admin's process, or `aloft engine` apart from it) from the configuration and
// the ports it is handed (in-process.ts or remote.ts): local-process tasks, the warm TypeScript workers, task env.
import { delimiter, resolve } from "node:path";
import type { AloftConfig } from "@aloft/core";
import { underDataDir } from "@aloft/core";
import { LocalBlobStore, type BlobStore } from "@aloft/core";
import type { Clock } from "@aloft/core";
import type { Logger } from "@aloft/core";
import { Engine } from "@aloft/engine";
import type { EngineMetrics } from "@aloft/engine";
import type { CatalogPort, ChildExecutionPort, EventSink, RecoveryPort, SignalPort } from "@aloft/engine";
import { LOGS_ROUTE } from "../logs-route.ts";
import { LocalProcessPlugin, Spawner } from "@aloft/engine";
import { resolveRunAs, type RunAs } from "@aloft/engine";
import type { TaskPlugin } from "@aloft/engine";
import { BlobWorkflowStore, LocalWorkflowStore } from "@aloft/engine";
import type { WorkflowStore } from "@aloft/engine";
import { WarmWorkerPlugin } from "@aloft/runner";

export interface EngineWiringDeps {
  config: AloftConfig;
  blobStore: BlobStore;
  sink: EventSink;
  clock: Clock;
  logger: Logger;
  /** Base URL of the HTTP server, for log links (`http://host:port`). */
  httpBaseUrl: () => string;
  /** Plugins besides the local-process one (e.g. the SDK's warm TypeScript workers). */
  extraPlugins?: TaskPlugin[];
  /**
   * The task runtime replacing the local-process plugin (the pod plugin of engine.taskRuntime kubernetes,
   * task-runtime.ts): it comes first, so it takes every task type it serves, the SDK's included.
   */
  taskRuntime?: TaskPlugin;
  /** Re-list the shared store for executions launched by another process (ms; 0 = never). */
  resyncIntervalMs?: number;
  /**
   * The engine's own retries of an event admin answered UNAVAILABLE (default: the engine's). A remote engine passes
   * none: its client already retries every call with backoff (remote.ts), and a second layer would only multiply.
   */
  eventRetryDelaysMs?: readonly number[];
  /** Admin's executions, for launch-plan nodes (child executions). */
  children?: ChildExecutionPort;
  /** Admin's node executions, for RecoverExecution (copying the original's succeeded nodes). */
  recovery?: RecoveryPort;
  /** Admin's data catalog, for task caching; without it cacheable tasks run uncached. */
  catalog?: CatalogPort;
  /** Prometheus metrics of the engine (createEngineMetrics on the registry /metrics serves). */
  metrics?: EngineMetrics;
  /** Admin's signals, for approve and signal gate nodes; without it those gates fail as unsupported. */
  signals?: SignalPort;
  /** The work source; default the shared blob store's documents (Kubernetes mode: FlyteWorkflow resources). */
  store?: WorkflowStore;
}

/**
 * The account local task processes run as: engine.runAsUser when the engine is root; none otherwise. A root engine
 * without it runs tasks as root, with a warning: every launcher then gets root's shell on the host (docs/operations.md).
 */
export function taskAccount(config: AloftConfig, logger: Logger): RunAs | undefined {
  const root = process.getuid?.() === 0;
  const spec = config.engine.runAsUser.trim();
  if (!root) {
    if (spec !== "")
      logger.warn({ runAsUser: spec }, "engine.runAsUser is ignored: the engine is not root and cannot switch users");
    return undefined;
  }
  if (spec === "") {
    logger.warn(
      "the engine runs as root and so do its local task processes; set engine.runAsUser to an unprivileged account",
    );
    return undefined;
  }
  return resolveRunAs(spec);
}

export function logDirOf(config: AloftConfig): string {
  return underDataDir(config, config.engine.logDir);
}

/**
 * The engine's work source on its blob store: on a local directory each round's status is appended to a log
 * (LocalWorkflowStore, which reads the documents BlobWorkflowStore wrote); elsewhere (S3) it is replaced whole.
 */
export function engineStore(blobs: BlobStore): WorkflowStore {
  return blobs instanceof LocalBlobStore ? new LocalWorkflowStore(blobs) : new BlobWorkflowStore(blobs);
}

export function createEngine(deps: EngineWiringDeps): Engine {
  const { config } = deps;
  const runtime =
    deps.taskRuntime ??
    (() => {
      const runAs = taskAccount(config, deps.logger);
      return new LocalProcessPlugin({
        logDir: logDirOf(config),
        logUrl: (name) => `${deps.httpBaseUrl()}${LOGS_ROUTE}${name}`,
        clock: deps.clock,
        maxConcurrent: config.engine.maxConcurrentTasks,
        ...(!config.engine.taskSpawner
          ? { spawner: false as const }
          : config.engine.taskSpawnHelper
            ? { spawner: new Spawner({ posixSpawn: config.engine.taskSpawnHelper }) }
            : {}),
        ...(runAs ? { runAs } : {}),
        extraEnv: taskEnvironment(config),
        isolateWorkingDir: true,
      });
    })();
  return new Engine({
    store: deps.store ?? engineStore(deps.blobStore),
    blobs: deps.blobStore,
    sink: deps.sink,
    ...(deps.children ? { children: deps.children } : {}),
    ...(deps.recovery ? { recovery: deps.recovery } : {}),
    ...(deps.catalog ? { catalog: deps.catalog } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.signals ? { signals: deps.signals } : {}),
    plugins: [runtime, ...(deps.extraPlugins ?? [])],
    clock: deps.clock,
    logger: deps.logger.child({ component: "engine" }),
    config: {
      workers: config.engine.workers,
      pollIntervalMs: config.engine.pollIntervalMs,
      producerId: config.engine.producerId,
      cacheMaxAgeMs: config.engine.cacheMaxAgeSeconds * 1000,
      maxWorkflowRetries: config.engine.maxWorkflowRetries,
      resyncIntervalMs: deps.resyncIntervalMs ?? 0,
      ...(deps.eventRetryDelaysMs ? { eventRetryDelaysMs: deps.eventRetryDelaysMs } : {}),
      literalOffloading: config.literalOffloading,
    },
  });
}

/**
 * What every task process gets besides the host's environment: `engine.taskPath` ahead of PATH (so flytekit's
 * `pyflyte-execute` / `pyflyte-fast-execute` are found), and for an S3 store the endpoint and credentials flytekit's
 * data persistence reads (FLYTE_AWS_*), so `s3://` URIs handed to tasks are readable.
 */
export function taskEnvironment(config: AloftConfig, hostEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  if (config.engine.taskPath.length > 0) {
    env["PATH"] = [
      ...config.engine.taskPath.map((p) => resolve(p)),
      ...(hostEnv["PATH"] ? [hostEnv["PATH"]] : []),
    ].join(delimiter);
  }
  if (config.literalOffloading.enabled) {
    // flytekit (≥ 1.14) offloads its own large outputs when told the thresholds, as propeller tells pods. It reads
    // whole MB (int()): a fractional threshold is rounded up for it.
    env["_F_L_MIN_SIZE_MB"] = String(Math.ceil(config.literalOffloading.minSizeInMb));
    env["_F_L_MAX_SIZE_MB"] = String(Math.ceil(config.literalOffloading.maxSizeInMb));
  }
  if (config.storage.kind === "s3") {
    const s3 = config.storage.s3;
    if (s3.endpoint) env["FLYTE_AWS_ENDPOINT"] = s3.endpoint;
    if (s3.accessKeyId) {
      env["FLYTE_AWS_ACCESS_KEY_ID"] = s3.accessKeyId;
      env["FLYTE_AWS_SECRET_ACCESS_KEY"] = s3.secretAccessKey;
    }
    if (s3.region) env["AWS_REGION"] = s3.region;
  }
  return env;
}

/**
 * The SDK's warm TypeScript workers (task type `aloft-ts`), on by default under `aloft start` and `aloft engine`.
 * Workers are forked on first use; the caller must `close()` the plugin after stopping the engine so that no worker
 * outlives the server.
 */
export function createWarmWorkers(config: AloftConfig, httpBaseUrl?: () => string): WarmWorkerPlugin {
  return new WarmWorkerPlugin({
    size: Math.max(1, Math.min(2, config.engine.maxConcurrentTasks)),
    // Their tasks' logs sit beside the local processes' and are linked the same way.
    logDir: logDirOf(config),
    ...(httpBaseUrl ? { logUrl: (name: string) => `${httpBaseUrl()}${LOGS_ROUTE}${name}` } : {}),
  });
}

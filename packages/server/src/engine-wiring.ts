// Wires the engine to admin in one process: admin's WorkflowExecutor port launches into the engine, the engine's
// EventSink calls admin's event managers, task logs are served over HTTP. Neither package imports the other.
import { delimiter, resolve } from "node:path";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { AloftConfig } from "@aloft/core/config.ts";
import { underDataDir } from "@aloft/core/config.ts";
import type { BlobStore } from "@aloft/core/blob/blob-store.ts";
import type { Clock } from "@aloft/core/clock.ts";
import { notFound } from "@aloft/core/errors.ts";
import type { Logger } from "@aloft/core/logger.ts";
import { create } from "@bufbuild/protobuf";
import {
  ExecutionTerminateRequestSchema,
  WorkflowExecutionGetDataRequestSchema,
  WorkflowExecutionGetRequestSchema,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { NodeExecutionGetDataRequestSchema, NodeExecutionGetRequestSchema } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import type { ExecutionManagers } from "@aloft/admin/managers/execution-managers.ts";
import { launchSpecOf } from "@aloft/admin/managers/launch-spec.ts";
import type { SignalManager } from "@aloft/admin/managers/signal-manager.ts";
import type { ExecuteInput, WorkflowExecutor } from "@aloft/admin/plugins.ts";
import { Engine } from "@aloft/engine/controller/engine.ts";
import type { EngineMetrics } from "@aloft/engine/metrics/engine-metrics.ts";
import type { CatalogPort, ChildExecutionPort, EventSink, RecoveryPort, SignalPort } from "@aloft/engine/ports.ts";
import { LocalProcessPlugin } from "@aloft/engine/plugins/local-process/local-process-plugin.ts";
import { resolveRunAs, type RunAs } from "@aloft/engine/plugins/local-process/run-as.ts";
import type { TaskPlugin } from "@aloft/engine/plugins/plugin.ts";
import { BlobWorkflowStore } from "@aloft/engine/store/blob-workflow-store.ts";
import { WarmWorkerPlugin } from "@aloft/sdk/warm/warm-worker-plugin.ts";

/** The URL path under which task logs are served (`/logs/<generatedName>`). */
export const LOGS_ROUTE = "/logs/";
const LOG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

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
  /** Re-list the shared store for executions launched by another process (ms; 0 = never). */
  resyncIntervalMs?: number;
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
}

/**
 * The account local task processes run as: engine.runAsUser when the engine is root; none otherwise. A root engine
 * without it runs tasks as root, with a warning: every launcher then gets root's shell on the host (docs/operations.md).
 */
export function taskAccount(config: AloftConfig, logger: Logger): RunAs | undefined {
  const root = process.getuid?.() === 0;
  const spec = config.engine.runAsUser.trim();
  if (!root) {
    if (spec !== "") logger.warn({ runAsUser: spec }, "engine.runAsUser is ignored: the engine is not root and cannot switch users");
    return undefined;
  }
  if (spec === "") {
    logger.warn("the engine runs as root and so do its local task processes; set engine.runAsUser to an unprivileged account");
    return undefined;
  }
  return resolveRunAs(spec);
}

export function logDirOf(config: AloftConfig): string {
  return underDataDir(config, config.engine.logDir);
}

export function createEngine(deps: EngineWiringDeps): Engine {
  const { config } = deps;
  const runAs = taskAccount(config, deps.logger);
  const localProcess = new LocalProcessPlugin({
    logDir: logDirOf(config),
    logUrl: (name) => `${deps.httpBaseUrl()}${LOGS_ROUTE}${name}`,
    clock: deps.clock,
    maxConcurrent: config.engine.maxConcurrentTasks,
    ...(runAs ? { runAs } : {}),
    extraEnv: taskEnvironment(config),
    isolateWorkingDir: true,
  });
  return new Engine({
    store: new BlobWorkflowStore(deps.blobStore),
    blobs: deps.blobStore,
    sink: deps.sink,
    ...(deps.children ? { children: deps.children } : {}),
    ...(deps.recovery ? { recovery: deps.recovery } : {}),
    ...(deps.catalog ? { catalog: deps.catalog } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.signals ? { signals: deps.signals } : {}),
    plugins: [localProcess, ...(deps.extraPlugins ?? [])],
    clock: deps.clock,
    logger: deps.logger.child({ component: "engine" }),
    config: {
      workers: config.engine.workers,
      pollIntervalMs: config.engine.pollIntervalMs,
      producerId: config.engine.producerId,
      cacheMaxAgeMs: config.engine.cacheMaxAgeSeconds * 1000,
      maxWorkflowRetries: config.engine.maxWorkflowRetries,
      resyncIntervalMs: deps.resyncIntervalMs ?? 0,
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
    env["PATH"] = [...config.engine.taskPath.map((p) => resolve(p)), ...(hostEnv["PATH"] ? [hostEnv["PATH"]] : [])].join(delimiter);
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
export function createWarmWorkers(config: AloftConfig): WarmWorkerPlugin {
  return new WarmWorkerPlugin({ size: Math.max(1, Math.min(2, config.engine.maxConcurrentTasks)) });
}

/** Admin's launch port backed by an engine (set later: admin and engine are created in either order). */
export class EngineExecutor implements WorkflowExecutor {
  readonly name = "local-engine";
  engine: Engine | undefined;

  async execute(input: ExecuteInput): Promise<{ cluster: string }> {
    await this.#engine().launch({
      executionId: input.executionId,
      closure: input.closure,
      inputs: input.inputs,
      spec: launchSpecOf(input),
    });
    return { cluster: "local" };
  }

  async abort(input: { executionId: ExecuteInput["executionId"]; cluster: string; cause: string }): Promise<void> {
    if (!(await this.#engine().abort(input.executionId, input.cause))) {
      throw notFound("engine.unknown_execution", `execution ${input.executionId.name} is not known to the engine`);
    }
  }

  #engine(): Engine {
    if (!this.engine) throw notFound("engine.not_started", "the engine is not running");
    return this.engine;
  }
}

/** Serves `<logDir>/<name>.log` as text (what the local-process plugin's log links point at). */
export function logsRoute(logDir: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const name = decodedName((req.url ?? "").split("?")[0]!.slice(LOGS_ROUTE.length));
    if (name === undefined) {
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
      res.end("malformed percent-encoding in the log name\n");
      return;
    }
    const file = join(logDir, `${name}.log`);
    const size = LOG_NAME.test(name) ? await stat(file).then((s) => s.size, () => -1) : -1;
    if (size < 0) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end(`no log for ${name}\n`);
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": size, "cache-control": "no-store" });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    createReadStream(file, { start: 0, end: Math.max(0, size - 1) }).pipe(res);
  };
}

/** The percent-decoded path segment, or undefined when its encoding is malformed (`%`, `%zz`, invalid UTF-8). */
function decodedName(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** Launch-plan nodes in the sandbox: the engine creates, reads and terminates child executions through admin directly. */
export function inProcessChildExecutions(m: ExecutionManagers): ChildExecutionPort {
  return {
    createExecution: async (req) => {
      await m.executions.create(req);
    },
    getExecution: (id) => m.executionQueries.get(create(WorkflowExecutionGetRequestSchema, { id })),
    getOutputs: async (id) =>
      (await m.executionQueries.getData(create(WorkflowExecutionGetDataRequestSchema, { id }))).fullOutputs ?? create(LiteralMapSchema),
    terminateExecution: async (id, cause) => {
      await m.executionQueries.terminate(create(ExecutionTerminateRequestSchema, { id, cause }));
    },
  };
}

/** Recovery executions in the sandbox: the original's node executions read from admin directly. */
export function inProcessRecovery(m: ExecutionManagers): RecoveryPort {
  return {
    getNodeExecution: (id) => m.nodeExecutions.get(create(NodeExecutionGetRequestSchema, { id })),
    getNodeExecutionData: (id) => m.nodeExecutions.getData(create(NodeExecutionGetDataRequestSchema, { id })),
  };
}

/** Approve and signal gates in the sandbox: the engine creates and polls its signals through admin directly. */
export function inProcessSignals(m: SignalManager): SignalPort {
  return { getOrCreateSignal: (req) => m.getOrCreate(req) };
}

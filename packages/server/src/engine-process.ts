// `aloft engine`: the engine alone. It picks up executions that an `aloft admin` with the same storage launched into
// the shared workflow store, runs their tasks as local processes and reports every event to that admin over gRPC.
// With `--kubernetes` its work source is the FlyteWorkflow resources admin's Kubernetes executor creates, and it runs
// rounds only while it holds the Lease (wiring/kube.ts).
import { createBlobStore } from "@aloft/platform";
import { systemClock } from "@aloft/core";
import type { AloftConfig } from "@aloft/core";
import { createLogger } from "@aloft/core";
import { createMetrics } from "@aloft/platform";
import { displayHost } from "@aloft/core";
import { createEngineMetrics } from "@aloft/engine";
import { createKubeApi } from "@aloft/kube";
import { createEngine, createWarmWorkers } from "./wiring/engine.ts";
import { createKubeEngine, kubeConfigOf } from "./wiring/kube.ts";
import { remoteAdmin } from "./wiring/remote.ts";
import { taskRuntimePlugin } from "./wiring/task-runtime.ts";
import { startMetricsListener } from "./metrics-listener.ts";
import { engineCredentials } from "./engine-auth.ts";

export interface EngineProcessOptions {
  /** Admin's gRPC endpoint (host:port). */
  adminEndpoint: string;
  /** Admin's HTTP base URL, for task log links. */
  adminHttpUrl: string;
  resyncIntervalMs: number;
  /** Port of the /metrics listener (default config engine.metricsPort; 0 = none). */
  metricsPort?: number;
  /** Kubernetes mode: FlyteWorkflow resources as the work source, leader election, garbage collection. */
  kubernetes?: boolean;
}

export async function runEngineProcess(config: AloftConfig, o: EngineProcessOptions): Promise<void> {
  const logger = createLogger({ level: config.logging.level });
  const blobStore = await createBlobStore(config);
  const baseUrl = /^https?:\/\//.test(o.adminEndpoint) ? o.adminEndpoint : `http://${o.adminEndpoint}`;
  const taskRuntime = await taskRuntimePlugin(config, systemClock, logger);
  // Under Kubernetes the SDK's tasks run as pods too: no warm workers.
  const warm = taskRuntime ? undefined : createWarmWorkers(config, () => o.adminHttpUrl.replace(/\/$/, ""));
  const metrics = createMetrics();
  // One client (one HTTP/2 session) for every admin service; with auth on it carries the engine's client-credentials token.
  const credentials = engineCredentials(config);
  const admin = remoteAdmin(baseUrl, credentials ? { clientCredentials: credentials } : {});
  const wiring = {
    config,
    blobStore,
    sink: admin.sink,
    children: admin.children,
    recovery: admin.recovery,
    catalog: admin.catalog,
    signals: admin.signals,
    clock: systemClock,
    logger,
    httpBaseUrl: () => o.adminHttpUrl.replace(/\/$/, ""),
    resyncIntervalMs: o.resyncIntervalMs,
    eventRetryDelaysMs: [],
    extraPlugins: warm ? [warm] : [],
    ...(taskRuntime ? { taskRuntime } : {}),
    metrics: createEngineMetrics(metrics.registry),
  };
  const kube = o.kubernetes
    ? createKubeEngine({ ...wiring, api: createKubeApi(kubeConfigOf(config), { fieldManager: "aloft-engine" }) }).kube
    : undefined;
  const engine = kube ? undefined : createEngine(wiring);
  if (kube) kube.start();
  else await engine?.start();
  const metricsPort = o.metricsPort ?? config.engine.metricsPort;
  // A taken port does not stop the engine (as propeller's profiler server): the executions matter more than metrics.
  const listener =
    metricsPort > 0
      ? await startMetricsListener(metrics.registry, config.server.host, metricsPort, logger).catch((err: unknown) => {
          logger.error({ err, port: metricsPort }, "cannot serve /metrics; running without");
          return undefined;
        })
      : undefined;
  // The engine's timers do not hold the process open (in the sandbox the servers do); here nothing else would.
  const keepAlive = setInterval(() => undefined, 60_000);
  const election = config.kubernetes.leaderElection.enabled ? ", leader election on" : "";
  const source = kube
    ? `running FlyteWorkflow resources (Kubernetes mode${election})`
    : `looking for new executions every ${o.resyncIntervalMs} ms`;
  process.stdout.write(
    `Aloft engine is up: reporting to ${baseUrl}, ${config.engine.workers} workers, ${source}\n` +
      (listener ? `  metrics  http://${displayHost(config.server.host)}:${listener.port}/metrics\n` : ""),
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "engine shutting down");
    setTimeout(() => process.exit(1), 10_000).unref();
    clearInterval(keepAlive);
    // Kubernetes mode releases the Lease, so that another replica takes over at once.
    await (kube ? kube.stop() : engine?.stop());
    admin.close();
    await warm?.close();
    taskRuntime?.close();
    await listener?.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

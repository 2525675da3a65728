// `aloft engine`: the engine alone. It picks up executions that an `aloft admin` with the same storage launched into
// the shared workflow store, runs their tasks as local processes and reports every event to that admin over gRPC.
import { createBlobStore } from "@aloft/platform/blob/create-blob-store.ts";
import { systemClock } from "@aloft/core/clock.ts";
import type { AloftConfig } from "@aloft/core/config.ts";
import { createLogger } from "@aloft/core/logger.ts";
import { createMetrics } from "@aloft/platform/prom-metrics.ts";
import { displayHost } from "@aloft/core/network.ts";
import { createEngineMetrics } from "@aloft/engine/metrics/prom-engine-metrics.ts";
import { createEngine, createWarmWorkers } from "./engine-wiring.ts";
import { grpcCatalog, grpcChildExecutions, grpcEventSink, grpcRecovery, grpcSignals } from "./grpc-event-sink.ts";
import { startMetricsListener } from "./metrics-listener.ts";
import { engineTransport } from "./engine-auth.ts";
import { createClient } from "@connectrpc/connect";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { DataCatalog } from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";
import { SignalService } from "@aloft/idl/flyteidl/service/signal_pb.js";

export interface EngineProcessOptions {
  /** Admin's gRPC endpoint (host:port). */
  adminEndpoint: string;
  /** Admin's HTTP base URL, for task log links. */
  adminHttpUrl: string;
  resyncIntervalMs: number;
  /** Port of the /metrics listener (default config engine.metricsPort; 0 = none). */
  metricsPort?: number;
}

export async function runEngineProcess(config: AloftConfig, o: EngineProcessOptions): Promise<void> {
  const logger = createLogger({ level: config.logging.level });
  const blobStore = await createBlobStore(config);
  const baseUrl = /^https?:\/\//.test(o.adminEndpoint) ? o.adminEndpoint : `http://${o.adminEndpoint}`;
  const warm = createWarmWorkers(config);
  const metrics = createMetrics();
  // One transport for every admin service; with auth on it carries the engine's client-credentials token.
  const transport = engineTransport(config, baseUrl);
  const admin = createClient(AdminService, transport);
  const engine = createEngine({
    config,
    blobStore,
    sink: grpcEventSink(baseUrl, admin),
    children: grpcChildExecutions(baseUrl, admin),
    recovery: grpcRecovery(baseUrl, admin),
    catalog: grpcCatalog(baseUrl, createClient(DataCatalog, transport)),
    signals: grpcSignals(baseUrl, createClient(SignalService, transport)),
    clock: systemClock,
    logger,
    httpBaseUrl: () => o.adminHttpUrl.replace(/\/$/, ""),
    resyncIntervalMs: o.resyncIntervalMs,
    extraPlugins: [warm],
    metrics: createEngineMetrics(metrics.registry),
  });
  await engine.start();
  const metricsPort = o.metricsPort ?? config.engine.metricsPort;
  // A taken port does not stop the engine (as propeller's profiler server): the executions matter more than metrics.
  const listener = metricsPort > 0
    ? await startMetricsListener(metrics.registry, config.server.host, metricsPort, logger).catch((err: unknown) => {
      logger.error({ err, port: metricsPort }, "cannot serve /metrics; running without");
      return undefined;
    })
    : undefined;
  // The engine's timers do not hold the process open (in the sandbox the servers do); here nothing else would.
  const keepAlive = setInterval(() => undefined, 60_000);
  process.stdout.write(
    `Aloft engine is up: reporting to ${baseUrl}, ${config.engine.workers} workers, looking for new executions every ${o.resyncIntervalMs} ms\n` +
      (listener ? `  metrics  http://${displayHost(config.server.host)}:${listener.port}/metrics\n` : ""),
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "engine shutting down");
    setTimeout(() => process.exit(1), 10_000).unref();
    clearInterval(keepAlive);
    await engine.stop();
    await warm.close();
    await listener?.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

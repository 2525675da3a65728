// `aloft scheduler`: the scheduler alone (upstream's `flytescheduler run`). It reads the schedules from the database
// admin writes (shared, as upstream) and launches through admin's CreateExecution over gRPC with @aloft/client. Any
// number of replicas may run on one database: each fire time names its execution deterministically, so the replica
// that comes second gets ALREADY_EXISTS, which counts as success.
import type { AloftConfig } from "@aloft/core";
import { createLogger, displayHost, systemClock } from "@aloft/core";
import { createMetrics } from "@aloft/platform";
import { openConfiguredDatabase } from "./database.ts";
import { engineCredentials } from "./engine-auth.ts";
import { startMetricsListener } from "./metrics-listener.ts";
import { remoteAdmin, remoteScheduledLaunch } from "./wiring/remote.ts";
import { createScheduler } from "./wiring/scheduler.ts";

export interface SchedulerProcessOptions {
  /** Admin's gRPC endpoint (host:port or URL). */
  adminEndpoint: string;
  /** Port of the /metrics listener; 0 = none. */
  metricsPort: number;
}

export async function runSchedulerProcess(config: AloftConfig, o: SchedulerProcessOptions): Promise<void> {
  const logger = createLogger({ level: config.logging.level });
  const database = await openConfiguredDatabase(config, logger);
  const baseUrl = /^https?:\/\//.test(o.adminEndpoint) ? o.adminEndpoint : `http://${o.adminEndpoint}`;
  // With auth on, the scheduler authenticates as the engine's confidential client (client credentials).
  const credentials = engineCredentials(config);
  const admin = remoteAdmin(baseUrl, credentials ? { clientCredentials: credentials } : {});
  const metrics = createMetrics();
  const scheduler = createScheduler({
    db: database.db,
    config,
    clock: systemClock,
    logger,
    registry: metrics.registry,
    launch: remoteScheduledLaunch(admin.client),
  });
  scheduler.start();
  const listener =
    o.metricsPort > 0
      ? await startMetricsListener(metrics.registry, config.server.host, o.metricsPort, logger).catch(
          (err: unknown) => {
            logger.error({ err, port: o.metricsPort }, "cannot serve /metrics; running without");
            return undefined;
          },
        )
      : undefined;
  const keepAlive = setInterval(() => undefined, 60_000);
  process.stdout.write(
    `Aloft scheduler is up: launching through ${baseUrl}, cron in ${config.scheduler.useUtcTz ? "UTC" : "local time"}, schedules re-read every ${config.scheduler.reloadIntervalSeconds} s\n` +
      (listener ? `  metrics  http://${displayHost(config.server.host)}:${listener.port}/metrics\n` : ""),
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "scheduler shutting down");
    setTimeout(() => process.exit(1), 10_000).unref();
    clearInterval(keepAlive);
    await scheduler.stop();
    admin.close();
    await listener?.close();
    await database.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

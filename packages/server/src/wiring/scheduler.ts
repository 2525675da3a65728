// The scheduler assembled for a process: admin's Scheduler over the shared database, its metrics on the process's
// registry, options from config.scheduler, and a launch port — in-process (aloft start) or remote (aloft scheduler).
import type { AloftConfig, Clock, Logger } from "@aloft/core";
import { createSchedulerMetrics, type PromMetrics } from "@aloft/platform";
import { Scheduler, type Database, type ScheduledLaunch } from "@aloft/admin";

export interface SchedulerWiring {
  db: Database["db"];
  config: AloftConfig;
  clock: Clock;
  logger: Logger;
  registry: PromMetrics["registry"];
  launch: ScheduledLaunch;
}

export function createScheduler(w: SchedulerWiring): Scheduler {
  const c = w.config.scheduler;
  return new Scheduler({
    db: w.db,
    clock: w.clock,
    logger: w.logger.child({ component: "scheduler" }),
    launch: w.launch,
    metrics: createSchedulerMetrics(w.registry),
    options: {
      useUtcTz: c.useUtcTz,
      maxCatchUp: c.maxCatchUp,
      reloadIntervalMs: c.reloadIntervalSeconds * 1000,
      concurrency: c.concurrency,
      maxAttempts: c.maxAttempts,
    },
  });
}

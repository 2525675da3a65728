// `aloft start`: admin and engine in one process. The engine reports through admin's managers directly and admin
// launches and aborts through the engine (wiring/in-process.ts); task logs are served by admin's HTTP server.
// `aloft admin` (startAdminOnly) runs no engine: its launches are only written into the shared workflow store, where
// a separate `aloft engine` with the same storage picks them up.
import type { Engine } from "@aloft/engine";
import { storeLauncher } from "@aloft/engine";
import { createEngineMetrics } from "@aloft/engine";
import type { TaskPlugin } from "@aloft/engine";
import { displayHost, invalidArgument, type BlobStore, type Clock } from "@aloft/core";
import { startAdmin, type AdminServerDeps, type RunningAdmin } from "./admin-server.ts";
import { LOGS_ROUTE, logsRoute } from "./logs-route.ts";
import { createEngine, createWarmWorkers, engineStore, logDirOf } from "./wiring/engine.ts";
import { EngineExecutor, inProcessAdmin, inProcessScheduledLaunch } from "./wiring/in-process.ts";
import { createScheduler } from "./wiring/scheduler.ts";
import type { Scheduler } from "@aloft/admin";

export interface RunningSandbox extends RunningAdmin {
  engine: Engine;
  /** The scheduler (config.scheduler.enabled), launching straight onto admin's execution manager. */
  scheduler: Scheduler | undefined;
}

export interface SandboxOptions {
  extraPlugins?: TaskPlugin[];
  /** Run `aloft-ts` tasks in the SDK's warm worker pool (default true). */
  warmWorkers?: boolean;
  /** The scheduler's clock (default: the platform's): an end-to-end test runs schedules on a fast clock. */
  schedulerClock?: Clock;
}

export async function startSandbox(deps: AdminServerDeps & SandboxOptions): Promise<RunningSandbox> {
  if (deps.config.executor === "kubernetes") {
    throw invalidArgument(
      "config.invalid",
      "config executor: kubernetes needs `aloft admin` with `aloft engine --kubernetes`; `aloft start` runs its engine in-process",
    );
  }
  // The one late binding of the admin ⇄ engine cycle: admin needs its executor before the engine exists, and the
  // engine is built from admin's managers. Until `engine` is set, a launch answers "the engine is not running".
  let engine: Engine | undefined;
  const admin = await startAdmin({
    ...deps,
    workflowExecutor: new EngineExecutor(() => engine),
    httpRoutes: { ...deps.httpRoutes, [LOGS_ROUTE]: logsRoute(logDirOf(deps.config)) },
  });
  const host = displayHost(deps.config.server.host);
  const httpBaseUrl = () => `http://${host}:${admin.httpPort}`;
  const warm = deps.warmWorkers !== false ? createWarmWorkers(deps.config, httpBaseUrl) : undefined;
  const running = createEngine({
    config: deps.config,
    blobStore: admin.blobStore,
    ...inProcessAdmin(admin),
    metrics: createEngineMetrics(deps.metrics.registry),
    clock: deps.clock,
    logger: deps.logger,
    httpBaseUrl,
    extraPlugins: [...(warm ? [warm] : []), ...(deps.extraPlugins ?? [])],
  });
  engine = running;
  const scheduler = deps.config.scheduler.enabled
    ? createScheduler({
        db: admin.database.db,
        config: deps.config,
        clock: deps.schedulerClock ?? deps.clock,
        logger: deps.logger,
        registry: deps.metrics.registry,
        launch: inProcessScheduledLaunch(admin.executions),
      })
    : undefined;
  try {
    await running.start();
    // Only now can interrupted launches be handed over, and scheduled ones be made.
    admin.launchReconciler.start();
    scheduler?.start();
  } catch (err) {
    await warm?.close();
    await admin.close();
    throw err;
  }
  return {
    ...admin,
    engine: running,
    scheduler,
    close: async () => {
      await scheduler?.stop();
      // The engine first: it must not report into a closed database.
      await running.stop();
      // Tasks still running in warm workers die with them (the workers must not outlive the server).
      await warm?.close();
      await admin.close();
    },
  };
}

/**
 * `aloft admin`: launches are written into the shared workflow store (blob storage) and aborts requested there; an
 * `aloft engine` process with the same storage runs the executions and reports over gRPC (the FlyteWorkflow-resource
 * pattern). With `executor: kubernetes` each launch is a FlyteWorkflow resource for `aloft engine --kubernetes`. No
 * engine is built here.
 */
export async function startAdminOnly(deps: AdminServerDeps): Promise<RunningAdmin> {
  const admin = await startAdmin({
    ...deps,
    // `executor: kubernetes`: startAdmin creates FlyteWorkflow resources instead (wiring/kube.ts).
    ...(deps.config.executor === "kubernetes"
      ? {}
      : {
          workflowExecutor: (blobStore: BlobStore) => {
            const launcher = storeLauncher(engineStore(blobStore), () => deps.clock.now().getTime());
            return new EngineExecutor(() => launcher);
          },
        }),
    httpRoutes: { ...deps.httpRoutes, [LOGS_ROUTE]: logsRoute(logDirOf(deps.config)) },
  });
  try {
    admin.launchReconciler.start();
  } catch (err) {
    await admin.close();
    throw err;
  }
  return admin;
}

// `aloft start`: admin and engine in one process. The engine reports through admin's event managers directly; admin
// launches and aborts through the engine; task logs are served by admin's HTTP server. `aloft admin` uses the same
// wiring without running the engine: launches land in the shared store for a separate `aloft engine`.
import { inProcessEventSink } from "@aloft/admin/managers/execution-managers.ts";
import type { Engine } from "@aloft/engine/controller/engine.ts";
import { createEngineMetrics } from "@aloft/engine/metrics/prom-engine-metrics.ts";
import type { TaskPlugin } from "@aloft/engine/plugins/plugin.ts";
import { displayHost } from "@aloft/core/network.ts";
import { startAdmin, type AdminServerDeps, type RunningAdmin } from "./admin-server.ts";
import { createEngine, inProcessChildExecutions, inProcessRecovery, inProcessSignals, createWarmWorkers, EngineExecutor, LOGS_ROUTE, logDirOf, logsRoute } from "./engine-wiring.ts";

export interface RunningSandbox extends RunningAdmin {
  engine: Engine;
}

export interface SandboxOptions {
  extraPlugins?: TaskPlugin[];
  /** Run `aloft-ts` tasks in the SDK's warm worker pool (default true when the engine runs). */
  warmWorkers?: boolean;
  /**
   * false: admin only launches into the shared workflow store (blob storage) and aborts through it; an `aloft engine`
   * process with the same storage runs the executions and reports over gRPC (the FlyteWorkflow-resource pattern).
   */
  runEngine?: boolean;
}

export async function startSandbox(deps: AdminServerDeps & SandboxOptions): Promise<RunningSandbox> {
  const executor = new EngineExecutor();
  const admin = await startAdmin({
    ...deps,
    configurePlugins: (plugins) => {
      plugins.workflowExecutor = executor;
      plugins.additionalHttpRoutes[LOGS_ROUTE] = logsRoute(logDirOf(deps.config));
      deps.configurePlugins?.(plugins);
    },
  });
  const host = displayHost(deps.config.server.host);
  const runEngine = deps.runEngine ?? true;
  const warm = runEngine && deps.warmWorkers !== false ? createWarmWorkers(deps.config) : undefined;
  const extraPlugins = [...(warm ? [warm] : []), ...(deps.extraPlugins ?? [])];
  const engine = createEngine({
    config: deps.config,
    blobStore: admin.blobStore,
    sink: inProcessEventSink(admin.executions),
    children: inProcessChildExecutions(admin.executions),
    recovery: inProcessRecovery(admin.executions),
    catalog: admin.dataCatalog,
    ...(runEngine ? { metrics: createEngineMetrics(deps.metrics.registry) } : {}),
    signals: inProcessSignals(admin.signals),
    clock: deps.clock,
    logger: deps.logger,
    httpBaseUrl: () => `http://${host}:${admin.httpPort}`,
    extraPlugins,
  });
  executor.engine = engine;
  try {
    if (runEngine) await engine.start();
    // Only now can interrupted launches be handed over (to this engine, or to the shared store in admin-only mode).
    admin.launchReconciler.start();
  } catch (err) {
    await warm?.close();
    await admin.close();
    throw err;
  }
  return {
    ...admin,
    engine,
    close: async () => {
      // The engine first: it must not report into a closed database.
      if (runEngine) await engine.stop();
      // Tasks still running in warm workers die with them (the workers must not outlive the server).
      await warm?.close();
      await admin.close();
    },
  };
}

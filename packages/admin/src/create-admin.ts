// `createAdmin(deps)`: the control plane assembled from what the composition root hands it (configuration, logger,
// clock, metrics, database, blob store, the workflow executor, auth, tracing): repositories and managers, the
// middleware chain, the gRPC services and the HTTP gateway, the launch reconciler. Nothing listens until `listen()`;
// `close()` stops what this created (the database and blob store stay the caller's).
import { file_flyteidl_service_admin, AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { file_flyteidl_service_signal, SignalService } from "@aloft/idl/flyteidl/service/signal_pb.js";
import { file_flyteidl_service_dataproxy, DataProxyService } from "@aloft/idl/flyteidl/service/dataproxy_pb.js";
import { file_flyteidl_service_auth, AuthMetadataService } from "@aloft/idl/flyteidl/service/auth_pb.js";
import { file_flyteidl_service_identity, IdentityService } from "@aloft/idl/flyteidl/service/identity_pb.js";
import { file_aloft_admin_v1_event_service, EventService } from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import { file_grpc_health_v1_health } from "@aloft/idl/grpc/health/v1/health_pb.js";
import { file_flyteidl_datacatalog_datacatalog, DataCatalog } from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";
import type { Kysely } from "kysely";
import type { AloftConfig } from "@aloft/core";
import type { BlobStore } from "@aloft/core";
import type { LocalUrlSigner } from "@aloft/core";
import type { Clock } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { Metrics } from "@aloft/core";
import type { Tracing } from "@aloft/core";
import { adminServiceBinding } from "./api/admin-service.ts";
import { dataCatalogServiceBinding } from "./api/datacatalog-service.ts";
import { dataProxyServiceBinding } from "./api/dataproxy-service.ts";
import { eventServiceBinding, eventsRequestReaders } from "./api/event-service.ts";
import { signalServiceBinding } from "./api/signal-service.ts";
import { startGrpcServer, type RunningGrpcServer } from "./api/grpc/grpc-server.ts";
import { HealthState, healthRoutes } from "./api/grpc/health.ts";
import { DescriptorIndex, reflectionRoutes } from "./api/grpc/reflection.ts";
import { largeInputReaders } from "./api/grpc/large-inputs-reader.ts";
import { BLOBS_ROUTE, createBlobRoute } from "./api/http/blob-route.ts";
import { CONSOLE_PATH, createConsoleRoute } from "./api/http/console-route.ts";
import { createHttpGateway, type ExtraRoute } from "./api/http/gateway.ts";
import { startHttpServer, type RunningHttpServer } from "./api/http/http-server.ts";
import { eventGuardMiddleware } from "./api/middleware/event-guard.ts";
import { observeMiddleware } from "./api/middleware/observe.ts";
import { traceMiddleware } from "./api/middleware/trace.ts";
import { bind, type ServiceBinding } from "./api/rpc.ts";
import type { AuthSetup } from "./auth/create-auth.ts";
import { createAdminManagers, type AllManagers } from "./create-managers.ts";
import { DataProxyManager } from "./managers/dataproxy-manager.ts";
import type { ScheduleSink } from "./managers/launch-plan-manager.ts";
import { LaunchReconciler } from "./managers/launch-reconciler.ts";
import type { BuildInfo } from "./managers/version-manager.ts";
import { defaultPlugins, type PluginRegistry, type WorkflowExecutor } from "./plugins.ts";
import { ExecutionRepo } from "./repositories/execution-repo.ts";
import type { Schema } from "./repositories/schema.ts";
import { requestTextMiddleware } from "./validation/request-text.ts";
import { SchedulableEntityRepo } from "./repositories/schedulable-entity-repo.ts";
import { databaseScheduleSink } from "./scheduler/schedule-sink.ts";
import { SCHEDULES_ROUTE, schedulesRoute } from "./scheduler/schedules-route.ts";

export interface AdminDeps {
  config: AloftConfig;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  build: BuildInfo;
  db: Kysely<Schema>;
  blobStore: BlobStore;
  /** Where launches and aborts go; default: none (creating an execution answers UNIMPLEMENTED). */
  workflowExecutor?: WorkflowExecutor;
  /** With auth on: its middleware, services and routes. */
  auth?: AuthSetup;
  tracing?: Tracing;
  /** The local store's URL signer: its signed URLs are served at /blobs/. */
  urlSigner?: LocalUrlSigner;
  /** Plain HTTP routes served beside the gateway (e.g. task logs); they need a token when auth is on. */
  httpRoutes?: Record<string, ExtraRoute>;
  /** Receives launch plan schedule (de)activations; default: the native scheduler's table in `db`. */
  scheduleSink?: ScheduleSink;
  /**
   * The directory of the web console's built assets (packages/console/dist), served at /console without a token (the
   * page holds no data; its API calls carry the session). Absent: no console route (/console is the gateway's 404).
   */
  consoleDir?: string;
  /** Adjusts the extension points before anything is built from them (tests, the composition root's plugins). */
  configurePlugins?: (plugins: PluginRegistry) => void;
}

export interface AdminListeners {
  grpc: { port: number; address: string };
  http: { port: number; address: string };
}

export interface Admin {
  managers: AllManagers;
  plugins: PluginRegistry;
  /**
   * Launches (or fails) executions whose create was interrupted before the engine got them. Not started here: the
   * composition root starts it once the workflow executor can take launches.
   */
  launchReconciler: LaunchReconciler;
  /** Binds the gRPC and HTTP ports of config.server (0 = any free port). */
  listen(): Promise<AdminListeners>;
  /** Stops the reconciler and the listeners; safe to repeat. */
  close(): Promise<void>;
}

export function createAdmin(deps: AdminDeps): Admin {
  const { config, logger, clock, metrics, auth, blobStore } = deps;
  const plugins = defaultPlugins();
  if (deps.workflowExecutor) plugins.workflowExecutor = deps.workflowExecutor;
  Object.assign(plugins.additionalHttpRoutes, deps.httpRoutes);
  if (deps.tracing?.enabled) plugins.unaryMiddleware.push(traceMiddleware(deps.tracing));
  plugins.unaryMiddleware.push(observeMiddleware(logger, metrics));
  // Auth (off by default) runs after observe, so that refusals are logged and counted like any other outcome.
  if (auth) plugins.unaryMiddleware.push(auth.middleware);
  plugins.unaryMiddleware.push(
    eventGuardMiddleware({ authEnabled: config.auth.enabled, isEngine: (p) => auth?.isEngine(p) ?? false, logger }),
  );
  deps.configurePlugins?.(plugins);
  // Innermost, after any authentication a plugin added: unstorable text never reaches a manager or the database.
  plugins.unaryMiddleware.push(requestTextMiddleware);
  const schedules = new SchedulableEntityRepo(deps.db, clock);
  const managers = createAdminManagers({
    db: deps.db,
    blobStore,
    config,
    clock,
    logger,
    plugins,
    build: deps.build,
    scheduleSink: deps.scheduleSink ?? databaseScheduleSink(schedules),
  });
  const scheduleRoute = schedulesRoute({
    repo: schedules,
    launchPlans: managers.launchPlans,
    useUtcTz: config.scheduler.useUtcTz,
    now: () => clock.now(),
  });
  plugins.additionalHttpRoutes[SCHEDULES_ROUTE] ??= scheduleRoute;
  plugins.additionalHttpRoutes[`${SCHEDULES_ROUTE}/backfill`] ??= scheduleRoute;

  // Services whose RPCs later issues implement are bound now so that every route answers (UNIMPLEMENTED until then).
  const bindings: ServiceBinding[] = [
    adminServiceBinding(managers),
    signalServiceBinding(managers.signals),
    dataProxyServiceBinding(
      new DataProxyManager({
        store: blobStore,
        options: config.dataProxy,
        clock,
        nodeExecutions: managers.executions.nodeExecutions,
        taskExecutions: managers.executions.taskExecutions,
      }),
    ),
    dataCatalogServiceBinding(managers.dataCatalog),
    // Aloft's own: a split-mode engine's events in batches (gRPC only: it has no HTTP routes).
    eventServiceBinding(managers.executions, logger),
    ...plugins.additionalServices,
  ];
  // Auth services are served over gRPC only when auth is on (upstream); their gateway routes always exist.
  const gatewayOnly: ServiceBinding[] = auth ? [] : [bind(AuthMetadataService, {}), bind(IdentityService, {})];
  if (auth) bindings.push(...auth.bindings);

  const health = new HealthState(["flyteadmin"]);
  const hooks = [healthRoutes(health), ...plugins.additionalRouterHooks];
  // Reflection is a stream the unary auth middleware never sees: with auth on it would describe the API to anyone.
  if (config.server.grpcReflection && auth) logger.info("gRPC reflection is off while authentication is on");
  if (config.server.grpcReflection && !auth) {
    const index = new DescriptorIndex(
      [
        file_flyteidl_service_admin,
        file_flyteidl_service_signal,
        file_flyteidl_service_dataproxy,
        file_flyteidl_datacatalog_datacatalog,
        file_aloft_admin_v1_event_service,
        file_grpc_health_v1_health,
      ],
      [
        AdminService.typeName,
        SignalService.typeName,
        DataProxyService.typeName,
        DataCatalog.typeName,
        EventService.typeName,
        "grpc.health.v1.Health",
      ],
    );
    hooks.push(reflectionRoutes(index));
  }
  void file_flyteidl_service_auth;
  void file_flyteidl_service_identity;

  // With auth on, the plain HTTP routes (metrics, task logs, plugins') need a token too.
  const guarded = (routes: Record<string, ExtraRoute>): Record<string, ExtraRoute> =>
    auth
      ? Object.fromEntries(
          Object.entries(routes).map(([path, route]) => [path, auth.guard(route, path, route.scopeOf)]),
        )
      : routes;
  const signer = deps.urlSigner;
  const gateway = createHttpGateway({
    bindings: [...bindings, ...gatewayOnly],
    middleware: plugins.unaryMiddleware,
    headerMatcher: plugins.headerMatcher,
    logger,
    maxBodyBytes: config.server.maxMessageSizeBytes,
    cors: {
      allowCors: config.server.allowCors,
      allowedOrigins: config.server.allowedOrigins,
      allowedHeaders: config.server.allowedHeaders,
    },
    allowedHosts: [config.server.host, ...config.server.allowedHosts],
    extraRoutes: {
      ...guarded({
        "/metrics": async (_req, res) => {
          const body = await metrics.registry.metrics();
          res.writeHead(200, { "content-type": metrics.registry.contentType });
          res.end(body);
        },
        ...plugins.additionalHttpRoutes,
      }),
      // Signed URLs carry their own authorization (an HMAC over the key and expiry), as S3's presigned URLs do.
      ...(signer
        ? {
            [BLOBS_ROUTE]: createBlobRoute({
              store: blobStore,
              signer,
              maxUploadBytes: config.dataProxy.upload.maxSizeBytes,
              logger,
            }),
          }
        : {}),
      ...auth?.httpRoutes,
      ...(deps.consoleDir !== undefined ? consoleRoutes(deps.consoleDir) : {}),
    },
  });

  const launchReconciler = new LaunchReconciler({
    repo: new ExecutionRepo(deps.db),
    resume: (row) => managers.executions.executions.resumeUnlaunched(row),
    clock,
    logger: logger.child({ component: "launch-reconciler" }),
    graceMs: config.launchReconciler.graceSeconds * 1000,
    intervalMs: config.launchReconciler.intervalSeconds * 1000,
  });

  let grpc: RunningGrpcServer | undefined;
  let http: RunningHttpServer | undefined;
  return {
    managers,
    plugins,
    launchReconciler,
    listen: async () => {
      grpc = await startGrpcServer({
        host: config.server.host,
        port: config.server.grpcPort,
        bindings,
        middleware: plugins.unaryMiddleware,
        routerHooks: hooks,
        logger,
        maxMessageBytes: config.server.maxMessageSizeBytes,
        maxConcurrentStreams: config.server.grpcMaxConcurrentStreams,
        idleTimeoutMs: config.server.grpcIdleTimeoutMs,
        requestReaders: new Map([
          ...eventsRequestReaders,
          ...(config.literalOffloading.enabled ? largeInputReaders(blobStore, config.literalOffloading) : []),
        ]),
      });
      http = await startHttpServer(gateway, config.server.host, config.server.httpPort, logger);
      return { grpc: { port: grpc.port, address: grpc.address }, http: { port: http.port, address: http.address } };
    },
    close: async () => {
      health.shutdown();
      // Newest first, each even when another fails (as before: the reconciler, then HTTP, then gRPC).
      let first: unknown;
      for (const stop of [() => launchReconciler.stop(), () => http?.close(), () => grpc?.close()]) {
        try {
          await stop();
        } catch (err) {
          first ??= err;
        }
      }
      http = undefined;
      grpc = undefined;
      if (first !== undefined) throw first;
    },
  };
}

function consoleRoutes(dir: string): Record<string, ExtraRoute> {
  const route = createConsoleRoute(dir);
  return { [CONSOLE_PATH]: route, [`${CONSOLE_PATH}/`]: route };
}

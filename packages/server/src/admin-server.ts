// Composition root of the control plane: database, blob store, managers, both transports, plugins.
import { file_flyteidl_service_admin, AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { file_flyteidl_service_signal, SignalService } from "@aloft/idl/flyteidl/service/signal_pb.js";
import { file_flyteidl_service_dataproxy, DataProxyService } from "@aloft/idl/flyteidl/service/dataproxy_pb.js";
import { file_flyteidl_service_auth, AuthMetadataService } from "@aloft/idl/flyteidl/service/auth_pb.js";
import { file_flyteidl_service_identity, IdentityService } from "@aloft/idl/flyteidl/service/identity_pb.js";
import { file_grpc_health_v1_health } from "@aloft/idl/grpc/health/v1/health_pb.js";
import { file_flyteidl_datacatalog_datacatalog, DataCatalog } from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";
import type { AloftConfig } from "@aloft/core/config.ts";
import { underDataDir } from "@aloft/core/config.ts";
import type { Clock } from "@aloft/core/clock.ts";
import type { Logger } from "@aloft/core/logger.ts";
import type { Metrics } from "@aloft/core/metrics.ts";
import { createBlobStore } from "@aloft/core/blob/create-blob-store.ts";
import type { BlobStore } from "@aloft/core/blob/blob-store.ts";
import { adminServiceBinding } from "@aloft/admin/api/admin-service.ts";
import { dataCatalogServiceBinding } from "@aloft/admin/api/datacatalog-service.ts";
import { signalServiceBinding } from "@aloft/admin/api/signal-service.ts";
import { startGrpcServer, type RunningGrpcServer } from "@aloft/admin/api/grpc/grpc-server.ts";
import { largeInputReaders } from "@aloft/admin/api/grpc/large-inputs-reader.ts";
import { HealthState, healthRoutes } from "@aloft/admin/api/grpc/health.ts";
import { DescriptorIndex, reflectionRoutes } from "@aloft/admin/api/grpc/reflection.ts";
import { createHttpGateway, type ExtraRoute } from "@aloft/admin/api/http/gateway.ts";
import { observeMiddleware } from "@aloft/admin/api/middleware/observe.ts";
import { eventGuardMiddleware } from "@aloft/admin/api/middleware/event-guard.ts";
import { checkExposure, type Exposure } from "@aloft/core/network.ts";
import { traceMiddleware } from "@aloft/admin/api/middleware/trace.ts";
import { createTracing } from "@aloft/core/tracing.ts";
import { bind, type ServiceBinding } from "@aloft/admin/api/rpc.ts";
import { unavailable } from "@aloft/core/errors.ts";
import type { BuildInfo } from "@aloft/admin/managers/version-manager.ts";
import { defaultPlugins, type PluginRegistry } from "@aloft/admin/plugins.ts";
import { createDatabase, type Database } from "@aloft/admin/repositories/database.ts";
import { migrateToLatest } from "@aloft/admin/repositories/migrations/index.ts";
import { createAuth } from "@aloft/admin/auth/create-auth.ts";
import { createAdminManagers } from "./admin-managers.ts";
import { dataProxyServiceBinding } from "@aloft/admin/api/dataproxy-service.ts";
import { DataProxyManager } from "@aloft/admin/managers/dataproxy-manager.ts";
import { BLOBS_ROUTE, createBlobRoute } from "@aloft/admin/api/http/blob-route.ts";
import { LocalUrlSigner } from "@aloft/core/blob/local-url-signer.ts";
import { join } from "node:path";
import { loadOrCreateSigningKey, publicHttpUrl, SIGNING_KEY_FILE } from "./signing-key.ts";
import { startHttpServer } from "./http-server.ts";
import type { ScheduleSink } from "@aloft/admin/managers/launch-plan-manager.ts";
import type { ExecutionManagers } from "@aloft/admin/managers/execution-managers.ts";
import type { DataCatalogManager } from "@aloft/admin/managers/datacatalog-manager.ts";
import type { SignalManager } from "@aloft/admin/managers/signal-manager.ts";
import { requestTextMiddleware } from "@aloft/admin/validation/request-text.ts";
import { LaunchReconciler } from "@aloft/admin/managers/launch-reconciler.ts";
import { ExecutionRepo } from "@aloft/admin/repositories/execution-repo.ts";

export interface AdminServerDeps {
  config: AloftConfig;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  build: BuildInfo;
  /** Adjusts the extension points before the servers start (the composition root's plugin registration). */
  configurePlugins?: (plugins: PluginRegistry) => void;
  /** Run migrations and seed projects at start (the sandbox does; a production admin may use `aloft migrate`). */
  migrate?: boolean;
  /** Receives launch plan schedule (de)activations; the default ignores them (no scheduler). */
  scheduleSink?: ScheduleSink;
}

export interface RunningAdmin {
  grpcPort: number;
  httpPort: number;
  database: Database;
  blobStore: BlobStore;
  plugins: PluginRegistry;
  /** The execution-side managers; the composition root builds the engine's in-process EventSink from their event RPCs. */
  executions: ExecutionManagers;
  /** The datacatalog.DataCatalog use cases (task caching), for an in-process engine. */
  dataCatalog: DataCatalogManager;
  /** SignalService's use cases (approve/signal gates), for an in-process engine. */
  signals: SignalManager;
  /** The addresses both listeners are bound to. */
  listenAddresses: { grpc: string; http: string };
  /** Whether the ports are reachable beyond loopback with authentication off (opted in). */
  exposure: Exposure;
  /**
   * Launches (or fails) executions whose create was interrupted before the engine got them. Not started here: the
   * composition root starts it once the WorkflowExecutor can take launches (the engine is up).
   */
  launchReconciler: LaunchReconciler;
  close(): Promise<void>;
}

export async function startAdmin(deps: AdminServerDeps): Promise<RunningAdmin> {
  const { config, logger, clock, metrics } = deps;
  // Refuse an unsafe bind before anything is opened (a config error: the CLI exits 2).
  const exposure = checkExposure(config);
  if (exposure.insecureRemote) {
    logger.warn(
      { host: config.server.host },
      "listening beyond loopback with authentication OFF (server.allowInsecureRemote): anyone who can reach these ports can run commands on this machine",
    );
  }
  if (config.server.allowCors && config.server.allowedOrigins.some((o) => o.trim() === "*") && !config.auth.enabled) {
    logger.warn("server.allowedOrigins has '*' with authentication off: any web page can call this API (answered without credentials)");
  }
  const database = await createDatabase({
    kind: config.database.kind,
    sqlitePath: underDataDir(config, config.database.sqlitePath),
    postgresUrl: config.database.postgresUrl,
    maxConnections: config.database.maxConnections,
    onConnectionError: (err) => logger.warn({ err }, "a database connection failed; it will be replaced"),
  });
  const cleanups: Array<() => Promise<void>> = [() => database.close()];
  try {
    if (deps.migrate ?? true) await migrateToLatest(database.db);
    // The local store's signed URLs point at this server's HTTP port, known once it listens.
    let httpBaseUrl: string | undefined;
    const signer =
      config.storage.kind === "local"
        ? new LocalUrlSigner({
            baseUrl: () => {
              if (httpBaseUrl === undefined) throw unavailable("dataproxy.starting", "the HTTP server is not listening yet");
              return `${httpBaseUrl}${BLOBS_ROUTE.replace(/\/$/, "")}`;
            },
            secret: loadOrCreateSigningKey(config.dataProxy.signingKey, join(config.dataDir, SIGNING_KEY_FILE)),
            clock,
          })
        : undefined;
    const blobStore = await createBlobStore(config, signer ? { urlSigner: (key, opts) => signer.sign(key, opts) } : {});
    const plugins = defaultPlugins();
    const tracing = createTracing(config.tracing);
    cleanups.push(() => tracing.shutdown());
    if (tracing.enabled) plugins.unaryMiddleware.push(traceMiddleware(tracing));
    plugins.unaryMiddleware.push(observeMiddleware(logger, metrics));
    // Auth (off by default) runs after observe, so that refusals are logged and counted like any other outcome.
    let boundHttpPort = 0;
    const urlHost = config.server.host === "0.0.0.0" || config.server.host === "::" ? "localhost" : config.server.host;
    const auth = config.auth.enabled
      ? await createAuth({
        auth: config.auth,
        secretsDir: underDataDir(config, config.auth.secretsDir),
        publicUrl: () => `http://${urlHost.includes(":") ? `[${urlHost}]` : urlHost}:${boundHttpPort}`,
        clock,
        logger,
      })
      : undefined;
    if (auth) plugins.unaryMiddleware.push(auth.middleware);
    plugins.unaryMiddleware.push(
      eventGuardMiddleware({ authEnabled: config.auth.enabled, isEngine: (p) => auth?.isEngine(p) ?? plugins.isEngineIdentity(p), logger }),
    );
    if (auth && !config.auth.publicUrl && !["127.0.0.1", "localhost", "::1"].includes(config.server.host)) {
      logger.warn("auth.publicUrl is not set: tokens name http://localhost:<port> as issuer and token endpoint, which remote clients cannot reach");
    }
    deps.configurePlugins?.(plugins);
    // Innermost, after any authentication a plugin added: unstorable text never reaches a manager or the database.
    plugins.unaryMiddleware.push(requestTextMiddleware);
    const managers = createAdminManagers({
      db: database.db,
      blobStore,
      config,
      clock,
      logger,
      plugins,
      build: deps.build,
      ...(deps.scheduleSink ? { scheduleSink: deps.scheduleSink } : {}),
    });
    if (deps.migrate ?? true) await managers.projects.seed(config.seedProjects);

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
      ...plugins.additionalServices,
    ];
    // Auth services are served over gRPC only when auth is on (upstream); their gateway routes always exist.
    const gatewayOnly: ServiceBinding[] = auth ? [] : [bind(AuthMetadataService, {}), bind(IdentityService, {})];
    if (auth) bindings.push(...auth.bindings);

    const health = new HealthState(["flyteadmin"]);
    const hooks = [healthRoutes(health), ...plugins.additionalRouterHooks];
    if (config.server.grpcReflection) {
      const index = new DescriptorIndex(
        [file_flyteidl_service_admin, file_flyteidl_service_signal, file_flyteidl_service_dataproxy, file_flyteidl_datacatalog_datacatalog, file_grpc_health_v1_health],
        [AdminService.typeName, SignalService.typeName, DataProxyService.typeName, DataCatalog.typeName, "grpc.health.v1.Health"],
      );
      hooks.push(reflectionRoutes(index));
    }
    void file_flyteidl_service_auth;
    void file_flyteidl_service_identity;
    const grpc: RunningGrpcServer = await startGrpcServer({
      host: config.server.host,
      port: config.server.grpcPort,
      bindings,
      middleware: plugins.unaryMiddleware,
      routerHooks: hooks,
      logger,
      maxMessageBytes: config.server.maxMessageSizeBytes,
      maxConcurrentStreams: config.server.grpcMaxConcurrentStreams,
      idleTimeoutMs: config.server.grpcIdleTimeoutMs,
      ...(config.literalOffloading.enabled ? { requestReaders: largeInputReaders(blobStore, config.literalOffloading) } : {}),
    });
    cleanups.push(() => grpc.close());

    // With auth on, the plain HTTP routes (metrics, task logs, plugins') need a token too.
    const guarded = (routes: Record<string, ExtraRoute>): Record<string, ExtraRoute> =>
      auth ? Object.fromEntries(Object.entries(routes).map(([path, route]) => [path, auth.guard(route, path)])) : routes;
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
          ? { [BLOBS_ROUTE]: createBlobRoute({ store: blobStore, signer, maxUploadBytes: config.dataProxy.upload.maxSizeBytes, logger }) }
          : {}),
        ...auth?.httpRoutes,
      },
    });
    const http = await startHttpServer(gateway, config.server.host, config.server.httpPort, logger);
    boundHttpPort = http.port;
    httpBaseUrl = publicHttpUrl(config.dataProxy.publicUrl, config.server.host, http.port);
    cleanups.push(() => http.close());

    const launchReconciler = new LaunchReconciler({
      repo: new ExecutionRepo(database.db),
      resume: (row) => managers.executions.executions.resumeUnlaunched(row),
      clock,
      logger: logger.child({ component: "launch-reconciler" }),
      graceMs: config.launchReconciler.graceSeconds * 1000,
      intervalMs: config.launchReconciler.intervalSeconds * 1000,
    });
    cleanups.push(() => launchReconciler.stop());

    return {
      grpcPort: grpc.port,
      httpPort: http.port,
      database,
      blobStore,
      plugins,
      executions: managers.executions,
      dataCatalog: managers.dataCatalog,
      signals: managers.signals,
      exposure,
      listenAddresses: { grpc: grpc.address, http: http.address },
      launchReconciler,
      close: async () => {
        health.shutdown();
        await runCleanups(cleanups);
      },
    };
  } catch (err) {
    await runCleanups(cleanups).catch(() => undefined);
    throw err;
  }
}

/** Runs every cleanup, newest first, even when one fails (the database must close even if a listener does not); rethrows the first failure. */
async function runCleanups(cleanups: Array<() => Promise<void>>): Promise<void> {
  let first: unknown;
  for (const c of [...cleanups].reverse()) {
    try {
      await c();
    } catch (err) {
      first ??= err;
    }
  }
  cleanups.length = 0;
  if (first !== undefined) throw first;
}

// The control plane's process-level pieces around createAdmin: the bind-safety check, the database (migrated and
// seeded), the blob store with the local store's URL signer, tracing and auth; then admin itself, listening.
import type { AloftConfig } from "@aloft/core";
import { underDataDir } from "@aloft/core";
import type { Clock } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { PromMetrics } from "@aloft/platform";
import { createBlobStore } from "@aloft/platform";
import type { BlobStore } from "@aloft/core";
import { LocalUrlSigner } from "@aloft/core";
import { checkExposure, type Exposure } from "@aloft/core";
import { createTracing } from "@aloft/platform";
import { unavailable } from "@aloft/core";
import { createAdmin } from "@aloft/admin";
import { BLOBS_ROUTE } from "@aloft/admin";
import type { ExtraRoute } from "@aloft/admin";
import { createAuth } from "@aloft/admin";
import type { BuildInfo } from "@aloft/admin";
import type { ScheduleSink } from "@aloft/admin";
import type { ExecutionManagers } from "@aloft/admin";
import type { DataCatalogManager } from "@aloft/admin";
import type { SignalManager } from "@aloft/admin";
import type { LaunchReconciler } from "@aloft/admin";
import type { PluginRegistry, WorkflowExecutor } from "@aloft/admin";
import type { Database } from "@aloft/admin";
import { openConfiguredDatabase } from "./database.ts";
import { migrateToLatest } from "@aloft/admin";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadOrCreateSigningKey, publicHttpUrl, SIGNING_KEY_FILE } from "./signing-key.ts";

export interface AdminServerDeps {
  config: AloftConfig;
  logger: Logger;
  clock: Clock;
  metrics: PromMetrics;
  build: BuildInfo;
  /** Adjusts the extension points before the servers start (the composition root's plugin registration). */
  configurePlugins?: (plugins: PluginRegistry) => void;
  /** Run migrations and seed projects at start (the sandbox does; a production admin may use `aloft migrate`). */
  migrate?: boolean;
  /** Receives launch plan schedule (de)activations; the default ignores them (no scheduler). */
  scheduleSink?: ScheduleSink;
  /**
   * Where launches and aborts go, or how to make it over the blob store opened here; default: with `executor:
   * kubernetes` a FlyteWorkflow resource per execution (wiring/kube.ts), else none (creating an execution answers
   * UNIMPLEMENTED).
   */
  workflowExecutor?: WorkflowExecutor | ((blobStore: BlobStore) => WorkflowExecutor);
  /** Plain HTTP routes beside the gateway (task logs). */
  httpRoutes?: Record<string, ExtraRoute>;
  /** The web console's built assets, served at /console; default: packages/console/dist of this checkout. */
  consoleDir?: string;
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
  const { config, logger, clock } = deps;
  // Refuse an unsafe bind before anything is opened (a config error: the CLI exits 2).
  const exposure = checkExposure(config);
  if (exposure.insecureRemote) {
    logger.warn(
      { host: config.server.host },
      "listening beyond loopback with authentication OFF (server.allowInsecureRemote): anyone who can reach these ports can run commands on this machine",
    );
  }
  if (config.server.allowCors && config.server.allowedOrigins.some((o) => o.trim() === "*") && !config.auth.enabled) {
    logger.warn(
      "server.allowedOrigins has '*' with authentication off: any web page can call this API (answered without credentials)",
    );
  }
  const database = await openConfiguredDatabase(config, logger);
  const cleanups: Array<() => Promise<void>> = [() => database.close()];
  try {
    if (deps.migrate ?? true) await migrateToLatest(database.db);
    // The local store's signed URLs and auth's issuer name this server's HTTP port, known once it listens.
    let boundHttpPort = 0;
    let httpBaseUrl: string | undefined;
    const signer =
      config.storage.kind === "local"
        ? new LocalUrlSigner({
            baseUrl: () => {
              if (httpBaseUrl === undefined)
                throw unavailable("dataproxy.starting", "the HTTP server is not listening yet");
              return `${httpBaseUrl}${BLOBS_ROUTE.replace(/\/$/, "")}`;
            },
            secret: loadOrCreateSigningKey(config.dataProxy.signingKey, join(config.dataDir, SIGNING_KEY_FILE)),
            clock,
          })
        : undefined;
    const blobStore = await createBlobStore(config, signer ? { urlSigner: (key, opts) => signer.sign(key, opts) } : {});
    const tracing = await createTracing(config.tracing);
    cleanups.push(() => tracing.shutdown());
    const urlHost = config.server.host === "0.0.0.0" || config.server.host === "::" ? "localhost" : config.server.host;
    let plugins: PluginRegistry | undefined;
    const auth = config.auth.enabled
      ? await createAuth({
          auth: config.auth,
          db: database.db,
          secretsDir: underDataDir(config, config.auth.secretsDir),
          publicUrl: () => `http://${urlHost.includes(":") ? `[${urlHost}]` : urlHost}:${boundHttpPort}`,
          clock,
          logger,
          allowedOrigins: config.server.allowedOrigins,
          consoleSecretFile: underDataDir(config, config.auth.external.consoleClientSecretFile),
          // Looked up when called: createAdmin builds the plugin registry (and runs configurePlugins) after auth exists.
          hooks: {
            logout: (req, res) => plugins?.logoutHook(req, res) ?? Promise.resolve(false),
            preRedirect: (req, res) => plugins?.preRedirectHook(req, res) ?? Promise.resolve(false),
          },
        })
      : undefined;
    if (auth && !config.auth.publicUrl && !["127.0.0.1", "localhost", "::1"].includes(config.server.host)) {
      logger.warn(
        "auth.publicUrl is not set: tokens name http://localhost:<port> as issuer and token endpoint, which remote clients cannot reach",
      );
    }
    const executor =
      typeof deps.workflowExecutor === "function"
        ? deps.workflowExecutor(blobStore)
        : (deps.workflowExecutor ??
          // Imported only in that mode: the Kubernetes client is a large part of what start would load otherwise.
          (config.executor === "kubernetes"
            ? (await import("./wiring/kube.ts")).kubeExecutorFromConfig(config, blobStore, logger)
            : undefined));
    const admin = createAdmin({
      config,
      logger,
      clock,
      metrics: deps.metrics,
      build: deps.build,
      db: database.db,
      blobStore,
      tracing,
      ...(auth ? { auth } : {}),
      ...(signer ? { urlSigner: signer } : {}),
      ...(executor ? { workflowExecutor: executor } : {}),
      ...(deps.httpRoutes ? { httpRoutes: deps.httpRoutes } : {}),
      ...(deps.scheduleSink ? { scheduleSink: deps.scheduleSink } : {}),
      consoleDir: deps.consoleDir ?? defaultConsoleDir(),
      ...(deps.configurePlugins ? { configurePlugins: deps.configurePlugins } : {}),
    });
    plugins = admin.plugins;
    cleanups.push(() => admin.close());
    if (deps.migrate ?? true) await admin.managers.projects.seed(config.seedProjects);
    const listeners = await admin.listen();
    boundHttpPort = listeners.http.port;
    httpBaseUrl = publicHttpUrl(config.dataProxy.publicUrl, config.server.host, listeners.http.port);

    return {
      grpcPort: listeners.grpc.port,
      httpPort: listeners.http.port,
      database,
      blobStore,
      plugins: admin.plugins,
      executions: admin.managers.executions,
      dataCatalog: admin.managers.dataCatalog,
      signals: admin.managers.signals,
      exposure,
      listenAddresses: { grpc: listeners.grpc.address, http: listeners.http.address },
      launchReconciler: admin.launchReconciler,
      close: () => runCleanups(cleanups),
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

/**
 * packages/console/dist of this checkout: the console's `vite build` output, next to this package whether it runs from
 * src (tsx) or dist. Only the directory is known here; nothing of the console's code is imported.
 */
function defaultConsoleDir(): string {
  return fileURLToPath(new URL("../../console/dist", import.meta.url));
}

// One typed configuration for every Aloft process: defaults < YAML file < environment < flags.
// Validated once at start-up; a bad value is reported with its path and the reason.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createRequire } from "node:module";
import { invalidArgument } from "./errors.ts";

/** The YAML parser, loaded the first time a config file is read (most starts have none; yaml is a hundred modules). */
const parseYaml = (text: string): unknown =>
  (createRequire(import.meta.url)("yaml") as typeof import("yaml")).parse(text);

export interface Domain {
  id: string;
  name: string;
}

export interface AloftConfig {
  /** Where the sandbox keeps its SQLite database, blobs and logs. */
  dataDir: string;
  server: {
    /** Address both ports bind to. Loopback by default; anything else needs auth or `allowInsecureRemote` (docs/security.md). */
    host: string;
    grpcPort: number;
    httpPort: number;
    /**
     * Bind a non-loopback `host` with authentication off. Anyone who can reach the ports can then run commands on this
     * machine as the server's user (tasks are local processes): an explicit, loudly logged opt-in.
     */
    allowInsecureRemote: boolean;
    /**
     * Host header names (without port) the HTTP port answers besides localhost, 127.0.0.1, [::1] and `host` itself:
     * the DNS-rebinding guard. `*` allows any.
     */
    allowedHosts: string[];
    allowCors: boolean;
    /** Origins allowed cross-origin, e.g. `http://localhost:8090`; empty = same origin only. `*` answers without credentials. */
    allowedOrigins: string[];
    allowedHeaders: string[];
    grpcReflection: boolean;
    /**
     * Largest request message accepted, in bytes (gRPC: one message after decompression, as grpc-go's
     * MaxRecvMsgSize and flyteadmin's server.grpc.maxMessageSizeBytes; HTTP gateway: the request body). Larger
     * requests are refused while they stream in: RESOURCE_EXHAUSTED on gRPC, 413 on HTTP. 4 MiB as grpc-go.
     */
    maxMessageSizeBytes: number;
    /** Concurrent streams one HTTP/2 (gRPC) connection may open (SETTINGS_MAX_CONCURRENT_STREAMS). */
    grpcMaxConcurrentStreams: number;
    /**
     * A gRPC connection with no open stream for this long is closed (GOAWAY), and a stream whose request has not
     * finished arriving after this long is reset; 0 = never.
     */
    grpcIdleTimeoutMs: number;
  };
  database: {
    kind: "sqlite" | "postgres";
    /** File path for SQLite; `:memory:` for an in-memory database. Relative paths are under dataDir. */
    sqlitePath: string;
    /** postgres://user:pass@host:port/db */
    postgresUrl: string;
    maxConnections: number;
  };
  storage: {
    kind: "local" | "s3";
    /** Root directory of the local blob store (relative paths are under dataDir). */
    localRoot: string;
    /** Bucket (or local container) that metadata is written to. */
    bucket: string;
    s3: {
      endpoint: string;
      region: string;
      accessKeyId: string;
      secretAccessKey: string;
      forcePathStyle: boolean;
    };
  };
  domains: Domain[];
  seedProjects: string[];
  logging: { level: string };
  tracing: { otlpEndpoint: string; serviceName: string };
  limits: { maxListLimit: number };
  /** Default and maximum task resources (flyteadmin task_resources); quantities as Kubernetes strings. */
  taskResources: {
    defaults: { cpu: string; memory: string; gpu: string; ephemeralStorage: string };
    limits: { cpu: string; memory: string; gpu: string; ephemeralStorage: string };
  };
  registration: {
    /** Nodes per workflow, excluding start-node and end-node. */
    maxWorkflowNodes: number;
    maxLabelEntries: number;
    maxAnnotationEntries: number;
    /** Maximum serialized size of a compiled workflow, e.g. "1Mi"; empty = unlimited. */
    workflowSizeLimit: string;
  };
  /**
   * Task types restricted to some projects (flyteadmin task_type_whitelist): a type listed here may only be registered
   * in the listed project (and domain, when given); types not listed are allowed everywhere.
   */
  taskTypeWhitelist: Array<{ type: string; project: string; domain: string }>;
  /** flyteadmin's `server.dataProxy`: signed upload and download URLs (fast registration, decks, GetData). */
  dataProxy: {
    upload: {
      /** Longest (and default) lifetime of an upload URL. */
      maxExpiresInSeconds: number;
      /** Length of the random file name when the request names none. */
      defaultFileNameLength: number;
      /** Key prefix of uploads in the blob store ("" = none). */
      storagePrefix: string;
      /** Local blob store only: uploads larger than this are refused (S3 applies its own limits). */
      maxSizeBytes: number;
    };
    download: { maxExpiresInSeconds: number };
    /**
     * Local blob store only: the base URL clients reach this server's HTTP port at, for the signed URLs it serves
     * itself under /blobs/; "" = http://<server.host, or localhost for a wildcard host>:<bound HTTP port>.
     */
    publicUrl: string;
    /**
     * Local blob store only: the HMAC key of signed URLs; "" = generated once and kept in
     * `<dataDir>/dataproxy-signing.key` (mode 0600). Every admin serving the same store needs the same key.
     */
    signingKey: string;
  };
  /** Blob-store path segments under which admin writes closures (flyteadmin metadataStoragePrefix). */
  metadataStoragePrefix: string[];
  /**
   * Executions stored but never handed to the engine (the server died mid-create) are launched again, or failed
   * with the reason, once they are older than graceSeconds: at start-up and every intervalSeconds (0 = start only).
   */
  launchReconciler: { graceSeconds: number; intervalSeconds: number };
  /**
   * The native scheduler (upstream flytescheduler): runs inside `aloft start` when enabled, alone as `aloft scheduler`
   * (any number of replicas on one database). docs/configuration.md#scheduler.
   */
  scheduler: {
    /** Run the scheduler inside `aloft start` (and `aloft admin`). */
    enabled: boolean;
    /** Cron in UTC (upstream's useUTCTz; the default here) or in the scheduler's local time zone. */
    useUtcTz: boolean;
    /** Missed fire times launched per schedule by one catch-up (the newest); older ones are logged and skipped. */
    maxCatchUp: number;
    /** How often the active schedules are re-read from the database. */
    reloadIntervalSeconds: number;
    /** Launches in flight at once. */
    concurrency: number;
    /** Attempts per fire time on retryable errors before it is given up. */
    maxAttempts: number;
  };
  /**
   * Large literals stored once and passed by reference (`offloaded_metadata`, upstream flytepropeller/pkg/controller/nodes/common/utils.go; propeller's
   * literal-offloading-config): execution inputs at create, array-node outputs and raw-container outputs. Off by
   * default as upstream; a literal of maxSizeInMb or more is refused.
   */
  literalOffloading: { enabled: boolean; minSizeInMb: number; maxSizeInMb: number };
  /** The execution engine started by `aloft start` / `aloft engine`. */
  engine: {
    /** Worker count (rounds run concurrently for different executions). */
    workers: number;
    /** How often a running execution is looked at when nothing woke it (ms). */
    pollIntervalMs: number;
    /** Task processes run at once by the local-process plugin; more wait as WaitingForResources. */
    maxConcurrentTasks: number;
    /**
     * Local task processes are started by a small helper process the engine forks once (cheap to fork from), instead
     * of being forked from the engine itself (each fork of the large engine process blocks it ≈ 1–2 ms).
     */
    taskSpawner: boolean;
    /**
     * A `python3` (≥ 3.8) through which the task spawner starts the processes, with `posix_spawn` (a vfork) instead of
     * a fork of its own `node` process: about 40 % less CPU per start; "" = off. Tasks run as another account
     * (runAsUser) still fork from the spawner.
     */
    taskSpawnHelper: string;
    /** Task logs (relative paths are under dataDir). */
    logDir: string;
    /** Event producer id (propeller's cluster-id). */
    producerId: string;
    /** `aloft engine` serves its Prometheus metrics on this port at /metrics (propeller's profiler port); 0 = off. */
    metricsPort: number;
    /** Cached task outputs older than this many seconds are not used (0 = they never expire). */
    cacheMaxAgeSeconds: number;
    /** Failed rounds (system errors) before an execution is failed; an unreachable admin never counts (propeller's max-workflow-retries). */
    maxWorkflowRetries: number;
    /**
     * When the engine runs as root, local task processes run as this account (`name`, `uid` or `uid:gid`); empty =
     * as the engine's own user (a warning when that is root). Ignored when the engine is not root.
     */
    runAsUser: string;
    /**
     * Directories put first on task processes' PATH (e.g. where flytekit's `pyflyte-execute` and
     * `pyflyte-fast-execute` live); the engine's own PATH follows.
     */
    taskPath: string[];
    /**
     * Where container tasks (and the SDK's) run: "local" (host processes, the sandbox's default) or "kubernetes"
     * (pods through the pod plugin; docs/kubernetes.md). `aloft engine` only.
     */
    taskRuntime: string;
    /** With taskRuntime kubernetes: a YAML/JSON file of pod plugin settings (labels, tolerations, templates…; "" = defaults). */
    podPluginConfig: string;
  };
  /** Authentication and authorization (off by default; docs/security.md). */
  auth: AuthConfig;
  /**
   * Where admin hands launched executions: `local` (the engine's store: `aloft start`, or `aloft admin` + `aloft
   * engine` sharing storage) or `kubernetes` (a FlyteWorkflow resource per execution, run by `aloft engine
   * --kubernetes`; docs/kubernetes.md).
   */
  executor: "local" | "kubernetes";
  kubernetes: KubernetesConfig;
  clusterResources: ClusterResourcesConfig;
}

/** Admin's Kubernetes executor and the engine's Kubernetes mode (docs/kubernetes.md). */
export interface KubernetesConfig {
  /** A kubeconfig file; empty = KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
  kubeconfig: string;
  /** The namespace of an execution's resource (`namespace_mapping.template`). */
  namespaceTemplate: string;
  /** The engine watches only this namespace (propeller's limit-namespace); empty = all. */
  limitNamespace: string;
  /**
   * The engine runs only resources matching this label selector, e.g. `shard-key in (0,1,2,3)` (admin labels each
   * resource with `shard-key` = FNV-1a(name) mod 32); one engine Deployment per shard, each with its own leaseName.
   */
  shardSelector: string;
  /** Offload a resource's static part (spec, tasks) to the blob store above this size (bytes; 0 = always). */
  offloadAboveBytes: number;
  /** Informer resync of the engine (propeller's workflow-reeval-duration), seconds. */
  resyncSeconds: number;
  leaderElection: {
    enabled: boolean;
    /** Namespace of the Lease. */
    namespace: string;
    leaseName: string;
    leaseDurationSeconds: number;
    renewDeadlineSeconds: number;
    retryPeriodSeconds: number;
  };
  /** Finished resources are deleted once their completed-time hour is more than ttlHours old (max 23). */
  gc: { ttlHours: number; intervalSeconds: number };
}

/** A `{{ key }}` value of the cluster resource templates: for every domain, or for one (upstream's customData). */
export interface ClusterResourceValue {
  key: string;
  value: string;
  domain?: string;
}

/** `aloft clusterresource sync | run` (flyteadmin's clusterresource controller; docs/kubernetes.md). */
export interface ClusterResourcesConfig {
  /** Directory of `*.yaml` templates applied in every project-domain's namespace ("" = only the namespaces). */
  templatePath: string;
  /** Values of `{{ key }}`; a project-domain's CLUSTER_RESOURCE attributes override them. */
  templateData: ClusterResourceValue[];
  /** `aloft clusterresource run` syncs this often (upstream's refreshInterval). */
  refreshIntervalSeconds: number;
}

/** A role granted to a subject on a project and domain ("*" = all). */
export interface RoleBinding {
  subject: string;
  role: string;
  project?: string;
  domain?: string;
}

/** A confidential client of the built-in authorization server (client credentials grant). */
export interface AuthClientConfig {
  id: string;
  /** `scrypt$…` hash of the secret (`aloft secret init` writes them); empty: `<secretsDir>/<id>.secret-hash`. */
  secretHash: string;
  /** Scopes the client may ask for (default all, offline). */
  scopes?: string[];
}

export interface AuthConfig {
  enabled: boolean;
  /** Public base URL of admin's HTTP server: issuer and audience of tokens Aloft issues ("" = http://<host>:<httpPort>). */
  publicUrl: string;
  /** Written by `aloft secret init`: token signing keys, client secret hashes (relative paths are under dataDir). */
  secretsDir: string;
  /** gRPC metadata key carrying the token besides `authorization` (flyteadmin grpcAuthorizationHeader). */
  grpcAuthorizationHeader: string;
  /** Scope every access token must hold ("" = none), as flyteadmin's `all`. */
  requiredScope: string;
  /** "self": Aloft's own authorization server; "external": tokens from an OIDC/OAuth2 identity provider. */
  authServerType: string;
  self: {
    accessTokenLifetimeSeconds: number;
    /** Device flow (RFC 8628): how long a device code and its user code live. */
    deviceCodeLifetimeSeconds: number;
    /** Device flow: how often a device may poll the token endpoint (faster is `slow_down`). */
    deviceCodeIntervalSeconds: number;
    /** Confidential clients besides the engine's (flytepropeller). */
    clients: AuthClientConfig[];
  };
  external: {
    /** The IdP's issuer (`iss` of its tokens). */
    issuer: string;
    /** Where its signing keys are ("" = the jwks_uri of its /.well-known/openid-configuration). */
    jwksUri: string;
    /** Audience its tokens must carry for Aloft ("" = publicUrl). */
    audience: string;
    /** RFC 8414 document GetOAuth2Metadata returns ("" = <issuer>/.well-known/oauth-authorization-server). */
    metadataUrl: string;
    /** The console's confidential client at the IdP (/login, /callback; "" = console sign-in off). */
    consoleClientId: string;
    /** File holding that client's secret (relative paths are under dataDir). */
    consoleClientSecretFile: string;
  };
  /** Token subjects that act as the engine (the only callers of the event RPCs). */
  engineSubjects: string[];
  roles: {
    /** Token claim with role grants: `admin`, `<project>:viewer`, `<project>:<domain>:contributor`. */
    claim: string;
    bindings: RoleBinding[];
    /** Role every authenticated caller has everywhere ("" = none). */
    defaultRole: string;
  };
  /** What GetPublicClientConfig tells CLIs (flyteadmin thirdPartyConfig.flyteClient). */
  flyteClient: { clientId: string; redirectUri: string; scopes: string[]; audience: string };
  /** This process's own client credentials (`aloft engine`): id, and the file with its secret ("" = <secretsDir>/<id>.secret). */
  client: { id: string; secretFile: string };
}

export function defaultConfig(): AloftConfig {
  return {
    dataDir: ".aloft",
    server: {
      host: "127.0.0.1",
      grpcPort: 8089,
      httpPort: 8088,
      allowInsecureRemote: false,
      allowedHosts: [],
      allowCors: true,
      allowedOrigins: [],
      allowedHeaders: ["Content-Type", "flyte-authorization"],
      grpcReflection: true,
      maxMessageSizeBytes: 4 * 1024 * 1024,
      grpcMaxConcurrentStreams: 100,
      grpcIdleTimeoutMs: 300_000,
    },
    database: {
      kind: "sqlite",
      sqlitePath: "aloft.db",
      postgresUrl: "postgres://postgres@127.0.0.1:5432/aloft",
      maxConnections: 10,
    },
    storage: {
      kind: "local",
      localRoot: "blobs",
      bucket: "aloft",
      s3: { endpoint: "", region: "us-east-1", accessKeyId: "", secretAccessKey: "", forcePathStyle: true },
    },
    domains: [
      { id: "development", name: "development" },
      { id: "staging", name: "staging" },
      { id: "production", name: "production" },
    ],
    seedProjects: ["flytesnacks"],
    logging: { level: "info" },
    tracing: { otlpEndpoint: "", serviceName: "aloft" },
    limits: { maxListLimit: 0 },
    taskResources: {
      defaults: { cpu: "2", memory: "200Mi", gpu: "", ephemeralStorage: "" },
      limits: { cpu: "2", memory: "1Gi", gpu: "1", ephemeralStorage: "" },
    },
    registration: { maxWorkflowNodes: 100, maxLabelEntries: 0, maxAnnotationEntries: 0, workflowSizeLimit: "" },
    taskTypeWhitelist: [],
    dataProxy: {
      upload: {
        maxExpiresInSeconds: 3600,
        defaultFileNameLength: 20,
        storagePrefix: "",
        maxSizeBytes: 1024 * 1024 * 1024,
      },
      download: { maxExpiresInSeconds: 3600 },
      publicUrl: "",
      signingKey: "",
    },
    metadataStoragePrefix: ["metadata", "admin"],
    launchReconciler: { graceSeconds: 30, intervalSeconds: 60 },
    scheduler: {
      enabled: true,
      useUtcTz: true,
      maxCatchUp: 100,
      reloadIntervalSeconds: 10,
      concurrency: 16,
      maxAttempts: 10,
    },
    literalOffloading: { enabled: true, minSizeInMb: 1, maxSizeInMb: 1000 },
    engine: {
      workers: 4,
      pollIntervalMs: 500,
      maxConcurrentTasks: 8,
      taskSpawner: true,
      taskSpawnHelper: "",
      logDir: "logs",
      producerId: "propeller",
      metricsPort: 10254,
      cacheMaxAgeSeconds: 0,
      maxWorkflowRetries: 10,
      runAsUser: "",
      taskPath: [],
      taskRuntime: "local",
      podPluginConfig: "",
    },
    auth: {
      enabled: false,
      publicUrl: "",
      secretsDir: "secrets",
      grpcAuthorizationHeader: "flyte-authorization",
      requiredScope: "all",
      authServerType: "self",
      self: {
        accessTokenLifetimeSeconds: 1800,
        deviceCodeLifetimeSeconds: 600,
        deviceCodeIntervalSeconds: 5,
        clients: [],
      },
      external: {
        issuer: "",
        jwksUri: "",
        audience: "",
        metadataUrl: "",
        consoleClientId: "",
        consoleClientSecretFile: "",
      },
      engineSubjects: ["flytepropeller"],
      roles: { claim: "roles", bindings: [], defaultRole: "" },
      flyteClient: {
        clientId: "flytectl",
        redirectUri: "http://localhost:53593/callback",
        scopes: ["all", "offline"],
        audience: "",
      },
      client: { id: "flytepropeller", secretFile: "" },
    },
    executor: "local",
    kubernetes: {
      kubeconfig: "",
      namespaceTemplate: "{{ project }}-{{ domain }}",
      limitNamespace: "",
      shardSelector: "",
      offloadAboveBytes: 512 * 1024,
      resyncSeconds: 10,
      leaderElection: {
        enabled: true,
        namespace: "aloft",
        leaseName: "aloft-engine",
        leaseDurationSeconds: 15,
        renewDeadlineSeconds: 10,
        retryPeriodSeconds: 2,
      },
      gc: { ttlHours: 23, intervalSeconds: 1800 },
    },
    clusterResources: { templatePath: "", templateData: [], refreshIntervalSeconds: 60 },
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Deep-merges `over` onto `base`, checking every key and value type against the defaults. */
function merge(base: unknown, over: unknown, path: string): unknown {
  if (over === undefined) return base;
  if (Array.isArray(base)) {
    if (!Array.isArray(over)) throw configError(path, "expected a list");
    return over;
  }
  if (base !== null && typeof base === "object") {
    if (over === null || typeof over !== "object" || Array.isArray(over)) throw configError(path, "expected a mapping");
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over as Record<string, unknown>)) {
      if (!(k in out)) throw configError(path ? `${path}.${k}` : k, "unknown key");
      out[k] = merge(out[k], v, path ? `${path}.${k}` : k);
    }
    return out;
  }
  if (typeof base === "number") {
    const n = typeof over === "string" ? Number(over) : over;
    if (typeof n !== "number" || !Number.isFinite(n))
      throw configError(path, `expected a number, got ${JSON.stringify(over)}`);
    return n;
  }
  if (typeof base === "boolean") {
    if (typeof over === "boolean") return over;
    if (over === "true" || over === "1") return true;
    if (over === "false" || over === "0") return false;
    throw configError(path, `expected true or false, got ${JSON.stringify(over)}`);
  }
  if (typeof over !== "string") throw configError(path, `expected a string, got ${JSON.stringify(over)}`);
  return over;
}

function configError(path: string, reason: string) {
  return invalidArgument("config.invalid", `config ${path || "(root)"}: ${reason}`);
}

/** `ALOFT_SERVER__HTTP_PORT=9000` sets server.httpPort; lists are JSON or comma-separated; unrelated ALOFT_* are ignored. */
export function configFromEnv(
  env: NodeJS.ProcessEnv,
  defaults: AloftConfig = defaultConfig(),
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(env)) {
    if (!key.startsWith("ALOFT_") || raw === undefined) continue;
    if (key === "ALOFT_CONFIG") continue;
    const segments = key.slice("ALOFT_".length).toLowerCase().split("__").map(camel);
    // Other tools share the prefix (ALOFT_ENDPOINT for the CLI, ALOFT_TEST_* for tests): only top-level config keys
    // are read here; a typo below a known key is still reported.
    if (!(segments[0]! in defaults)) continue;
    let target: Record<string, unknown> = out;
    let shape: unknown = defaults;
    segments.forEach((seg, i) => {
      shape = shape && typeof shape === "object" ? (shape as Record<string, unknown>)[seg] : undefined;
      if (i === segments.length - 1) {
        target[seg] = Array.isArray(shape) ? parseList(raw) : raw;
      } else {
        target = (target[seg] ??= {}) as Record<string, unknown>;
      }
    });
  }
  return out;
}

function camel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function parseList(raw: string): Json {
  const t = raw.trim();
  if (t.startsWith("[")) return JSON.parse(t) as Json;
  return t === "" ? [] : t.split(",").map((s) => s.trim());
}

export interface LoadConfigOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: Record<string, unknown>;
}

export function loadConfig(options: LoadConfigOptions = {}): AloftConfig {
  const env = options.env ?? {};
  let cfg = defaultConfig() as unknown;
  const file = options.file ?? env.ALOFT_CONFIG;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw invalidArgument("config.unreadable", `config file ${file}: ${(e as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = parseYaml(text) ?? {};
    } catch (e) {
      throw invalidArgument("config.unreadable", `config file ${file}: ${(e as Error).message}`);
    }
    cfg = merge(cfg, doc, "");
  }
  cfg = merge(cfg, configFromEnv(env), "");
  if (options.overrides) cfg = merge(cfg, options.overrides, "");
  return validate(cfg as AloftConfig);
}

function validate(cfg: AloftConfig): AloftConfig {
  const port = (p: number, name: string) => {
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw configError(name, `port ${p} out of range`);
  };
  port(cfg.server.grpcPort, "server.grpcPort");
  port(cfg.server.httpPort, "server.httpPort");
  port(cfg.engine.metricsPort, "engine.metricsPort");
  if (!Number.isInteger(cfg.server.maxMessageSizeBytes) || cfg.server.maxMessageSizeBytes < 1) {
    throw configError("server.maxMessageSizeBytes", "must be a positive whole number of bytes");
  }
  if (!Number.isInteger(cfg.server.grpcMaxConcurrentStreams) || cfg.server.grpcMaxConcurrentStreams < 1) {
    throw configError("server.grpcMaxConcurrentStreams", "must be 1 or more");
  }
  if (!(cfg.server.grpcIdleTimeoutMs >= 0)) throw configError("server.grpcIdleTimeoutMs", "must be 0 or more");
  for (const key of ["maxCatchUp", "concurrency", "maxAttempts"] as const) {
    if (!(Number.isInteger(cfg.scheduler[key]) && cfg.scheduler[key] >= 1))
      throw configError(`scheduler.${key}`, "must be a whole number, 1 or more");
  }
  if (!(cfg.scheduler.reloadIntervalSeconds > 0))
    throw configError("scheduler.reloadIntervalSeconds", "must be more than 0");
  if (!(cfg.launchReconciler.graceSeconds >= 0))
    throw configError("launchReconciler.graceSeconds", "must be 0 or more");
  if (!(cfg.launchReconciler.intervalSeconds >= 0))
    throw configError("launchReconciler.intervalSeconds", "must be 0 or more");
  if (!(cfg.engine.cacheMaxAgeSeconds >= 0)) throw configError("engine.cacheMaxAgeSeconds", "must be 0 or more");
  if (!Number.isInteger(cfg.engine.maxWorkflowRetries) || cfg.engine.maxWorkflowRetries < 0) {
    throw configError("engine.maxWorkflowRetries", "must be a whole number, 0 or more");
  }
  const positive = (n: number, name: string) => {
    if (!Number.isInteger(n) || n < 1) throw configError(name, `must be a positive integer, got ${n}`);
  };
  positive(cfg.dataProxy.upload.maxExpiresInSeconds, "dataProxy.upload.maxExpiresInSeconds");
  positive(cfg.dataProxy.upload.defaultFileNameLength, "dataProxy.upload.defaultFileNameLength");
  positive(cfg.dataProxy.upload.maxSizeBytes, "dataProxy.upload.maxSizeBytes");
  positive(cfg.dataProxy.download.maxExpiresInSeconds, "dataProxy.download.maxExpiresInSeconds");
  if (cfg.dataProxy.publicUrl !== "" && !/^https?:\/\/[^/]/.test(cfg.dataProxy.publicUrl)) {
    throw configError("dataProxy.publicUrl", `must be an http(s) URL, got ${JSON.stringify(cfg.dataProxy.publicUrl)}`);
  }
  if (!["sqlite", "postgres"].includes(cfg.database.kind))
    throw configError("database.kind", "must be sqlite or postgres");
  if (!["local", "s3"].includes(cfg.storage.kind)) throw configError("storage.kind", "must be local or s3");
  if (!["local", "kubernetes"].includes(cfg.engine.taskRuntime))
    throw configError("engine.taskRuntime", "must be local or kubernetes");
  validateAuth(cfg.auth);
  if (!["local", "kubernetes"].includes(cfg.executor)) throw configError("executor", "must be local or kubernetes");
  const le = cfg.kubernetes.leaderElection;
  if (!(le.leaseDurationSeconds > le.renewDeadlineSeconds && le.renewDeadlineSeconds > le.retryPeriodSeconds * 1.2))
    throw configError(
      "kubernetes.leaderElection",
      "needs leaseDurationSeconds > renewDeadlineSeconds > 1.2 × retryPeriodSeconds",
    );
  if (!(cfg.kubernetes.gc.ttlHours >= 0 && cfg.kubernetes.gc.ttlHours <= 23))
    throw configError("kubernetes.gc.ttlHours", "must be between 0 and 23 (hour buckets, as propeller)");
  if (!(cfg.clusterResources.refreshIntervalSeconds > 0))
    throw configError("clusterResources.refreshIntervalSeconds", "must be more than 0");
  for (const [i, v] of cfg.clusterResources.templateData.entries()) {
    const at = `clusterResources.templateData[${i}]`;
    if (!v || typeof v !== "object" || typeof v.key !== "string" || v.key === "" || typeof v.value !== "string")
      throw configError(at, "needs a key and a string value (and optionally a domain)");
    if (v.domain !== undefined && typeof v.domain !== "string") throw configError(`${at}.domain`, "must be a string");
    if (["namespace", "project", "domain"].includes(v.key))
      throw configError(`${at}.key`, `{{ ${v.key} }} is set by the controller, not by configuration`);
  }
  if (cfg.domains.length === 0) throw configError("domains", "at least one domain is required");
  for (const d of cfg.domains) {
    if (!d || typeof d.id !== "string" || d.id === "") throw configError("domains", "each domain needs an id");
    if (typeof d.name !== "string" || d.name === "") d.name = d.id;
  }
  return cfg;
}

const ROLES = ["viewer", "contributor", "admin"];

function validateAuth(a: AuthConfig): void {
  if (a.authServerType !== "self" && a.authServerType !== "external")
    throw configError("auth.authServerType", "must be self or external");
  if (a.enabled && a.authServerType === "external" && a.external.issuer === "")
    throw configError("auth.external.issuer", "required when authServerType is external");
  if (!(a.self.accessTokenLifetimeSeconds > 0))
    throw configError("auth.self.accessTokenLifetimeSeconds", "must be more than 0");
  if (!(a.self.deviceCodeLifetimeSeconds > 0))
    throw configError("auth.self.deviceCodeLifetimeSeconds", "must be more than 0");
  if (!(Number.isInteger(a.self.deviceCodeIntervalSeconds) && a.self.deviceCodeIntervalSeconds >= 1))
    throw configError("auth.self.deviceCodeIntervalSeconds", "must be a whole number of seconds, at least 1");
  if (a.roles.defaultRole !== "" && !ROLES.includes(a.roles.defaultRole))
    throw configError("auth.roles.defaultRole", `must be one of ${ROLES.join(", ")}`);
  a.roles.bindings.forEach((b, i) => {
    const path = `auth.roles.bindings[${i}]`;
    if (!b || typeof b !== "object" || typeof b.subject !== "string" || b.subject === "")
      throw configError(path, "needs a subject");
    if (!ROLES.includes(b.role)) throw configError(`${path}.role`, `must be one of ${ROLES.join(", ")}`);
    for (const k of ["project", "domain"] as const) {
      if (b[k] !== undefined && (typeof b[k] !== "string" || b[k] === ""))
        throw configError(`${path}.${k}`, 'must be a non-empty string ("*" = all)');
    }
  });
  a.self.clients.forEach((c, i) => {
    const path = `auth.self.clients[${i}]`;
    if (!c || typeof c !== "object" || typeof c.id !== "string" || c.id === "") throw configError(path, "needs an id");
    if (c.secretHash !== undefined && typeof c.secretHash !== "string")
      throw configError(`${path}.secretHash`, "must be a string");
    c.secretHash ??= "";
    if (c.scopes !== undefined && !(Array.isArray(c.scopes) && c.scopes.every((s) => typeof s === "string")))
      throw configError(`${path}.scopes`, "must be a list of strings");
  });
}

/** Resolves a path that may be relative to the data directory. */
export function underDataDir(cfg: AloftConfig, p: string): string {
  return p === ":memory:" ? p : resolve(cfg.dataDir, p);
}

// One typed configuration for every Aloft process: defaults < YAML file < environment < flags.
// Validated once at start-up; a bad value is reported with its path and the reason.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { invalidArgument } from "./errors.ts";

export interface Domain {
  id: string;
  name: string;
}

export interface AloftConfig {
  /** Where the sandbox keeps its SQLite database, blobs and logs. */
  dataDir: string;
  server: {
    host: string;
    grpcPort: number;
    httpPort: number;
    allowCors: boolean;
    allowedOrigins: string[];
    allowedHeaders: string[];
    grpcReflection: boolean;
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
  /** The execution engine started by `aloft start` / `aloft engine`. */
  engine: {
    /** Worker count (rounds run concurrently for different executions). */
    workers: number;
    /** How often a running execution is looked at when nothing woke it (ms). */
    pollIntervalMs: number;
    /** Task processes run at once by the local-process plugin; more wait as WaitingForResources. */
    maxConcurrentTasks: number;
    /** Task logs (relative paths are under dataDir). */
    logDir: string;
    /** Event producer id (propeller's cluster-id). */
    producerId: string;
    /** `aloft engine` serves its Prometheus metrics on this port at /metrics (propeller's profiler port); 0 = off. */
    metricsPort: number;
    /** Cached task outputs older than this many seconds are not used (0 = they never expire). */
    cacheMaxAgeSeconds: number;
    /**
     * Directories put first on task processes' PATH (e.g. where flytekit's `pyflyte-execute` and
     * `pyflyte-fast-execute` live); the engine's own PATH follows.
     */
    taskPath: string[];
  };
}

export function defaultConfig(): AloftConfig {
  return {
    dataDir: ".aloft",
    server: {
      host: "0.0.0.0",
      grpcPort: 8089,
      httpPort: 8088,
      allowCors: true,
      allowedOrigins: ["*"],
      allowedHeaders: ["Content-Type", "flyte-authorization"],
      grpcReflection: true,
    },
    database: { kind: "sqlite", sqlitePath: "aloft.db", postgresUrl: "postgres://postgres@127.0.0.1:5432/aloft", maxConnections: 10 },
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
      upload: { maxExpiresInSeconds: 3600, defaultFileNameLength: 20, storagePrefix: "", maxSizeBytes: 1024 * 1024 * 1024 },
      download: { maxExpiresInSeconds: 3600 },
      publicUrl: "",
      signingKey: "",
    },
    metadataStoragePrefix: ["metadata", "admin"],
    engine: {
      workers: 4,
      pollIntervalMs: 500,
      maxConcurrentTasks: 8,
      logDir: "logs",
      producerId: "propeller",
      metricsPort: 10254,
      cacheMaxAgeSeconds: 0,
      taskPath: [],
    },
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
    if (typeof n !== "number" || !Number.isFinite(n)) throw configError(path, `expected a number, got ${JSON.stringify(over)}`);
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
export function configFromEnv(env: NodeJS.ProcessEnv, defaults: AloftConfig = defaultConfig()): Record<string, unknown> {
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
  if (!(cfg.engine.cacheMaxAgeSeconds >= 0)) throw configError("engine.cacheMaxAgeSeconds", "must be 0 or more");
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
  if (!["sqlite", "postgres"].includes(cfg.database.kind)) throw configError("database.kind", "must be sqlite or postgres");
  if (!["local", "s3"].includes(cfg.storage.kind)) throw configError("storage.kind", "must be local or s3");
  if (cfg.domains.length === 0) throw configError("domains", "at least one domain is required");
  for (const d of cfg.domains) {
    if (!d || typeof d.id !== "string" || d.id === "") throw configError("domains", "each domain needs an id");
    if (typeof d.name !== "string" || d.name === "") d.name = d.id;
  }
  return cfg;
}

/** Resolves a path that may be relative to the data directory. */
export function underDataDir(cfg: AloftConfig, p: string): string {
  return p === ":memory:" ? p : resolve(cfg.dataDir, p);
}

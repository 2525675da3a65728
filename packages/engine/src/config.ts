// Engine settings and their defaults (upstream flytepropeller/pkg/controller/config/config.go, scaled for one process on a laptop). The settings a
// user can set in the platform's config file (its `engine` section: workers, poll interval, producer id, round retries,
// cache age) take their defaults from there, so that an Engine built without them behaves as `aloft start`'s does;
// the rest are the engine's own.
import { defaultConfig } from "@aloft/core";
import { defaultLiteralOffloadingConfig, type LiteralOffloadingConfig } from "@aloft/core";
export interface EngineConfig {
  /** Worker count (upstream default 20, chart 4). */
  workers: number;
  /** Event `producer_id` (upstream `cluster-id`). */
  producerId: string;
  /** Prefix of per-execution data dirs in the blob store. */
  metadataPrefix: string;
  /** Rounds per handling of one key while the status keeps changing. */
  maxStreakLength: number;
  /** Round errors tolerated before the execution is failed. */
  maxWorkflowRetries: number;
  /** Retries after SYSTEM errors per node, independent of user retries. */
  maxNodeSystemRetries: number;
  /** Attempts when neither the node nor the task says. */
  defaultMaxAttempts: number;
  /** Negative: the last |n| system-retry attempts run non-interruptible; positive: from that many system failures on. */
  interruptibleFailureThreshold: number;
  maxPluginPhaseVersions: number;
  /**
   * Least time between an array node's RUNNING task events: sub-node changes in between go out together in the next
   * one (admin rewrites the task execution's resource list, one entry per element, on every event). 0 = every round.
   */
  arrayEventIntervalMs: number;
  /** How long a running execution waits before the next round when nothing changed (upstream: pod watch + resync). */
  pollIntervalMs: number;
  /**
   * How often the store is re-listed for executions this instance has not been told about (an admin in another
   * process launched them into the shared store; upstream's informer resync). 0 = never (in-process sandbox).
   */
  resyncIntervalMs: number;
  /** Backoff after a failed round: base doubled per consecutive failure, capped. */
  roundErrorBackoffMs: number;
  roundErrorBackoffMaxMs: number;
  /** Largest outputs.pb / error.pb read (upstream storage.limits.maxDownloadMBs = 2). */
  maxOutputBytes: number;
  /** Event version when the launch spec does not say (admin's default). */
  eventVersion: number;
  /** Delays before retrying an event admin answered UNAVAILABLE / DEADLINE_EXCEEDED / RESOURCE_EXHAUSTED. */
  eventRetryDelaysMs: readonly number[];
  /** Raw output prefix when the launch spec has none (a URI, or a key of the engine's blob store). */
  rawOutputPrefix: string;
  /** Cached outputs older than this are a cache miss (upstream catalog-cache.max-cache-age); 0 = no limit. */
  cacheMaxAgeMs: number;
  /** Array-node outputs at or above minSizeInMb are stored once and passed by reference (upstream flytepropeller/pkg/controller/nodes/common/utils.go; on by default). */
  literalOffloading: LiteralOffloadingConfig;
}

const platform = defaultConfig().engine;

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  workers: platform.workers,
  producerId: platform.producerId,
  metadataPrefix: "metadata/propeller",
  maxStreakLength: 8,
  maxWorkflowRetries: platform.maxWorkflowRetries,
  maxNodeSystemRetries: 3,
  defaultMaxAttempts: 1,
  interruptibleFailureThreshold: -1,
  maxPluginPhaseVersions: 100000,
  arrayEventIntervalMs: 1000,
  pollIntervalMs: platform.pollIntervalMs,
  resyncIntervalMs: 0,
  roundErrorBackoffMs: 100,
  roundErrorBackoffMaxMs: 10000,
  maxOutputBytes: 2 * 1024 * 1024,
  eventVersion: 2,
  rawOutputPrefix: "raw",
  eventRetryDelaysMs: [10, 50, 200],
  cacheMaxAgeMs: platform.cacheMaxAgeSeconds * 1000,
  literalOffloading: defaultLiteralOffloadingConfig(),
};

export function engineConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  return { ...DEFAULT_ENGINE_CONFIG, ...overrides };
}

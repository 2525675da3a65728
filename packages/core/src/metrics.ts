// The metrics admin records, as an interface: callers (admin's RPC middleware, the /metrics routes) depend on this
// only. The Prometheus implementation (prom-client, an injected registry) is @aloft/platform's prom-metrics.ts, built
// by the composition roots, so that core does not pull in prom-client.

/** Label values by label name (a missing label is recorded empty, as prom-client does). */
export type MetricLabels<L extends string> = Partial<Record<L, string | number>>;

export interface CounterMetric<L extends string> {
  inc(labels: MetricLabels<L>, value?: number): void;
}

export interface HistogramMetric<L extends string> {
  observe(labels: MetricLabels<L>, value: number): void;
}

/** What GET /metrics serves: the exposition text and its content type. */
export interface MetricsRegistry {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** `R` is the implementation's registry, for composition roots that register more metrics on it (the engine's). */
export interface Metrics<R extends MetricsRegistry = MetricsRegistry> {
  registry: R;
  rpcRequests: CounterMetric<"method" | "code" | "transport">;
  rpcLatency: HistogramMetric<"method" | "transport">;
}

/** The scheduler's metrics (upstream's successful/failed execution counters, plus lag behind the schedule). */
export interface SchedulerMetrics {
  /** Fire times launched (or found ALREADY_EXISTS), by outcome: launched | exists | skipped_inactive_project. */
  fires: CounterMetric<"outcome">;
  /** Failed launch attempts, by gRPC code name. */
  failures: CounterMetric<"code">;
  /** Seconds between a fire time and its launch completing. */
  lag: HistogramMetric<never>;
  /** Fire times dropped because a catch-up exceeded scheduler.maxCatchUp, or given up after maxAttempts. */
  dropped: CounterMetric<"reason">;
}

// Prometheus metrics on an injected registry (no global default registry), served at /metrics: core's Metrics
// interface implemented with prom-client.
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Metrics, SchedulerMetrics } from "@aloft/core";

/** Metrics on a prom-client registry, on which the composition root also registers the engine's metrics. */
export type PromMetrics = Metrics<Registry>;

export function createMetrics(options: { defaultMetrics?: boolean } = {}): PromMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "aloft_" });
  return {
    registry,
    rpcRequests: new Counter({
      name: "aloft_admin_rpc_requests_total",
      help: "Admin RPCs served, by method, gRPC code and transport",
      labelNames: ["method", "code", "transport"],
      registers: [registry],
    }),
    rpcLatency: new Histogram({
      name: "aloft_admin_rpc_duration_seconds",
      help: "Admin RPC latency",
      labelNames: ["method", "transport"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

/** The scheduler's metrics on `registry` (once per registry: `aloft start` and `aloft scheduler` each build one). */
export function createSchedulerMetrics(registry: Registry): SchedulerMetrics {
  return {
    fires: new Counter({
      name: "aloft_scheduler_fires_total",
      help: "Scheduled fire times launched, by outcome (launched, exists, skipped_inactive_project)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    failures: new Counter({
      name: "aloft_scheduler_failures_total",
      help: "Failed attempts to launch a scheduled execution, by gRPC code",
      labelNames: ["code"],
      registers: [registry],
    }),
    lag: new Histogram({
      name: "aloft_scheduler_fire_lag_seconds",
      help: "Seconds between a scheduled time and its execution being created",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers: [registry],
    }),
    dropped: new Counter({
      name: "aloft_scheduler_dropped_total",
      help: "Fire times not launched: beyond the catch-up bound, or given up after the attempts",
      labelNames: ["reason"],
      registers: [registry],
    }),
  };
}

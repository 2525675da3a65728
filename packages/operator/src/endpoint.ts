// The operator's HTTP endpoint for the kubelet and Prometheus: /healthz (the process runs), /readyz (a follower, or a
// leader whose caches have synced), /metrics (Prometheus text: reconciles by outcome, errors, queue depth, leadership).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Operator } from "./operator.ts";

export function operatorMetrics(operator: Operator): string {
  const { stats, queue } = operator.controller;
  const lines = [
    "# HELP aloft_operator_reconciles_total TrackingServer reconciles by outcome.",
    "# TYPE aloft_operator_reconciles_total counter",
    ...Object.entries(stats.byOutcome).map(([o, n]) => `aloft_operator_reconciles_total{outcome="${o}"} ${n}`),
    "# HELP aloft_operator_reconcile_errors_total Reconciles that failed and were requeued with backoff.",
    "# TYPE aloft_operator_reconcile_errors_total counter",
    `aloft_operator_reconcile_errors_total ${stats.errors}`,
    "# HELP aloft_operator_queue_depth Keys waiting in the work queue.",
    "# TYPE aloft_operator_queue_depth gauge",
    `aloft_operator_queue_depth ${queue.length}`,
    "# HELP aloft_operator_leader 1 when this replica holds the lease.",
    "# TYPE aloft_operator_leader gauge",
    `aloft_operator_leader ${operator.isLeader() ? 1 : 0}`,
  ];
  return `${lines.join("\n")}\n`;
}

export interface OperatorEndpoint {
  readonly port: number;
  close(): Promise<void>;
}

export async function startOperatorEndpoint(operator: Operator, host: string, port: number): Promise<OperatorEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const text = (code: number, body: string, type = "text/plain; charset=utf-8") =>
      res.writeHead(code, { "content-type": type }).end(body);
    if (path === "/healthz") return text(200, "ok\n");
    if (path === "/readyz") return operator.isReady() ? text(200, "ok\n") : text(503, "caches not synced\n");
    if (path === "/metrics") return text(200, operatorMetrics(operator), "text/plain; version=0.0.4; charset=utf-8");
    return text(404, "not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

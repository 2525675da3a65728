// A small HTTP listener for a process without admin's HTTP server (`aloft engine`): GET /metrics answers the registry
// in Prometheus text format (as propeller serves its metrics on its profiler port), /healthcheck answers 200.
import { createServer } from "node:http";
import type { Logger } from "@aloft/core";
import type { Metrics } from "@aloft/core";
import { listen, type RunningHttpServer } from "@aloft/admin";

type Registry = Metrics["registry"];

export type RunningMetricsListener = RunningHttpServer;

export async function startMetricsListener(
  registry: Registry,
  host: string,
  port: number,
  logger: Logger,
): Promise<RunningMetricsListener> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/healthcheck") {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("ok\n");
      return;
    }
    if (path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { "content-type": registry.contentType });
        res.end(req.method === "HEAD" ? undefined : body);
      },
      (err: unknown) => {
        logger.error({ err }, "collecting metrics failed");
        res.writeHead(500).end();
      },
    );
  });
  return listen(server, host, port);
}

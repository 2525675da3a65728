// The HTTP listener: the gateway (with its extra routes) on node:http, closed gracefully.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@aloft/core";
import type { HttpGateway } from "./gateway.ts";

export interface RunningHttpServer {
  port: number;
  /** The address actually bound (e.g. 127.0.0.1, ::). */
  address: string;
  close(): Promise<void>;
}

export async function startHttpServer(
  gateway: HttpGateway,
  host: string,
  port: number,
  logger: Logger,
): Promise<RunningHttpServer> {
  const server = createServer((req, res) => {
    gateway.handle(req, res).catch((err: unknown) => {
      logger.error({ err }, "http handler failed");
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  return listen(server, host, port);
}

/** Starts `server` on host:port (0 = any free port); close() stops accepting and ends idle keep-alive connections. */
export async function listen(server: Server, host: string, port: number): Promise<RunningHttpServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    port: bound.port,
    address: bound.address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

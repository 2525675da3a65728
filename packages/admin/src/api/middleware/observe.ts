// Logs and measures every unary RPC on both transports, with the request id in every log line.
import { AloftError, Code } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { Metrics } from "@aloft/core";
import type { UnaryMiddleware } from "../rpc.ts";

export function observeMiddleware(logger: Logger, metrics: Metrics): UnaryMiddleware {
  return async (method, req, ctx, next) => {
    const started = process.hrtime.bigint();
    let code = Code.OK;
    try {
      return await next(req, ctx);
    } catch (err) {
      code = err instanceof AloftError ? err.code : Code.INTERNAL;
      throw err;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.rpcRequests.inc({ method: method.name, code: Code[code], transport: ctx.transport });
      metrics.rpcLatency.observe({ method: method.name, transport: ctx.transport }, seconds);
      if (logger.isLevelEnabled("debug") || code === Code.INTERNAL) {
        logger[code === Code.INTERNAL ? "error" : "debug"](
          {
            method: method.name,
            code: Code[code],
            requestId: ctx.requestId,
            transport: ctx.transport,
            ms: seconds * 1000,
          },
          "rpc",
        );
      }
    }
  };
}

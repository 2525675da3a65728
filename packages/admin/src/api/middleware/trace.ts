// One span per RPC (both transports) when tracing is enabled.
import { AloftError, Code } from "@aloft/core";
import type { Tracing } from "@aloft/core";
import type { UnaryMiddleware } from "../rpc.ts";

export function traceMiddleware(tracing: Tracing): UnaryMiddleware {
  return (method, req, ctx, next) =>
    tracing.tracer.startServerSpan(
      `${method.parent.typeName}/${method.name}`,
      {
        "rpc.system": "grpc",
        "rpc.service": method.parent.typeName,
        "rpc.method": method.name,
        "aloft.request_id": ctx.requestId,
        "aloft.transport": ctx.transport,
      },
      async (span) => {
        try {
          const res = await next(req, ctx);
          span.setAttribute("rpc.grpc.status_code", Code.OK);
          return res;
        } catch (err) {
          const code = err instanceof AloftError ? err.code : Code.INTERNAL;
          span.setAttribute("rpc.grpc.status_code", code);
          if (code === Code.INTERNAL || code === Code.UNKNOWN) span.fail(String(err));
          throw err;
        } finally {
          span.end();
        }
      },
    );
}

// The HTTP gateway: a grpc-gateway v2 compatible transcoder on node:http (upstream flyteadmin/pkg/server/service.go). Routes come from the
// `google.api.http` options of the bound services; each call runs the same handler + middleware as gRPC.
//   request → Host check (not /healthcheck) → CORS → foreign-origin writes refused → clean-path redirect
//   → /healthcheck → extraRoutes → route match → body type check for writes → bind body/path/query → handler → marshal.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRegistry, isMessage, type DescFile, type Message, type Registry } from "@bufbuild/protobuf";
import { file_google_rpc_status } from "@aloft/idl/google/rpc/status_pb.js";
import { AloftError, Code, toAloftError } from "@aloft/core";
import { newRequestId } from "@aloft/core";
import type { Logger } from "@aloft/core";
import {
  resolveHandler,
  type CallContext,
  type ServiceBinding,
  type UnaryHandler,
  type UnaryMiddleware,
} from "../rpc.ts";
import { DEFAULT_MAX_BODY_BYTES } from "./body.ts";
import { createCors, type CorsOptions } from "./cors.ts";
import { contentTypeProblem, createHostCheck, crossOriginProblem, STATE_CHANGING_METHODS } from "./request-guard.ts";
import { forwardResponseHeaders } from "./forward-response.ts";
import { headerSafe, incomingMetadata, writeResponseMetadata } from "./headers.ts";
import { routingErrors, writeError } from "./http-errors.ts";
import { jsonMarshaler, MIME_JSON, MIME_PROTO, protoMarshaler, type Marshaler } from "./marshalers.ts";
import { marshalersForRequest, type MarshalerRegistry } from "./negotiation.ts";
import { goUnescape } from "./query.ts";
import { bindRequest } from "./request-binding.ts";
import { buildRoutes, createRouter, type Route, type RouteInfo } from "./router.ts";
import { cleanPath, redirectPermanently } from "./server-mux.ts";
import { jsonEncoders as encoders } from "./span-json.ts";
import type { RequestScope } from "../../auth/request-scope.ts";
import { encodeOnce } from "../../managers/immutable-messages.ts";

export type { RouteInfo } from "./router.ts";

/**
 * A plain HTTP route beside the gateway. With auth on it needs a token and `view`: on the project and domain its
 * `scopeOf` finds in the request (undefined: on every project), or, without `scopeOf`, on any project.
 */
export type ExtraRoute = ((req: IncomingMessage, res: ServerResponse) => void | Promise<void>) & {
  scopeOf?: (req: IncomingMessage) => Promise<RequestScope | undefined>;
};

export interface HttpGatewayOptions {
  bindings: ServiceBinding[];
  middleware: UnaryMiddleware[];
  logger: Logger;
  cors: CorsOptions;
  /**
   * Host header names answered besides localhost and IP literals (the DNS-rebinding guard, request-guard.ts); `*`
   * answers any. /healthcheck is answered whatever the Host (probes use the pod IP or a service name).
   */
  allowedHosts?: string[];
  /** Served before the gateway: exact paths, or prefixes ending in `/` (longest prefix wins). */
  extraRoutes?: Record<string, ExtraRoute>;
  /** Request bodies above this are refused while streaming: RESOURCE_EXHAUSTED, HTTP 413 (default 4 MiB). */
  maxBodyBytes?: number;
  /** Which request headers become call metadata, and under which key (flyteadmin's CustomerHeaderMatcher). */
  headerMatcher?: (header: string) => string | false;
}

export interface HttpGateway {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  routes: RouteInfo[];
}

export function createHttpGateway(options: HttpGatewayOptions): HttpGateway {
  const logger = options.logger.child({ component: "http-gateway" });
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const routes = buildRoutes(options.bindings, logger);
  const router = createRouter(routes);
  const handlers = new Map<Route, UnaryHandler>(
    routes.map((r) => [r, resolveHandler(r.binding, r.desc, options.middleware)]),
  );
  logger.debug({ routes: routes.length }, "http gateway routes ready");
  const registry = registryFor(options.bindings);
  const marshalers: MarshalerRegistry = {
    byMime: new Map<string, Marshaler>([
      [
        MIME_JSON,
        jsonMarshaler({ name: "json", useProtoFieldName: true, ignoreUnknownFields: false, registry, encoders }),
      ],
      [MIME_PROTO, protoMarshaler()],
    ]),
    wildcard: jsonMarshaler({
      name: "wildcard",
      useProtoFieldName: false,
      ignoreUnknownFields: true,
      registry,
      encoders,
    }),
  };
  const cors = createCors(options.cors);
  const hostCheck = createHostCheck(options.allowedHosts ?? []);
  const extras = Object.entries(options.extraRoutes ?? {});

  const findExtra = (path: string): ExtraRoute | undefined => {
    let best: [string, ExtraRoute] | undefined;
    for (const [key, handler] of extras) {
      if (key === path) return handler;
      if (key.endsWith("/") && path.startsWith(key) && (!best || key.length > best[0].length)) best = [key, handler];
    }
    return best?.[1];
  };

  async function serveGateway(
    req: IncomingMessage,
    res: ServerResponse,
    rawPath: string,
    rawQuery: string,
  ): Promise<void> {
    const requestId = firstHeader(req, "x-request-id") || newRequestId();
    res.setHeader("x-request-id", headerSafe(requestId));
    const { inbound, outbound } = marshalersForRequest(marshalers, req.headersDistinct);
    const fail = (err: AloftError, metadata?: Headers) =>
      writeError(res, err, { marshaler: outbound, registry, metadata });

    if (!rawPath.startsWith("/")) return fail(routingErrors.badRequest());
    let path: string;
    try {
      path = goUnescape(rawPath, false);
    } catch (err) {
      return fail(routingErrors.badRequest((err as Error).message));
    }
    // POST with a form body may stand in for a GET (path length fallback), or for any method named by
    // X-HTTP-Method-Override; the form fields then count as query parameters.
    const formPost = req.method === "POST" && firstHeader(req, "content-type") === "application/x-www-form-urlencoded";
    const override = formPost ? firstHeader(req, "x-http-method-override").toUpperCase() : "";
    const method = override || req.method || "GET";
    const match = router.match(method, path.slice(1).split("/"), formPost && !override);
    if (match.kind !== "route") {
      req.resume();
      return fail(match.kind === "not-found" ? routingErrors.notFound() : routingErrors.methodNotAllowed());
    }
    const { route } = match;
    // A write must be a type that makes browsers preflight; a form POST that the router serves as a GET reads only.
    const effectiveMethod = match.fallback ? "GET" : method;
    if (STATE_CHANGING_METHODS.has(effectiveMethod)) {
      const problem = contentTypeProblem(req);
      if (problem) {
        req.resume();
        return writeError(res, problem, { marshaler: outbound, registry, httpStatus: 415 });
      }
    }

    const aborter = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) aborter.abort(new AloftError(Code.CANCELLED, "http.aborted", "client went away"));
    });
    let request: Message;
    try {
      const formBody = match.fallback || override !== "";
      request = await bindRequest({ route, params: match.params, rawQuery, formBody, req, inbound, maxBodyBytes });
    } catch (err) {
      return fail(toAloftError(err));
    }
    const ctx: CallContext = {
      requestId,
      headers: incomingMetadata(req, options.headerMatcher),
      responseHeaders: new Headers(),
      signal: aborter.signal,
      transport: "http",
      peer: { address: req.socket.remoteAddress ?? "" },
    };
    const handler = handlers.get(route) as UnaryHandler;
    let response: Message;
    try {
      response = await handler(request, ctx);
      if (!isMessage(response, route.desc.output)) {
        const got = isMessage(response as unknown) ? (response as { $typeName: string }).$typeName : typeof response;
        throw new AloftError(
          Code.INTERNAL,
          "http.bad_response",
          `handler for ${route.rpc} returned ${got}, expected ${route.desc.output.typeName}`,
        );
      }
    } catch (err) {
      if (!(err instanceof AloftError)) logger.error({ err, rpc: route.rpc, requestId }, "handler failed");
      return fail(toAloftError(err), ctx.responseHeaders);
    }
    let body: Uint8Array;
    try {
      body = encodeOnce(response, outbound.name, () => outbound.marshal(route.desc.output, response));
    } catch (err) {
      logger.error({ err, rpc: route.rpc, requestId }, "response marshal failed");
      return fail(
        new AloftError(Code.UNKNOWN, "http.marshal", err instanceof Error ? err.message : String(err)),
        ctx.responseHeaders,
      );
    }
    if (res.writableEnded || res.destroyed) return;
    writeResponseMetadata(res, ctx.responseHeaders);
    forwardResponseHeaders(res, response);
    res.setHeader("Content-Type", outbound.contentType);
    res.statusCode = 200;
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const { rawPath, rawQuery } = splitRequestTarget(req.url ?? "/");
      if (rawPath === "*" && req.method === "OPTIONS") {
        // `OPTIONS *` is answered by Go's http server itself.
        req.resume();
        res.statusCode = 200;
        res.end();
        return;
      }
      if (rawPath !== "/healthcheck") {
        const wrongHost = hostCheck.problem(req);
        if (wrongHost) {
          req.resume();
          res.writeHead(421, { "Content-Type": "text/plain; charset=utf-8" });
          res.end(`421 Misdirected Request: ${wrongHost}\n`);
          return;
        }
      }
      if (cors.handle(req, res) === "answered") {
        req.resume();
        return;
      }
      const foreign = crossOriginProblem(req, cors.originAllowed);
      if (foreign) {
        req.resume();
        return writeError(res, foreign, {
          marshaler: marshalersForRequest(marshalers, req.headersDistinct).outbound,
          registry,
        });
      }
      if (rawPath.startsWith("/")) {
        const clean = cleanPath(rawPath);
        if (clean !== rawPath) return redirectPermanently(req, res, rawQuery === "" ? clean : `${clean}?${rawQuery}`);
      }
      if (rawPath === "/healthcheck") {
        req.resume();
        res.statusCode = 200;
        res.end();
        return;
      }
      const extra = findExtra(rawPath);
      if (extra) {
        await extra(req, res);
        return;
      }
      await serveGateway(req, res, rawPath, rawQuery);
    } catch (err) {
      logger.error({ err, url: req.url }, "http gateway failed");
      writeError(res, toAloftError(err), { marshaler: marshalers.wildcard, registry });
    }
  }

  return {
    handle,
    routes: routes.map(({ method, path, service, rpc, body }) => ({ method, path, service, rpc, body })),
  };
}

/** Splits `req.url` (origin-form, or absolute-form `http://host/p?q`) into the raw path and raw query. */
function splitRequestTarget(url: string): { rawPath: string; rawQuery: string } {
  let target = url;
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  if (abs) target = target.slice(abs[0].length) || "/";
  const hash = target.indexOf("#");
  if (hash !== -1) target = target.slice(0, hash);
  const q = target.indexOf("?");
  return q === -1 ? { rawPath: target, rawQuery: "" } : { rawPath: target.slice(0, q), rawQuery: target.slice(q + 1) };
}

function firstHeader(req: IncomingMessage, name: string): string {
  return req.headersDistinct[name]?.[0] ?? "";
}

/** Every file the bound services use (transitively), so JSON can (un)pack any Any they carry. */
function registryFor(bindings: readonly ServiceBinding[]): Registry {
  const files = new Set<DescFile>();
  const visit = (file: DescFile) => {
    if (files.has(file)) return;
    files.add(file);
    file.dependencies.forEach(visit);
  };
  visit(file_google_rpc_status);
  for (const b of bindings) visit(b.service.file);
  return createRegistry(...files);
}

// gRPC over HTTP/2 cleartext (h2c), served by connect-node with only the gRPC protocol enabled.
// Unary methods of every binding go through the same middleware and handlers as the HTTP gateway.
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { DescMethod, DescService, Message } from "@bufbuild/protobuf";
import {
  Code as ConnectCode,
  ConnectError,
  createContextKey,
  createContextValues,
  type ConnectRouter,
  type HandlerContext,
} from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { newRequestId } from "@aloft/core";
import type { Logger } from "@aloft/core";
import { toAloftError } from "@aloft/core";
import { fastPathAccepts, fastUnaryMethod, serveUnary, type FastUnaryMethod } from "./unary-fast-path.ts";
import type { RequestReader } from "./large-inputs-reader.ts";
import { CREATE_EVENTS_PATH, STREAM_EVENTS_PATH, serveEventStream } from "./event-stream.ts";
import { resolveHandler, type CallContext, type ServiceBinding, type UnaryMiddleware } from "../rpc.ts";

/** Services with streaming methods (health Watch, reflection) register themselves directly on the router. */
export type RouterHook = (router: ConnectRouter) => void;

export interface GrpcServerOptions {
  host: string;
  port: number;
  bindings: ServiceBinding[];
  middleware: UnaryMiddleware[];
  routerHooks: RouterHook[];
  logger: Logger;
  /** Serve unary calls of the bindings on raw HTTP/2 streams (default); false: everything through connect-node. */
  fastPath?: boolean;
  /** Largest request message (bytes, after decompression) on every path; larger ones fail RESOURCE_EXHAUSTED. */
  maxMessageBytes?: number;
  /** Streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS; default 100). */
  maxConcurrentStreams?: number;
  /**
   * Closes a connection with no open stream after this long without activity, and resets a stream whose request
   * has not finished arriving after this long (ms; default 5 minutes; 0 = never).
   */
  idleTimeoutMs?: number;
  /** Request readers by input message type name, used instead of plain decoding on the fast path. */
  requestReaders?: ReadonlyMap<string, RequestReader>;
}

export const DEFAULT_MAX_CONCURRENT_STREAMS = 100;
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

/** grpc-go's default receive limit. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface RunningGrpcServer {
  port: number;
  /** The address actually bound. */
  address: string;
  close(): Promise<void>;
}

export function toConnectError(err: unknown): ConnectError {
  const e = toAloftError(err);
  return new ConnectError(
    e.message,
    e.code as unknown as ConnectCode,
    undefined,
    e.details.map((d) => ({ desc: d.schema, value: d.value })),
    err,
  );
}

/** The TCP remote address of a call served by connect-node (set per request by the adapter's contextValues). */
const peerAddressKey = createContextKey<string>("", { description: "aloft peer address" });

function contextFrom(ctx: HandlerContext): CallContext {
  const requestId = ctx.requestHeader.get("x-request-id") || newRequestId();
  ctx.responseHeader.set("x-request-id", requestId);
  return {
    requestId,
    headers: ctx.requestHeader,
    responseHeaders: ctx.responseHeader,
    signal: ctx.signal,
    transport: "grpc",
    peer: { address: ctx.values.get(peerAddressKey) },
  };
}

function unaryImpl(binding: ServiceBinding, method: DescMethod, middleware: UnaryMiddleware[], logger: Logger) {
  const handler = resolveHandler(binding, method, middleware);
  return async (req: Message, ctx: HandlerContext) => {
    const call = contextFrom(ctx);
    try {
      return await handler(req, call);
    } catch (err) {
      const ce = toConnectError(err);
      if (ce.code === ConnectCode.Internal || ce.code === ConnectCode.Unknown) {
        logger.error({ err, method: method.name, requestId: call.requestId }, "rpc failed");
      }
      throw ce;
    }
  };
}

export function registerBinding(
  router: ConnectRouter,
  binding: ServiceBinding,
  middleware: UnaryMiddleware[],
  logger: Logger,
) {
  const impl: Record<string, unknown> = {};
  for (const method of binding.service.methods) {
    if (method.methodKind !== "unary") continue;
    impl[method.localName] = unaryImpl(binding, method, middleware, logger);
  }
  router.service(binding.service as DescService, impl as never);
}

/**
 * The gRPC spec percent-encodes only bytes outside printable ASCII (and `%`) in grpc-message; connect-es encodes
 * like encodeURIComponent, which grpc-js clients decode with decodeURI and so show `%3A` for `:`. Re-encode minimally.
 */
export function encodeGrpcMessage(message: string): string {
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    out +=
      byte < 0x20 || byte > 0x7e || byte === 0x25
        ? `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
        : String.fromCharCode(byte);
  }
  return out;
}

/**
 * Post-processes a status header block or trailers: minimal grpc-message encoding (above), and undecodable request
 * messages answer INVALID_ARGUMENT — connect-es (like grpc-go, hence upstream) says INTERNAL, but a malformed body is
 * the caller's fault (docs/compatibility.md).
 */
export function fixStatus(headers: Record<string, unknown> | undefined): void {
  if (!headers || headers["grpc-message"] === undefined) return;
  let message: string;
  try {
    message = decodeURIComponent(String(headers["grpc-message"]));
  } catch {
    return;
  }
  headers["grpc-message"] = encodeGrpcMessage(message);
  if (String(headers["grpc-status"]) === String(ConnectCode.Internal) && message.startsWith("parse binary")) {
    headers["grpc-status"] = String(ConnectCode.InvalidArgument);
  }
}

/** Applies fixStatus to what connect-node writes through the http2 compatibility API. */
function remapParseErrors(res: http2.Http2ServerResponse): void {
  const addTrailers = res.addTrailers.bind(res);
  res.addTrailers = (headers) => {
    fixStatus(headers as Record<string, unknown>);
    addTrailers(headers);
  };
  const writeHead = res.writeHead.bind(res) as (
    status: number,
    headers?: http2.OutgoingHttpHeaders,
  ) => http2.Http2ServerResponse;
  res.writeHead = ((status: number, headers?: http2.OutgoingHttpHeaders) => {
    fixStatus(headers as Record<string, unknown> | undefined);
    return writeHead(status, headers);
  }) as typeof res.writeHead;
}

/** The unary methods of every binding by request path, for the fast path (unary-fast-path.ts). */
function fastMethods(
  bindings: ServiceBinding[],
  middleware: UnaryMiddleware[],
  readers?: ReadonlyMap<string, RequestReader>,
): Map<string, FastUnaryMethod> {
  const out = new Map<string, FastUnaryMethod>();
  for (const b of bindings) {
    for (const method of b.service.methods) {
      if (method.methodKind !== "unary") continue;
      out.set(
        `/${b.service.typeName}/${method.name}`,
        fastUnaryMethod(method, resolveHandler(b, method, middleware), readers?.get(method.input.typeName)),
      );
    }
  }
  return out;
}

export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const handler = connectNodeAdapter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    contextValues: (req) => createContextValues().set(peerAddressKey, req.socket?.remoteAddress ?? ""),
    // connect checks an envelope's declared length before reading it, and a decompressed size while inflating.
    readMaxBytes: maxMessageBytes,
    routes: (router) => {
      for (const b of options.bindings) registerBinding(router, b, options.middleware, options.logger);
      for (const hook of options.routerHooks) hook(router);
    },
  });
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const server = http2.createServer(
    { settings: { maxConcurrentStreams: options.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS } },
    (req, res) => {
      remapParseErrors(res);
      handler(req, res);
    },
  );
  // Unary calls of our bindings take the fast path on the raw stream; everything else (streaming, health,
  // reflection, unusual content types or encodings) goes through node's compatibility layer to connect-node.
  // node:http2 installs the compatibility layer as a "stream" listener when a request listener is given; we take
  // that listener over and call it ourselves for the streams we do not serve.
  const compat = server.listeners("stream") as Array<(...args: unknown[]) => void>;
  // ALOFT_GRPC_FAST_PATH=0 turns the fast path off (for comparisons: bench/grpc.bench.ts; not a config setting).
  const fastPath = options.fastPath ?? process.env.ALOFT_GRPC_FAST_PATH !== "0";
  if (fastPath && compat.length === 1) {
    const toCompat = compat[0]!;
    server.removeListener("stream", toCompat);
    const methods = fastMethods(options.bindings, options.middleware, options.requestReaders);
    const fastOptions = { logger: options.logger, toConnectError, fixStatus, maxMessageBytes };
    // StreamEvents: CreateEvents calls on one stream (event-stream.ts), where admin serves CreateEvents.
    const createEvents = methods.get(CREATE_EVENTS_PATH);
    server.on(
      "stream",
      function (
        this: http2.Http2Server,
        stream: http2.ServerHttp2Stream,
        headers: http2.IncomingHttpHeaders,
        ...rest: unknown[]
      ) {
        const path = headers[":path"] ?? "";
        const m = methods.get(path);
        if (m && fastPathAccepts(headers)) serveUnary(stream, headers, m, fastOptions);
        else if (path === STREAM_EVENTS_PATH && createEvents && fastPathAccepts(headers))
          serveEventStream(stream, headers, createEvents, fastOptions);
        else toCompat.call(this, stream, headers, ...rest);
      },
    );
  }
  // Half-open streams (a request that never finishes arriving) must not be held forever: each stream gets until
  // the idle timeout to end its request side. A connection with no stream open for the idle timeout is closed
  // gracefully (GOAWAY; clients reconnect when they next call). Registered first (after the fast path took over
  // node's own listener), so it sees every stream whichever path serves it.
  const idle = new WeakMap<http2.Http2Session, { open: number; timer?: NodeJS.Timeout }>();
  const watchIdle = (session: http2.Http2Session) => {
    const st = idle.get(session);
    if (!st || idleTimeoutMs <= 0) return;
    clearTimeout(st.timer);
    st.timer = undefined;
    if (st.open > 0) return;
    st.timer = setTimeout(() => st.open === 0 && !session.closed && session.close(), idleTimeoutMs);
    st.timer.unref();
  };
  server.prependListener("stream", (stream: http2.ServerHttp2Stream) => {
    // Captured now: a destroyed stream no longer knows its session.
    const session = stream.session;
    const st = session ? idle.get(session) : undefined;
    if (st) st.open++;
    if (session) watchIdle(session);
    const timer =
      idleTimeoutMs > 0
        ? setTimeout(() => stream.destroyed || stream.close(http2.constants.NGHTTP2_CANCEL), idleTimeoutMs)
        : undefined;
    timer?.unref();
    stream.once("end", () => clearTimeout(timer));
    stream.once("close", () => {
      clearTimeout(timer);
      if (st) st.open--;
      if (session) watchIdle(session);
    });
  });
  // Small unary responses should not wait for Nagle's algorithm (node:http sets this itself; node:http2 does not).
  server.on("connection", (socket: import("node:net").Socket) => socket.setNoDelay(true));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    idle.set(s, { open: 0 });
    watchIdle(s);
    s.on("close", () => {
      sessions.delete(s);
      clearTimeout(idle.get(s)?.timer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
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
        for (const s of sessions) s.close();
        // Streams such as health Watch never end by themselves: give in-flight calls a moment, then cut.
        setTimeout(() => {
          for (const s of sessions) s.destroy();
        }, 2000).unref();
      }),
  };
}

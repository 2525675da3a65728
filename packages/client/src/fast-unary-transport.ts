// Unary gRPC calls of chosen services written straight on an HTTP/2 stream of the client's session, without
// connect-node's per-call machinery. Profiling the split-mode engine's CreateEvents (bench/events.bench.ts) showed the
// client side of connect-node — WHATWG Headers copies both ways, async-iterable pipelines and an abort sentinel for a
// single message, a ConnectError built per call — costing more CPU per request than admin's whole fast path
// (packages/admin/src/api/grpc/unary-fast-path.ts). This path frames the one message, sends it with connect's own
// request headers, reads the one reply, and reads grpc-status from the trailers with connect's own findTrailerError,
// so the codes, messages and details are the ones connect would have produced. Anything it is not sure of goes to
// connect unchanged: calls with an abort signal or context values, other services, and every call whose stream fails
// without a gRPC status (connection refused or lost, stream reset, a compressed or malformed reply) — connect makes
// that call again and answers the error it would have answered (UNAVAILABLE, …). Only idempotent methods belong here
// (the call may reach the server twice). Retries, deadlines, request ids and auth stay in resilientTransport around it.
// EventService's CreateEvents goes on admin's StreamEvents stream where admin serves it (event-stream.ts), and as
// above when a call gets no answer there.
import type http2 from "node:http2";
import { constants as h2 } from "node:http2";
import { create, fromBinary, isMessage, toBinary } from "@bufbuild/protobuf";
import type { DescMessage, DescMethodUnary, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { findTrailerError, requestHeader, validateResponse } from "@connectrpc/connect/protocol-grpc";
import type { Http2SessionManager } from "@connectrpc/connect-node";
import { EventService } from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import { unaryResponse } from "./unary-response.ts";
import { NoAnswer, eventStream } from "./event-stream.ts";

/** The stream failed without a gRPC status: connect makes the call again. */
class NoStatus extends Error {}

function webHeaders(node: http2.IncomingHttpHeaders): Headers {
  const h = new Headers();
  for (const k in node) {
    if (k.charCodeAt(0) === 58 /* ":" */) continue;
    const v = node[k];
    if (Array.isArray(v)) for (const e of v) h.append(k, e);
    else if (v !== undefined) h.append(k, String(v));
  }
  return h;
}

interface Reply {
  status: number;
  header: Headers;
  trailer: Headers;
  body: Buffer;
}

/** Sends one framed request on a new stream and collects the reply; rejects NoStatus or DEADLINE_EXCEEDED. */
function exchange(
  sessions: Http2SessionManager,
  path: string,
  headers: http2.OutgoingHttpHeaders,
  body: Uint8Array,
  timeoutMs: number | undefined,
): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    sessions.request("POST", path, headers, {}).then(
      (stream) => {
        let status = 0;
        let header: Headers | undefined;
        let trailer: Headers | undefined;
        const chunks: Buffer[] = [];
        let timer: NodeJS.Timeout | undefined;
        let settled = false;
        const settle = (err: Error | undefined) => {
          if (settled) return;
          settled = true;
          if (timer) clearTimeout(timer);
          if (err) reject(err);
          else resolve({ status, header: header!, trailer: trailer ?? new Headers(), body: Buffer.concat(chunks) });
        };
        if (timeoutMs !== undefined) {
          timer = setTimeout(() => {
            settle(new ConnectError("the operation timed out", Code.DeadlineExceeded));
            stream.close(h2.NGHTTP2_CANCEL);
          }, timeoutMs);
        }
        stream.on("response", (h) => {
          status = Number(h[":status"] ?? 0);
          header = webHeaders(h);
        });
        stream.on("data", (c: Buffer) => {
          chunks.push(c);
          sessions.notifyResponseByteRead(stream);
        });
        stream.on("trailers", (t) => {
          trailer = webHeaders(t);
        });
        stream.on("error", (e) => settle(new NoStatus("stream failed", { cause: e })));
        stream.on("close", () => {
          // Trailers-only replies carry grpc-status in the headers.
          const done = header && (trailer || header.has("grpc-status"));
          settle(done && stream.rstCode === h2.NGHTTP2_NO_ERROR ? undefined : new NoStatus("no gRPC status"));
        });
        stream.end(body);
      },
      (e: unknown) => reject(new NoStatus("no stream", { cause: e })),
    );
  });
}

/** The one message of a reply body (one uncompressed envelope), or NoStatus. */
function oneMessage(body: Buffer): Uint8Array {
  if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) throw new NoStatus("bad envelope");
  return body.subarray(5);
}

/**
 * `inner` (connect's gRPC transport over `sessions`), with the unary methods of `services` (full service names) on
 * the fast path.
 */
export function fastUnaryTransport(
  inner: Transport,
  sessions: Http2SessionManager,
  baseUrl: string,
  services: ReadonlySet<string>,
): Transport {
  const prefix = new URL(baseUrl).pathname.replace(/\/$/, "");
  const events = eventStream(sessions, prefix);
  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: ConstructorParameters<typeof Headers>[0],
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      if (signal || contextValues || !services.has(method.parent.typeName))
        return inner.unary(method, signal, timeoutMs, header, input, contextValues);
      const started = Date.now();
      const message = isMessage(input, method.input) ? input : create(method.input, input);
      const bytes = toBinary(method.input, message);
      const framed = Buffer.allocUnsafe(5 + bytes.length);
      framed[0] = 0;
      framed.writeUInt32BE(bytes.length, 1);
      framed.set(bytes, 5);
      const headers: http2.OutgoingHttpHeaders = {};
      requestHeader(true, timeoutMs, header).forEach((v, k) => {
        headers[k] = v;
      });
      let left = timeoutMs;
      if (events.usable && method.parent.typeName === EventService.typeName && method.name === "CreateEvents") {
        try {
          const res = await events.call(headers, framed, timeoutMs);
          return unaryResponse(method, res as unknown as MessageShape<O>);
        } catch (e) {
          if (!(e instanceof NoAnswer)) throw e;
          left = timeoutMs === undefined ? undefined : timeoutMs - (Date.now() - started);
          if (left !== undefined && left <= 0) throw new ConnectError("the operation timed out", Code.DeadlineExceeded);
        }
      }
      try {
        const reply = await exchange(
          sessions,
          `${prefix}/${method.parent.typeName}/${method.name}`,
          headers,
          framed,
          left,
        );
        const { foundStatus, headerError } = validateResponse(reply.status, reply.header);
        if (headerError) throw headerError;
        const err = findTrailerError(foundStatus ? reply.header : reply.trailer);
        if (err) throw err;
        return unaryResponse(method, fromBinary(method.output, oneMessage(reply.body)), reply.header, reply.trailer);
      } catch (e) {
        if (!(e instanceof NoStatus)) throw e;
        const rest = timeoutMs === undefined ? undefined : timeoutMs - (Date.now() - started);
        if (rest !== undefined && rest <= 0) throw new ConnectError("the operation timed out", Code.DeadlineExceeded);
        return inner.unary(method, signal, rest, header, input, contextValues);
      }
    },
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      inner.stream(method, signal, timeoutMs, header, input, contextValues),
  };
}

// Unary gRPC calls served directly on node:http2 streams, without connect-node's request adapter.
//
// Profiling the server under unary load showed connect-node's per-call machinery — the http2 compatibility
// request/response objects, async-iterable pipelines for a single message, an AbortController and a
// DOMException per call, a WHATWG Headers copy of every header block — costing several times more CPU than the
// handlers themselves. This path handles the common unary call (POST, content type application/grpc or
// application/grpc+proto, identity request encoding) with a plain buffer: read the body, split the one
// length-prefixed message, parse, run the same middleware chain and handler, frame the reply, send grpc-status in
// trailers. Everything else (streaming methods, health, reflection, other content types, compressed requests,
// unknown paths) still goes to connect-node unchanged. It reuses connect's own serialization, status-trailer,
// timeout and compression helpers, so status codes, messages and details are the same on both paths.
import type http2 from "node:http2";
import { constants as http2constants } from "node:http2";
import { create, type DescMethod, type Message } from "@bufbuild/protobuf";
import { Code as ConnectCode, ConnectError } from "@connectrpc/connect";
import {
  compressionNegotiate,
  createMethodSerializationLookup,
  validateReadWriteMaxBytes,
  type Compression,
} from "@connectrpc/connect/protocol";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { newRequestId } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { CallContext, UnaryHandler } from "../rpc.ts";
import type { RequestReader } from "./large-inputs-reader.ts";
import { encodeOnce } from "../../managers/immutable-messages.ts";
import { noteDecoded } from "../../validation/request-text.ts";

const acceptCompression: Compression[] = [compressionGzip, compressionBrotli];
const limits = validateReadWriteMaxBytes(undefined, undefined, undefined);
const compressedFlag = 0b00000001;

export interface FastUnaryMethod {
  method: DescMethod;
  handler: UnaryHandler;
  parse(bytes: Uint8Array): Message;
  /** Reads the request instead of `parse` (huge CreateExecution inputs, large-inputs-reader.ts). */
  read?: RequestReader;
  serialize(message: Message): Uint8Array;
}

/** Post-processes a status before it is sent: see remapStatus in grpc-server.ts. */
export type StatusFixer = (headers: Record<string, string>) => void;

export function fastUnaryMethod(method: DescMethod, handler: UnaryHandler, read?: RequestReader): FastUnaryMethod {
  const serialization = createMethodSerializationLookup(method, undefined, undefined, limits);
  const i = serialization.getI(true);
  const o = serialization.getO(true);
  return {
    method,
    handler,
    parse: (b) => i.parse(b) as Message,
    serialize: (m) => o.serialize(m as never),
    ...(read ? { read } : {}),
  };
}

/**
 * Whether the fast path can serve a stream with these headers. Decided on headers alone so that anything else can
 * still be handed to connect-node before a byte of the body is read.
 */
export function fastPathAccepts(headers: http2.IncomingHttpHeaders): boolean {
  if (headers[":method"] !== "POST") return false;
  const type = headers["content-type"];
  if (type !== "application/grpc" && type !== "application/grpc+proto") return false;
  const encoding = headers["grpc-encoding"];
  return encoding === undefined || encoding === "identity";
}

const pseudo = (k: string) => k.charCodeAt(0) === 58; /* ":" */

function webHeaders(nodeHeaders: http2.IncomingHttpHeaders): Headers {
  const h = new Headers();
  for (const k in nodeHeaders) {
    if (pseudo(k)) continue;
    const v = nodeHeaders[k];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const e of v) h.append(k, e);
    else h.append(k, String(v));
  }
  return h;
}

/** Call state whose costly parts (WHATWG Headers, AbortController) are created only when a middleware asks. */
export class FastCall implements CallContext {
  readonly transport = "grpc" as const;
  readonly requestId: string;
  readonly peer: CallContext["peer"];
  principal?: CallContext["principal"];
  private reqHeaders?: Headers;
  private resHeaders?: Headers;
  private controller?: AbortController;
  private abortReason: unknown;
  private aborted = false;

  constructor(
    private readonly nodeHeaders: http2.IncomingHttpHeaders,
    peerAddress: string,
  ) {
    this.peer = { address: peerAddress };
    const given = nodeHeaders["x-request-id"];
    this.requestId = (Array.isArray(given) ? given[0] : given) || newRequestId();
  }
  get headers(): Headers {
    return (this.reqHeaders ??= webHeaders(this.nodeHeaders));
  }
  get responseHeaders(): Headers {
    return (this.resHeaders ??= new Headers());
  }
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
  /** Response header block: content type, negotiated encoding, x-request-id, then what handlers added. */
  responseHead(encoding: string | undefined): http2.OutgoingHttpHeaders {
    const out: http2.OutgoingHttpHeaders = { ":status": 200, "content-type": "application/grpc+proto" };
    if (encoding) out["grpc-encoding"] = encoding;
    out["x-request-id"] = this.requestId;
    if (this.resHeaders) {
      for (const [k, v] of this.resHeaders) {
        if (k === "set-cookie") out[k] = this.resHeaders.getSetCookie();
        else out[k] = v;
      }
    }
    return out;
  }
}

/** Splits the body into gRPC envelopes the way connect does, and returns the one request message. */
function singleMessage(body: Buffer): Uint8Array {
  let offset = 0;
  let first: Uint8Array | undefined;
  let count = 0;
  while (offset < body.length) {
    if (body.length - offset < 5)
      throw new ConnectError("protocol error: incomplete envelope", ConnectCode.InvalidArgument);
    const flags = body[offset]!;
    const len = body.readUInt32BE(offset + 1);
    if (body.length - offset - 5 < len)
      throw new ConnectError("protocol error: incomplete envelope", ConnectCode.InvalidArgument);
    const data = body.subarray(offset + 5, offset + 5 + len);
    offset += 5 + len;
    if ((flags & compressedFlag) === compressedFlag) {
      throw new ConnectError("received compressed envelope, but do not know how to decompress", ConnectCode.Internal);
    }
    count++;
    if (count === 1) first = data;
    else
      throw new ConnectError(
        "protocol error: received extra input message for unary method",
        ConnectCode.Unimplemented,
      );
  }
  if (first === undefined)
    throw new ConnectError("protocol error: missing input message for unary method", ConnectCode.Unimplemented);
  return first;
}

/**
 * Decodes one request message and runs the method's handler (its middleware included) on it; every failure comes out
 * as a ConnectError, an internal one logged under `method`.
 */
export async function decodeAndHandle(
  data: Uint8Array,
  m: FastUnaryMethod,
  call: FastCall,
  opts: FastPathOptions,
  method: string,
): Promise<Message> {
  let req: Message;
  try {
    if (m.read) req = await m.read(data, m.parse);
    else noteDecoded((req = m.parse(data)), data);
  } catch (err) {
    throw err instanceof ConnectError ? err : opts.toConnectError(err);
  }
  try {
    return await m.handler(req, call);
  } catch (err) {
    const ce = opts.toConnectError(err);
    if (ce.code === ConnectCode.Internal || ce.code === ConnectCode.Unknown) {
      opts.logger.error({ err, method, requestId: call.requestId }, "rpc failed");
    }
    throw ce;
  }
}

export function frame(payload: Uint8Array, flags: number): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = flags;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}

export interface FastPathOptions {
  logger: Logger;
  /** Largest request message accepted (bytes); a larger one is refused while it streams in. */
  maxMessageBytes: number;
  /** Maps a thrown error to the status to send (the same mapping the connect path uses). */
  toConnectError(err: unknown): ConnectError;
  fixStatus: StatusFixer;
}

/** Serves one unary call on a raw HTTP/2 stream. */
export function serveUnary(
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  m: FastUnaryMethod,
  opts: FastPathOptions,
): void {
  const call = new FastCall(headers, stream.session?.socket?.remoteAddress ?? "");
  let timer: NodeJS.Timeout | undefined;
  let timeoutError: ConnectError | undefined;
  const rawTimeout = headers["grpc-timeout"];
  if (rawTimeout !== undefined) {
    const t = parseTimeout(String(rawTimeout), Number.MAX_SAFE_INTEGER);
    if (t.error) timeoutError = t.error;
    else if (t.timeoutMs !== undefined) {
      timer = setTimeout(
        () => call.abort(new ConnectError("the operation timed out", ConnectCode.DeadlineExceeded)),
        t.timeoutMs,
      );
    }
  }
  const compression = compressionNegotiate(
    acceptCompression,
    null,
    (headers["grpc-accept-encoding"] as string | undefined) ?? null,
    "grpc-accept-encoding",
  );
  const responseCompression = compression.response ?? undefined;

  let answered = false;
  stream.once("close", () => {
    if (timer) clearTimeout(timer);
    // The client went away (RST_STREAM, connection lost) before we answered: tell the handler. (No error object
    // when the call completed normally: constructing one per call costs a stack capture.)
    if (!answered) call.abort(new ConnectError("operation was aborted", ConnectCode.Canceled));
  });
  stream.on("error", () => {});

  // The body is kept only while it can still be a message within the limit: the envelope's declared length is
  // checked as soon as its 5-byte prefix is in, and the running total on every chunk (extra messages, lying
  // prefixes). Over the limit the call is answered at once and nothing more is kept.
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge: ConnectError | undefined;
  const onData = (c: Buffer) => {
    if (tooLarge) return;
    size += c.length;
    chunks.push(c);
    const declared = size >= 5 ? (chunks[0]!.length >= 5 ? chunks[0]! : Buffer.concat(chunks)).readUInt32BE(1) : 0;
    const over = declared > opts.maxMessageBytes ? declared : size - 5 > opts.maxMessageBytes ? size - 5 : 0;
    if (over === 0) return;
    chunks.length = 0;
    tooLarge = new ConnectError(
      `grpc: received message larger than max (${over} vs. ${opts.maxMessageBytes})`,
      ConnectCode.ResourceExhausted,
    );
    finish();
  };
  stream.on("data", onData);
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    void (async () => {
      let response: Uint8Array | undefined;
      let flags = 0;
      let error: ConnectError | undefined;
      try {
        if (tooLarge) throw tooLarge;
        if (timeoutError) throw timeoutError;
        const data = singleMessage(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
        const res = await decodeAndHandle(data, m, call, opts, m.method.name);
        response = encodeOnce(res, "grpc", () => m.serialize(create(m.method.output, res as never) as Message));
        if (responseCompression && response.length >= limits.compressMinBytes) {
          response = await responseCompression.compress(response);
          flags = compressedFlag;
        }
      } catch (err) {
        error =
          err instanceof ConnectError
            ? err
            : new ConnectError("internal error", ConnectCode.Internal, undefined, undefined, err);
      } finally {
        if (timer) clearTimeout(timer);
      }
      answered = true;
      if (stream.destroyed || stream.closed) return;
      const trailers = trailerRecord(error, opts.fixStatus);
      try {
        stream.respond(call.responseHead(responseCompression?.name), { waitForTrailers: true });
        stream.once("wantTrailers", () => {
          try {
            stream.sendTrailers(trailers);
          } catch {
            // Reset by the client after the message was queued.
          }
          // Refused while the client was still sending: once the answer is out, tell it to stop (RST_STREAM
          // NO_ERROR after a complete response, RFC 9113 §8.1) instead of reading the rest.
          if (tooLarge && !stream.readableEnded)
            setImmediate(() => stream.destroyed || stream.close(http2constants.NGHTTP2_NO_ERROR));
        });
        if (response) stream.end(frame(response, flags));
        else stream.end();
      } catch {
        // The stream went away between the check and the write; nothing to answer.
      }
    })().catch((err: unknown) => {
      // Not expected (every failure above becomes a status); never let it become an unhandled rejection.
      opts.logger.error({ err, method: m.method.name, requestId: call.requestId }, "rpc failed");
      if (!stream.destroyed) stream.close(http2constants.NGHTTP2_INTERNAL_ERROR);
    });
  };
  stream.once("end", finish);
}

export function trailerRecord(error: ConnectError | undefined, fixStatus: StatusFixer): Record<string, string> {
  if (!error) return { "grpc-status": "0" };
  const h = setTrailerStatus(new Headers(), error);
  const out: Record<string, string> = {};
  for (const [k, v] of h) out[k] = v;
  fixStatus(out);
  return out;
}

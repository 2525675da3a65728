// A connect Transport over admin's HTTP gateway (grpc-gateway REST under /api/v1): connect cannot speak it, so each
// unary RPC is mapped to its google.api.http route (http-route.ts) and sent as binary protobuf
// (application/octet-stream, as flyteconsole does) or JSON. Errors come back as google.rpc.Status.
import * as http from "node:http";
import * as https from "node:https";
import {
  create,
  fromBinary,
  fromJson,
  toBinary,
  toJson,
  type DescMessage,
  type DescMethodUnary,
  type MessageInitShape,
  type JsonValue,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { StatusSchema } from "@aloft/idl/google/rpc/status_pb.js";
import type { TlsOptions } from "./endpoint.ts";
import { httpCallFor } from "./http-route.ts";
import type { HeaderInit } from "./retry.ts";
import { unaryResponse } from "./unary-response.ts";

export type HttpEncoding = "binary" | "json";

export interface HttpTransportOptions {
  /** `http://host:8088` or `https://host`; routes are absolute (`/api/v1/...`). */
  baseUrl: string;
  encoding?: HttpEncoding;
  tls?: TlsOptions;
}

export interface ClosableTransport extends Transport {
  close(): void;
}

/** One HTTP exchange as the transport sees it: the whole body, buffered. */
interface HttpResponse {
  status: number;
  contentType: string;
  headers: Headers;
  body: Buffer;
}

/** grpc-gateway's HTTP status → gRPC code, for error bodies that are not a google.rpc.Status (a proxy's 502 page). */
function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.InvalidArgument;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.NotFound;
    case 409:
      return Code.AlreadyExists;
    case 429:
      return Code.ResourceExhausted;
    case 499:
      return Code.Canceled;
    case 501:
      return Code.Unimplemented;
    case 502:
    case 503:
      return Code.Unavailable;
    case 504:
      return Code.DeadlineExceeded;
    default:
      return Code.Unknown;
  }
}

function errorFrom(status: number, contentType: string, body: Buffer): ConnectError {
  try {
    const s = contentType.startsWith("application/octet-stream")
      ? fromBinary(StatusSchema, body)
      : fromJson(StatusSchema, JSON.parse(body.toString("utf8")) as JsonValue, { ignoreUnknownFields: true });
    const err = new ConnectError(s.message, s.code in Code ? (s.code as Code) : codeFromHttpStatus(status));
    for (const d of s.details)
      err.details.push({ type: d.typeUrl.slice(d.typeUrl.lastIndexOf("/") + 1), value: d.value });
    return err;
  } catch {
    return new ConnectError(`HTTP ${status}: ${body.toString("utf8").slice(0, 200)}`, codeFromHttpStatus(status));
  }
}

export function createHttpGatewayTransport(o: HttpTransportOptions): ClosableTransport {
  const base = new URL(o.baseUrl);
  const secure = base.protocol === "https:";
  const encoding = o.encoding ?? "binary";
  const mime = encoding === "binary" ? "application/octet-stream" : "application/json";
  const agent = secure
    ? new https.Agent({
        keepAlive: true,
        ca: o.tls?.ca,
        cert: o.tls?.cert,
        key: o.tls?.key,
        rejectUnauthorized: !o.tls?.insecureSkipVerify,
        servername: o.tls?.serverName,
      })
    : new http.Agent({ keepAlive: true });

  function send(
    method: string,
    path: string,
    headers: Headers,
    body: Uint8Array | undefined,
    signal: AbortSignal | undefined,
  ) {
    return new Promise<HttpResponse>((resolve, reject) => {
      const h: Record<string, string> = {};
      headers.forEach((v, k) => {
        h[k] = v;
      });
      h.accept = mime;
      if (body) {
        h["content-type"] = mime;
        h["content-length"] = String(body.byteLength);
      }
      const url = new URL(path, base);
      const req = (secure ? https : http).request(url, { method, headers: h, agent, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const rh = new Headers();
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) rh.set(k, Array.isArray(v) ? v.join(", ") : v);
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers["content-type"] ?? ""),
            headers: rh,
            body: Buffer.concat(chunks),
          });
        });
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeaderInit | undefined,
      input: MessageInitShape<I>,
    ): Promise<UnaryResponse<I, O>> {
      const request = create(method.input, input);
      const call = httpCallFor(method, request);
      const body = call.hasBody
        ? encoding === "binary"
          ? toBinary(method.input, request)
          : Buffer.from(JSON.stringify(toJson(method.input, request)))
        : undefined;
      const signals = [signal, timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined].filter(
        (s): s is AbortSignal => s !== undefined,
      );
      const combined = signals.length ? AbortSignal.any(signals) : undefined;
      let res: HttpResponse;
      try {
        res = await send(call.method, call.path, new Headers(header), body, combined);
      } catch (e) {
        if (combined?.aborted) {
          const reason: unknown = combined.reason;
          const timedOut = reason instanceof DOMException && reason.name === "TimeoutError";
          throw new ConnectError(
            timedOut ? `deadline of ${timeoutMs} ms exceeded` : "call cancelled",
            timedOut ? Code.DeadlineExceeded : Code.Canceled,
          );
        }
        const err = e as NodeJS.ErrnoException;
        throw new ConnectError(`${err.code ?? ""} ${err.message}`.trim(), Code.Unavailable, undefined, undefined, e);
      }
      if (res.status !== 200) throw errorFrom(res.status, res.contentType, res.body);
      const message = res.contentType.startsWith("application/octet-stream")
        ? fromBinary(method.output, res.body)
        : fromJson(method.output, JSON.parse(res.body.toString("utf8") || "{}") as JsonValue, {
            ignoreUnknownFields: true,
          });
      return unaryResponse(method, message, res.headers);
    },
    async stream() {
      throw new ConnectError("the HTTP gateway carries no streaming RPCs; use the gRPC transport", Code.Unimplemented);
    },
    close() {
      agent.destroy();
    },
  };
}

// Errors on the gateway as grpc-gateway's DefaultHTTPErrorHandler (upstream flyteadmin/pkg/server/service.go): a google.rpc.Status marshaled with
// the outbound marshaler (details packed as Any), the HTTP status from the gRPC code, `WWW-Authenticate: <message>`
// on UNAUTHENTICATED, and a fixed INTERNAL body when the status itself cannot be marshaled.
import type { ServerResponse } from "node:http";
import { create, createRegistry, type Registry } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { StatusSchema, type Status } from "@aloft/idl/google/rpc/status_pb.js";
import { AloftError, Code, httpStatusOf } from "@aloft/core";
import type { Marshaler } from "./marshalers.ts";
import { setSafeHeader, writeResponseMetadata } from "./headers.ts";

const MARSHAL_FALLBACK = '{"code": 13, "message": "failed to marshal error message"}';

export function toStatus(err: AloftError): Status {
  return create(StatusSchema, {
    code: err.code,
    message: err.message,
    details: err.details.map((d) => anyPack(d.schema, d.value)),
  });
}

export interface ErrorResponseOptions {
  marshaler: Marshaler;
  /** Resolves Any in details for JSON; the details' own types are added. */
  registry: Registry;
  /** Response metadata of the call (Grpc-Metadata-* headers), when a handler ran. */
  metadata?: Headers | undefined;
  /** An HTTP status other than the code's (415 for an unsupported body type). */
  httpStatus?: number;
}

/** Writes `err` as the HTTP error response; does nothing if the response is already under way or gone. */
export function writeError(res: ServerResponse, err: AloftError, options: ErrorResponseOptions): void {
  if (res.headersSent || res.writableEnded || res.destroyed) {
    if (!res.writableEnded && !res.destroyed) res.end();
    return;
  }
  const { marshaler } = options;
  let status = options.httpStatus ?? httpStatusOf(err);
  let body: Uint8Array;
  try {
    const registry =
      err.details.length === 0
        ? options.registry
        : createRegistry(options.registry, ...err.details.map((d) => d.schema));
    body = marshaler.marshal(StatusSchema, toStatus(err), registry);
  } catch {
    status = 500;
    body = Buffer.from(MARSHAL_FALLBACK);
  }
  res.setHeader("Content-Type", marshaler.contentType);
  if (err.code === Code.UNAUTHENTICATED) setSafeHeader(res, "WWW-Authenticate", err.message);
  if (options.metadata) writeResponseMetadata(res, options.metadata);
  res.statusCode = status;
  res.end(body);
}

/** Routing and transport errors with grpc-gateway's fixed messages. */
export const routingErrors = {
  notFound: () => new AloftError(Code.NOT_FOUND, "http.not_found", "Not Found"),
  methodNotAllowed: () => new AloftError(Code.UNIMPLEMENTED, "http.method_not_allowed", "Method Not Allowed"),
  badRequest: (message = "Bad Request") => new AloftError(Code.INVALID_ARGUMENT, "http.bad_request", message),
};

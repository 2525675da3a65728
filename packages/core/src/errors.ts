// The one error type of Aloft. Raised where the fact is known, mapped once at each API edge
// (gRPC status, or google.rpc.Status + HTTP status on the gateway).
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";

/** gRPC status codes (same numbers as google.rpc.Code). */
export enum Code {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** A typed detail attached to an error, packed as google.protobuf.Any on the wire. */
export interface ErrorDetail<D extends DescMessage = DescMessage> {
  schema: D;
  value: MessageShape<D>;
}

/** Upstream truncates error messages to 32000 bytes at the RPC layer. */
const MAX_MESSAGE_BYTES = 32000;

export class AloftError extends Error {
  readonly code: Code;
  /** Stable, machine-readable id such as `project.not_found`; never shown instead of the message. */
  readonly id: string;
  readonly details: ErrorDetail[];

  constructor(code: Code, id: string, message: string, options: { cause?: unknown; details?: ErrorDetail[] } = {}) {
    super(truncate(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AloftError";
    this.code = code;
    this.id = id;
    this.details = options.details ?? [];
  }
}

function truncate(message: string): string {
  if (Buffer.byteLength(message) <= MAX_MESSAGE_BYTES) return message;
  return Buffer.from(message).subarray(0, MAX_MESSAGE_BYTES).toString("utf8");
}

export const invalidArgument = (id: string, message: string, details?: ErrorDetail[]) =>
  new AloftError(Code.INVALID_ARGUMENT, id, message, details ? { details } : {});
export const notFound = (id: string, message: string) => new AloftError(Code.NOT_FOUND, id, message);
export const alreadyExists = (id: string, message: string, details?: ErrorDetail[]) =>
  new AloftError(Code.ALREADY_EXISTS, id, message, details ? { details } : {});
export const failedPrecondition = (id: string, message: string, details?: ErrorDetail[]) =>
  new AloftError(Code.FAILED_PRECONDITION, id, message, details ? { details } : {});
export const internal = (id: string, message: string, cause?: unknown) =>
  new AloftError(Code.INTERNAL, id, message, cause === undefined ? {} : { cause });
export const unavailable = (id: string, message: string) => new AloftError(Code.UNAVAILABLE, id, message);
export const unimplemented = (id: string, message: string) => new AloftError(Code.UNIMPLEMENTED, id, message);

/** Id of a request refused for its size: RESOURCE_EXHAUSTED on gRPC, 413 Payload Too Large on HTTP. */
export const TOO_LARGE_ID = "request.too_large";

/** A request message over the configured maximum; `size` when known (grpc-go's wording). */
export const messageTooLarge = (max: number, size?: number) =>
  new AloftError(
    Code.RESOURCE_EXHAUSTED,
    TOO_LARGE_ID,
    size === undefined
      ? `request body larger than the limit of ${max} bytes`
      : `grpc: received message larger than max (${size} vs. ${max})`,
  );

/** Upstream's literal message formats (`missing %s`, `invalid value for %s`). */
export const missing = (field: string) => invalidArgument("validation.missing", `missing ${field}`);
export const invalidValue = (field: string) =>
  invalidArgument("validation.invalid_value", `invalid value for ${field}`);

/** errno codes of an exhausted host resource (disk, quota, file descriptors, memory): not a bug, the request may work later. */
const EXHAUSTED_ERRNO = new Set(["ENOSPC", "EDQUOT", "EMFILE", "ENFILE", "ENOMEM", "EFBIG", "SQLITE_FULL", "53100"]);

/**
 * RESOURCE_EXHAUSTED for an error whose errno (or a cause's) says the host ran out of something (a full disk), with
 * `what` (e.g. "write file:///…") in the message; undefined for any other error.
 */
export function resourceExhausted(err: unknown, what?: string): AloftError | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && typeof cur === "object" && cur !== null; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && EXHAUSTED_ERRNO.has(code)) {
      const message = `${what ? `${what}: ` : ""}out of ${code === "EMFILE" || code === "ENFILE" ? "file descriptors" : code === "ENOMEM" ? "memory" : "disk space"} (${code === "53100" ? "disk_full" : code})`;
      return new AloftError(Code.RESOURCE_EXHAUSTED, "resource.exhausted", message, { cause: err });
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Anything that is not an AloftError becomes INTERNAL at the edge (as upstream's RPC layer does), except an exhausted
 * host resource (a full disk), which is RESOURCE_EXHAUSTED.
 */
export function toAloftError(err: unknown): AloftError {
  if (err instanceof AloftError) return err;
  const exhausted = resourceExhausted(err);
  if (exhausted) return exhausted;
  return new AloftError(Code.INTERNAL, "internal", err instanceof Error ? err.message : String(err), { cause: err });
}

/** The HTTP status of an error: its code's, except that an oversized request is 413 rather than 429. */
export function httpStatusOf(err: AloftError): number {
  return err.id === TOO_LARGE_ID ? 413 : httpStatusFromCode(err.code);
}

/** HTTP status for a gRPC code, as grpc-gateway v2's HTTPStatusFromCode. */
export function httpStatusFromCode(code: Code): number {
  switch (code) {
    case Code.OK:
      return 200;
    case Code.CANCELLED:
      return 499;
    case Code.INVALID_ARGUMENT:
    case Code.FAILED_PRECONDITION:
    case Code.OUT_OF_RANGE:
      return 400;
    case Code.DEADLINE_EXCEEDED:
      return 504;
    case Code.NOT_FOUND:
      return 404;
    case Code.ALREADY_EXISTS:
    case Code.ABORTED:
      return 409;
    case Code.PERMISSION_DENIED:
      return 403;
    case Code.UNAUTHENTICATED:
      return 401;
    case Code.RESOURCE_EXHAUSTED:
      return 429;
    case Code.UNIMPLEMENTED:
      return 501;
    case Code.UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

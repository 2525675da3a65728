// The API server's failures as AloftErrors: one place maps HTTP status + Status.reason to a gRPC code and a stable id,
// so callers branch on `isConflict(err)` rather than on numbers.
import { AloftError, Code } from "@aloft/core";
import type { KubeStatus } from "./types.ts";

/** Stable ids of the errors the port raises (AloftError.id). */
export const KubeErrorId = {
  notFound: "kube.not_found",
  alreadyExists: "kube.already_exists",
  /** 409 Conflict: a stale resourceVersion (optimistic concurrency); re-read and retry. */
  conflict: "kube.conflict",
  /** 410 Gone / Expired: the resourceVersion is older than the server keeps; relist. */
  gone: "kube.gone",
  invalid: "kube.invalid",
  badRequest: "kube.bad_request",
  unauthorized: "kube.unauthorized",
  forbidden: "kube.forbidden",
  tooManyRequests: "kube.too_many_requests",
  unsupportedMediaType: "kube.unsupported_media_type",
  timeout: "kube.timeout",
  unavailable: "kube.unavailable",
  internal: "kube.internal",
} as const;

function codeAndId(status: number, reason: string | undefined): [Code, string] {
  switch (status) {
    case 400:
      return [Code.INVALID_ARGUMENT, KubeErrorId.badRequest];
    case 401:
      return [Code.UNAUTHENTICATED, KubeErrorId.unauthorized];
    case 403:
      return [Code.PERMISSION_DENIED, KubeErrorId.forbidden];
    case 404:
      return [Code.NOT_FOUND, KubeErrorId.notFound];
    case 409:
      return reason === "AlreadyExists"
        ? [Code.ALREADY_EXISTS, KubeErrorId.alreadyExists]
        : [Code.ABORTED, KubeErrorId.conflict];
    case 410:
      return [Code.OUT_OF_RANGE, KubeErrorId.gone];
    case 415:
      return [Code.INVALID_ARGUMENT, KubeErrorId.unsupportedMediaType];
    case 422:
      return [Code.INVALID_ARGUMENT, KubeErrorId.invalid];
    case 429:
      return [Code.RESOURCE_EXHAUSTED, KubeErrorId.tooManyRequests];
    case 504:
      return [Code.DEADLINE_EXCEEDED, KubeErrorId.timeout];
    default:
      return status >= 500 ? [Code.UNAVAILABLE, KubeErrorId.unavailable] : [Code.INTERNAL, KubeErrorId.internal];
  }
}

/** The AloftError for an HTTP answer that is not 2xx; `status` is the parsed body when it is a metav1.Status. */
export function kubeError(httpStatus: number, body: Partial<KubeStatus> | undefined, what: string): AloftError {
  const [code, id] = codeAndId(httpStatus, body?.reason);
  const message = body?.message ?? `${httpStatus} ${body?.reason ?? ""}`.trim();
  return new AloftError(code, id, `kubernetes ${what}: ${message}`);
}

/** A transport failure (connection refused, reset, timeout) before any answer: UNAVAILABLE, worth retrying. */
export function kubeTransportError(err: unknown, what: string): AloftError {
  const message = err instanceof Error ? err.message : String(err);
  return new AloftError(Code.UNAVAILABLE, KubeErrorId.unavailable, `kubernetes ${what}: ${message}`, { cause: err });
}

const hasId = (err: unknown, id: string) => err instanceof AloftError && err.id === id;
export const isNotFound = (err: unknown) => hasId(err, KubeErrorId.notFound);
export const isAlreadyExists = (err: unknown) => hasId(err, KubeErrorId.alreadyExists);
export const isConflict = (err: unknown) => hasId(err, KubeErrorId.conflict);
export const isGone = (err: unknown) => hasId(err, KubeErrorId.gone);
export const isInvalid = (err: unknown) => hasId(err, KubeErrorId.invalid);

// Whether a round failed because something the engine talks to could not be reached (admin down or restarting, a
// connection refused or reset, a deadline) or storage is full: a reason to wait and replay the round, never a failure
// of the execution.
// Rounds are idempotent (events repeat as ALREADY_EXISTS, processes are adopted from their records), so replaying
// after the outage loses nothing and runs nothing twice.
import { AloftError, Code } from "@aloft/core";

const UNREACHABLE_CODES = new Set([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED]);

/** Socket-level errors of an unreachable peer (Node's errno codes). */
const UNREACHABLE_ERRNO = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_INVALID_SESSION",
]);

export function isUnreachable(e: unknown): boolean {
  let cur: unknown = e;
  for (let depth = 0; depth < 8 && cur !== undefined && cur !== null; depth++) {
    if (cur instanceof AloftError && UNREACHABLE_CODES.has(cur.code)) return true;
    const err = cur as { code?: unknown; cause?: unknown };
    if (typeof err.code === "string" && UNREACHABLE_ERRNO.has(err.code)) return true;
    // An RPC error from a client library that was not mapped (a numeric gRPC code).
    if (typeof err.code === "number" && !(cur instanceof AloftError) && UNREACHABLE_CODES.has(err.code)) return true;
    if (typeof err !== "object") return false;
    cur = err.cause;
  }
  return false;
}

/** A full disk (or another exhausted host resource) on this side or, by its message, on admin's. */
function isResourceOutage(e: unknown): boolean {
  let cur: unknown = e;
  for (let depth = 0; depth < 8 && typeof cur === "object" && cur !== null; depth++) {
    if (cur instanceof AloftError && cur.id === "resource.exhausted") return true;
    if (
      cur instanceof AloftError &&
      cur.code === Code.RESOURCE_EXHAUSTED &&
      /out of disk space|\((ENOSPC|EDQUOT|SQLITE_FULL|disk_full)\)/.test(cur.message)
    ) {
      return true;
    }
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && ["ENOSPC", "EDQUOT", "EMFILE", "ENFILE", "SQLITE_FULL"].includes(code)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** An outage the engine waits out (admin or storage unreachable, storage full) instead of spending retries on it. */
export const isOutage = (e: unknown): boolean => isUnreachable(e) || isResourceOutage(e);

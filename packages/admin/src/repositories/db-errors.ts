// Translates database driver errors to AloftError: a unique violation is ALREADY_EXISTS, a lost or refused
// connection UNAVAILABLE (the caller may retry: the server lives on and reconnects), anything else INTERNAL.
import { AloftError, Code } from "@aloft/core";
import { resourceExhausted } from "@aloft/core";

const SQLITE_UNIQUE_CODES = new Set(["SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"]);
const PG_UNIQUE_VIOLATION = "23505";

interface DriverError {
  code?: unknown;
  message?: unknown;
}

/** SQLSTATEs of a connection the server ended or refused (admin_shutdown, crash_shutdown, cannot_connect_now). */
const PG_UNAVAILABLE_STATES = new Set(["57P01", "57P02", "57P03"]);
/** Class 08: connection exception. */
const PG_CONNECTION_CLASS = "08";
/** Socket-level failures reported by node (connection reset, refused, timed out, broken pipe, DNS). */
const SOCKET_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);
/** pg's own messages for a connection that ended under a query or was used after it ended. */
const PG_CONNECTION_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect)/;

/** Whether the error says the database connection was lost or could not be made, rather than what the query did. */
export function isConnectionError(err: unknown): boolean {
  if (err === null || typeof err !== "object") return false;
  const { code, message } = err as DriverError;
  if (typeof code === "string" && (PG_UNAVAILABLE_STATES.has(code) || SOCKET_CODES.has(code))) return true;
  if (typeof code === "string" && code.length === 5 && code.startsWith(PG_CONNECTION_CLASS)) return true;
  return typeof message === "string" && PG_CONNECTION_MESSAGES.test(message);
}

export function isUniqueViolation(err: unknown): boolean {
  if (err === null || typeof err !== "object") return false;
  const code = (err as DriverError).code;
  return code === PG_UNIQUE_VIOLATION || (typeof code === "string" && SQLITE_UNIQUE_CODES.has(code));
}

/**
 * Maps a driver error. `alreadyExistsMessage` overrides upstream's generic
 * `value with matching already exists (<detail>)` for unique violations.
 */
export function translateDbError(err: unknown, alreadyExistsMessage?: string): AloftError {
  if (err instanceof AloftError) return err;
  // A full disk (SQLITE_FULL, PostgreSQL disk_full): RESOURCE_EXHAUSTED, a condition that clears, not a bug.
  const exhausted = resourceExhausted(err, "database");
  if (exhausted) return exhausted;
  const e = (err !== null && typeof err === "object" ? err : {}) as DriverError;
  // Upstream quotes the driver's message (pg: `duplicate key value violates unique constraint "projects_pkey"`).
  const text = typeof e.message === "string" && e.message !== "" ? e.message : String(err);
  if (isUniqueViolation(err)) {
    return new AloftError(
      Code.ALREADY_EXISTS,
      "db.already_exists",
      alreadyExistsMessage ?? `value with matching already exists (${text})`,
      {
        cause: err,
      },
    );
  }
  if (isConnectionError(err)) {
    return new AloftError(Code.UNAVAILABLE, "db.unavailable", `database unavailable: ${text}`, { cause: err });
  }
  return new AloftError(Code.INTERNAL, "db.internal", `database error: ${text}`, { cause: err });
}

/** Runs `fn`, translating whatever the driver throws. */
export async function withDbErrors<T>(fn: () => Promise<T>, alreadyExistsMessage?: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateDbError(err, alreadyExistsMessage);
  }
}

// Translates database driver errors to AloftError: a unique violation is ALREADY_EXISTS, anything else INTERNAL.
import { AloftError, Code } from "@aloft/core/errors.ts";
import { resourceExhausted } from "@aloft/core/errors.ts";

const SQLITE_UNIQUE_CODES = new Set(["SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"]);
const PG_UNIQUE_VIOLATION = "23505";

interface DriverError {
  code?: unknown;
  message?: unknown;
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
    return new AloftError(Code.ALREADY_EXISTS, "db.already_exists", alreadyExistsMessage ?? `value with matching already exists (${text})`, {
      cause: err,
    });
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

// Test databases: the same suite runs on SQLite (a temporary file) and on a fresh PostgreSQL database.
// PostgreSQL: postgres://postgres@127.0.0.1:5432/postgres, or ALOFT_TEST_POSTGRES_URL (a URL of a database the
// tests may connect to in order to CREATE/DROP databases). Where none answers, the PostgreSQL suites are skipped
// with a loud warning — except in CI (env CI set), where that is a failure.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { createDatabase, type Database, type DatabaseConfig, type Dialect } from "@aloft/admin/testing";
import { migrateToLatest } from "@aloft/admin";

const DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export function postgresAdminUrl(): string {
  return process.env.ALOFT_TEST_POSTGRES_URL || DEFAULT_ADMIN_URL;
}

export interface TestDatabase {
  config: DatabaseConfig;
  /** Open and migrated. */
  database: Database;
  /** Closes the database (if still open) and deletes it. Safe to call twice. */
  drop(): Promise<void>;
}

// Generous: under a loaded CI machine a first connection can take seconds, and a slow answer is not an absent server.
async function withAdminClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresAdminUrl(), connectionTimeoutMillis: 15_000 });
  // A connection the server terminates while we end it must not become an uncaught exception.
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

let availability: Promise<string | undefined> | undefined;

/** undefined when PostgreSQL answers, else why not. Probed once per process. */
function probePostgres(): Promise<string | undefined> {
  availability ??= withAdminClient(async (c) => {
    await c.query("select 1");
    return undefined;
  }).catch(
    (err: unknown) =>
      `PostgreSQL at ${redact(postgresAdminUrl())} does not answer: ${err instanceof Error ? err.message : String(err)}`,
  );
  return availability;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/**
 * `false` when PostgreSQL suites can run, else the skip reason (usable as node:test's `skip` option).
 * In CI an unreachable PostgreSQL throws instead: the suite must not pass silently.
 */
export async function postgresAvailability(): Promise<string | false> {
  const reason = await probePostgres();
  if (reason === undefined) return false;
  if (process.env.CI) throw new Error(`CI requires PostgreSQL for the database contract tests. ${reason}`);
  process.stderr.write(
    `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
      `!!! WARNING: ${reason}\n!!! The PostgreSQL test suites are SKIPPED; only SQLite is tested.\n` +
      `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`,
  );
  return reason;
}

/** A new, migrated database of the given kind. */
/**
 * A fresh, migrated PostgreSQL database for a server the test starts itself (often in a child process): its URL,
 * with the pool closed so the server owns the connections; `cleanups` gets the drop.
 */
export async function scratchPostgresUrl(cleanups: Array<() => Promise<void>>): Promise<string> {
  const db = await createTestDatabase("postgres");
  await db.database.close();
  cleanups.push(() => db.drop());
  return db.config.postgresUrl;
}

export async function createTestDatabase(kind: Dialect): Promise<TestDatabase> {
  return kind === "sqlite" ? createSqlite() : createPostgres();
}

async function createSqlite(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), "aloft-db-"));
  const config: DatabaseConfig = {
    kind: "sqlite",
    sqlitePath: join(dir, "aloft.db"),
    postgresUrl: "",
    maxConnections: 1,
  };
  const database = await createDatabase(config);
  try {
    await migrateToLatest(database.db);
  } catch (err) {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let dropped = false;
  return {
    config,
    database,
    async drop() {
      if (dropped) return;
      dropped = true;
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createPostgres(): Promise<TestDatabase> {
  const name = `aloft_t_${randomBytes(6).toString("hex")}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  const config: DatabaseConfig = { kind: "postgres", sqlitePath: "", postgresUrl: url.toString(), maxConnections: 4 };
  let dropped = false;
  let database: Database | undefined;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await database?.close();
    await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  try {
    database = await createDatabase(config);
    await migrateToLatest(database.db);
  } catch (err) {
    await drop().catch(() => {});
    throw err;
  }
  return { config, database, drop };
}

/**
 * Declares `body`'s tests twice: on SQLite and on PostgreSQL, each with a fresh migrated database shared by the
 * suite's tests (created before, dropped after). `getDb()` is valid inside tests and hooks.
 */
export function forEachDatabase(suiteName: string, body: (getDb: () => Database) => void): void {
  for (const kind of ["sqlite", "postgres"] as const) {
    describe(`${suiteName} [${kind}]`, async () => {
      if (kind === "postgres") {
        const skip = await postgresAvailability();
        if (skip) {
          test(`${suiteName} on PostgreSQL`, { skip }, () => {});
          return;
        }
      }
      let testDb: TestDatabase | undefined;
      before(async () => {
        testDb = await createTestDatabase(kind);
      });
      after(async () => {
        await testDb?.drop();
      });
      body(() => {
        if (!testDb) throw new Error("the test database is not ready (use getDb() inside tests or hooks)");
        return testDb.database;
      });
    });
  }
}

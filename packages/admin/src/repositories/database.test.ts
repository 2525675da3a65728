import assert from "node:assert/strict";
import { migrations } from "./migrations/index.ts";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { sql } from "kysely";
import { AloftError, Code } from "@aloft/core";
import { createDatabase, type Database } from "./database.ts";
import { withDbErrors } from "./db-errors.ts";
import { migrateToLatest } from "./migrator.ts";
import { createTestDatabase, postgresAvailability } from "@aloft/testkit";

test("SQLite: creates the parent directory, WAL, foreign keys, busy timeout", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aloft-dbtest-"));
  try {
    const path = join(dir, "nested", "deeper", "aloft.db");
    const database = await createDatabase({ kind: "sqlite", sqlitePath: path, postgresUrl: "", maxConnections: 1 });
    try {
      assert.equal(database.dialect, "sqlite");
      assert.ok(existsSync(path));
      const pragma = async (name: string) =>
        Object.values((await sql.raw(`pragma ${name}`).execute(database.db)).rows[0] as object)[0];
      assert.equal(String(await pragma("journal_mode")).toLowerCase(), "wal");
      assert.equal(Number(await pragma("foreign_keys")), 1);
      assert.ok(Number(await pragma("busy_timeout")) > 0);
      assert.deepEqual(
        await migrateToLatest(database.db),
        migrations.map((m) => m.name),
      );
    } finally {
      await database.close();
      await database.close(); // idempotent
    }
    // Reopening the same file: migrations already applied.
    const again = await createDatabase({ kind: "sqlite", sqlitePath: path, postgresUrl: "", maxConnections: 1 });
    assert.deepEqual(await migrateToLatest(again.db), []);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SQLite: :memory: works", async () => {
  const database = await createDatabase({ kind: "sqlite", sqlitePath: ":memory:", postgresUrl: "", maxConnections: 1 });
  assert.deepEqual(
    await migrateToLatest(database.db),
    migrations.map((m) => m.name),
  );
  await database.close();
});

test("PostgreSQL: an unreachable server fails at creation", async () => {
  await assert.rejects(
    createDatabase({
      kind: "postgres",
      sqlitePath: "",
      postgresUrl: "postgres://postgres@127.0.0.1:1/none",
      maxConnections: 1,
    }),
  );
});

test("PostgreSQL: idle connections terminated by the server are reported and replaced, never an uncaught exception", async (t) => {
  const skip = await postgresAvailability();
  if (skip) return t.skip(skip);
  const scratch = await createTestDatabase("postgres");
  await scratch.database.close();
  const errors: Error[] = [];
  const database = await createDatabase({
    ...scratch.config,
    maxConnections: 2,
    onConnectionError: (err) => errors.push(err),
  });
  try {
    const pid = async () =>
      Number((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db)).rows[0]!.pid);
    const before = await pid();
    const admin = await createDatabase({ ...scratch.config, maxConnections: 1 });
    try {
      await sql`select pg_terminate_backend(${before})`.execute(admin.db);
    } finally {
      await admin.close();
    }
    for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /terminating connection/);
    const after = await pid();
    assert.notEqual(after, before);
  } finally {
    await database.close();
    await scratch.drop();
  }
});

/** Terminates one backend from another connection (as an administrator, a restart or a failover does). */
async function terminate(config: Parameters<typeof createDatabase>[0], pid: number): Promise<void> {
  const admin = await createDatabase({ ...config, maxConnections: 1 });
  try {
    await sql`select pg_terminate_backend(${pid})`.execute(admin.db);
  } finally {
    await admin.close();
  }
}

const backendPid = async (db: Database["db"]) =>
  Number((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]!.pid);

/** Runs `fn` until it succeeds; every failure on the way must be UNAVAILABLE (bounded: a few stale connections). */
async function recovered<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await withDbErrors(fn);
    } catch (err) {
      if (!unavailable(err) || i >= 10) throw err;
    }
  }
}

const unavailable = (err: unknown) => err instanceof AloftError && err.code === Code.UNAVAILABLE;

test("PostgreSQL: a checked-out connection terminated between queries is reported, the next query fails UNAVAILABLE, the pool recovers", async (t) => {
  const skip = await postgresAvailability();
  if (skip) return t.skip(skip);
  const scratch = await createTestDatabase("postgres");
  await scratch.database.close();
  const errors: Error[] = [];
  const database = await createDatabase({
    ...scratch.config,
    maxConnections: 2,
    onConnectionError: (err) => errors.push(err),
  });
  try {
    // A transaction holds its client checked out while the caller awaits other work (a blob write, say): the
    // server's termination notice then arrives with no query running, as an 'error' event on that client.
    await assert.rejects(
      withDbErrors(() =>
        database.db.transaction().execute(async (trx) => {
          const pid = Number((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid);
          await terminate(scratch.config, pid);
          for (let i = 0; i < 200 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
          await sql`select 1`.execute(trx);
        }),
      ),
      unavailable,
    );
    assert.ok(errors.length >= 1);
    assert.match(errors[0]!.message, /terminating connection/);
    // The broken client is not reused.
    for (let i = 0; i < 5; i++) assert.ok((await backendPid(database.db)) > 0);
  } finally {
    await database.close();
    await scratch.drop();
  }
});

test("PostgreSQL: a query in flight on a terminated connection fails UNAVAILABLE and the pool recovers", async (t) => {
  const skip = await postgresAvailability();
  if (skip) return t.skip(skip);
  const scratch = await createTestDatabase("postgres");
  await scratch.database.close();
  const database = await createDatabase({ ...scratch.config, maxConnections: 2, onConnectionError: () => {} });
  try {
    const pid = await backendPid(database.db);
    const slow = withDbErrors(() => sql`select pg_sleep(30)`.execute(database.db)).then(
      () => undefined,
      (err: unknown) => err,
    );
    const admin = await createDatabase({ ...scratch.config, maxConnections: 1 });
    try {
      // Wait until the sleep is running, then terminate every backend of the pool.
      for (let i = 0; i < 200; i++) {
        const r = await sql<{
          n: number;
        }>`select count(*)::int as n from pg_stat_activity where query like 'select pg_sleep%' and state = 'active' and datname = current_database()`.execute(
          admin.db,
        );
        if (Number(r.rows[0]!.n) > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`.execute(
        admin.db,
      );
    } finally {
      await admin.close();
    }
    const err = await slow;
    assert.ok(unavailable(err), `expected UNAVAILABLE, got ${String(err)}`);
    // Other pooled connections died too; one may be handed out before its notice arrives (that call fails
    // UNAVAILABLE as well). The pool then serves from fresh connections.
    assert.notEqual(await recovered(() => backendPid(database.db)), pid);
  } finally {
    await database.close();
    await scratch.drop();
  }
});

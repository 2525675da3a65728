import assert from "node:assert/strict";
import { migrations } from "./migrations/index.ts";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { sql } from "kysely";
import { createDatabase } from "./database.ts";
import { migrateToLatest } from "./migrator.ts";
import { createTestDatabase, postgresAvailability } from "@aloft/testkit/databases.ts";

test("SQLite: creates the parent directory, WAL, foreign keys, busy timeout", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aloft-dbtest-"));
  try {
    const path = join(dir, "nested", "deeper", "aloft.db");
    const database = await createDatabase({ kind: "sqlite", sqlitePath: path, postgresUrl: "", maxConnections: 1 });
    try {
      assert.equal(database.dialect, "sqlite");
      assert.ok(existsSync(path));
      const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(database.db)).rows[0] as object)[0];
      assert.equal(String(await pragma("journal_mode")).toLowerCase(), "wal");
      assert.equal(Number(await pragma("foreign_keys")), 1);
      assert.ok(Number(await pragma("busy_timeout")) > 0);
      assert.deepEqual(await migrateToLatest(database.db), migrations.map((m) => m.name));
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
  assert.deepEqual(await migrateToLatest(database.db), migrations.map((m) => m.name));
  await database.close();
});

test("PostgreSQL: an unreachable server fails at creation", async () => {
  await assert.rejects(
    createDatabase({ kind: "postgres", sqlitePath: "", postgresUrl: "postgres://postgres@127.0.0.1:1/none", maxConnections: 1 }),
  );
});

test("PostgreSQL: idle connections terminated by the server are reported and replaced, never an uncaught exception", async (t) => {
  const skip = await postgresAvailability();
  if (skip) return t.skip(skip);
  const scratch = await createTestDatabase("postgres");
  await scratch.database.close();
  const errors: Error[] = [];
  const database = await createDatabase({ ...scratch.config, maxConnections: 2, onIdleError: (err) => errors.push(err) });
  try {
    const pid = async () => Number((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db)).rows[0]!.pid);
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

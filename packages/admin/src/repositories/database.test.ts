import assert from "node:assert/strict";
import { migrations } from "./migrations/index.ts";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { sql } from "kysely";
import { createDatabase } from "./database.ts";
import { migrateToLatest } from "./migrator.ts";

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

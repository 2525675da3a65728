import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import { createTestDatabase, forEachDatabase, postgresAdminUrl, postgresAvailability } from "./databases.ts";

async function databaseExists(name: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: postgresAdminUrl() });
  await c.connect();
  try {
    return (await c.query("select 1 from pg_database where datname = $1", [name])).rowCount === 1;
  } finally {
    await c.end();
  }
}

let sqliteFile = "";
forEachDatabase("forEachDatabase itself", (getDb) => {
  test("hands out an open, migrated database", async () => {
    const { db, dialect } = getDb();
    assert.ok(dialect === "sqlite" || dialect === "postgres");
    assert.deepEqual(await db.selectFrom("projects").selectAll().execute(), []);
  });
});

test("createTestDatabase(sqlite): a temp file that drop() removes", async () => {
  const t = await createTestDatabase("sqlite");
  sqliteFile = t.config.sqlitePath;
  assert.ok(existsSync(sqliteFile));
  await t.database.db
    .insertInto("projects")
    .values({
      identifier: "p",
      name: "p",
      description: "",
      labels: null,
      created_at: 0,
      updated_at: 0,
      deleted_at: null,
    })
    .execute();
  await t.drop();
  await t.drop();
  assert.equal(existsSync(dirname(sqliteFile)), false);
});

describe("createTestDatabase(postgres)", { skip: await postgresAvailability() }, () => {
  test("creates a fresh database aloft_t_* and drops it, even with connections open", async () => {
    const t = await createTestDatabase("postgres");
    const name = new URL(t.config.postgresUrl).pathname.slice(1);
    assert.match(name, /^aloft_t_[0-9a-f]{12}$/);
    assert.equal(await databaseExists(name), true);
    assert.deepEqual(await t.database.db.selectFrom("projects").selectAll().execute(), []);
    await t.drop();
    await t.drop();
    assert.equal(await databaseExists(name), false);
  });
});

describe("when PostgreSQL does not answer", () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const probe = (env: Record<string, string | undefined>) =>
    spawnSync(
      process.execPath,
      [
        "--conditions=@aloft/source",
        "--import",
        "tsx",
        "-e",
        `import("./databases.ts").then((m) => m.postgresAvailability()).then((r) => console.log("RESULT " + JSON.stringify(r)))`,
      ],
      {
        cwd: here,
        env: { ...process.env, ALOFT_TEST_POSTGRES_URL: "postgres://postgres@127.0.0.1:1/postgres", ...env },
        encoding: "utf8",
      },
    );

  test("outside CI: a loud warning and a skip reason", () => {
    const r = probe({ CI: "" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /RESULT "PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/postgres does not answer/);
    assert.match(r.stderr, /WARNING: .*SKIPPED/s);
  });

  test("in CI: a failure", () => {
    const r = probe({ CI: "true" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /CI requires PostgreSQL/);
    assert.doesNotMatch(r.stdout, /RESULT/);
  });
});

describe("forEachDatabase when PostgreSQL does not answer", () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const suite = (env: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), "aloft-fed-"));
    try {
      const file = join(dir, "fixture.test.mjs");
      writeFileSync(
        file,
        `import { test } from "node:test";\n` +
          `import { forEachDatabase } from ${JSON.stringify(pathToFileURL(join(here, "databases.ts")).href)};\n` +
          `forEachDatabase("fixture", (getDb) => { test("runs", async () => { await getDb().db.selectFrom("projects").selectAll().execute(); }); });\n`,
      );
      return spawnSync(
        process.execPath,
        ["--conditions=@aloft/source", "--import", "tsx", "--test", "--test-reporter=tap", file],
        {
          cwd: here,
          // NODE_TEST_CONTEXT would make the child talk to this runner's protocol instead of printing TAP.
          env: {
            ...process.env,
            NODE_TEST_CONTEXT: undefined,
            ALOFT_TEST_POSTGRES_URL: "postgres://postgres@127.0.0.1:1/postgres",
            ...env,
          },
          encoding: "utf8",
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  test("outside CI: SQLite runs, PostgreSQL is skipped with the reason", () => {
    const r = suite({ CI: "" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /# pass 1/);
    assert.match(r.stdout, /# skipped 1/);
    assert.match(r.stdout, /# SKIP PostgreSQL at .* does not answer/);
  });

  test("in CI: the PostgreSQL suite fails", () => {
    const r = suite({ CI: "1" });
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /CI requires PostgreSQL/);
  });
});

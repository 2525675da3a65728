import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import { AloftError, Code } from "@aloft/core";
import { forEachDatabase } from "@aloft/testkit";
import { migrations } from "./migrations/index.ts";
import { appliedMigrations, migrateToLatest, rollbackLast } from "./migrator.ts";
import type { AloftMigration } from "./migrations/migration.ts";

forEachDatabase("migrations", (getDb) => {
  test("are applied (by the test database helper) and re-running is a no-op", async () => {
    const { db } = getDb();
    assert.deepEqual(
      await appliedMigrations(db),
      migrations.map((m) => m.name),
    );
    assert.deepEqual(await migrateToLatest(db), []);
    assert.deepEqual(await migrateToLatest(db), []);
  });

  test("concurrent starts serialise on the migration lock", async () => {
    const { db } = getDb();
    const results = await Promise.all([migrateToLatest(db), migrateToLatest(db), migrateToLatest(db)]);
    assert.deepEqual(results, [[], [], []]);
  });

  test("rollbackLast undoes the last migration, migrateToLatest re-applies it", async () => {
    const { db } = getDb();
    const extra: AloftMigration = {
      name: "9999-test-extra",
      async up(d, dialect) {
        await d.schema
          .createTable("extra_t")
          .addColumn("id", dialect === "sqlite" ? "integer" : "bigint")
          .execute();
      },
      async down(d) {
        await d.schema.dropTable("extra_t").execute();
      },
    };
    const list = [...migrations, extra];
    assert.deepEqual(await migrateToLatest(db, list), ["9999-test-extra"]);
    await sql`insert into extra_t (id) values (1)`.execute(db);
    assert.equal(await rollbackLast(db, list), "9999-test-extra");
    await assert.rejects(sql`select * from extra_t`.execute(db));
    assert.deepEqual(
      await appliedMigrations(db, list),
      migrations.map((m) => m.name),
    );
    assert.deepEqual(await migrateToLatest(db, list), ["9999-test-extra"]);
    assert.equal(await rollbackLast(db, list), "9999-test-extra");
  });

  test("a failing migration is reported as INTERNAL with its name and leaves nothing applied", async () => {
    const { db } = getDb();
    const broken: AloftMigration = {
      name: "9999-broken",
      async up(d) {
        await d.schema.createTable("half_done").addColumn("id", "integer").execute();
        await sql`this is not sql`.execute(d);
      },
      async down() {},
    };
    await assert.rejects(migrateToLatest(db, [...migrations, broken]), (err: unknown) => {
      assert.ok(err instanceof AloftError);
      assert.equal(err.code, Code.INTERNAL);
      assert.match(err.message, /9999-broken/);
      return true;
    });
    assert.deepEqual(
      await appliedMigrations(db, [...migrations, broken]),
      migrations.map((m) => m.name),
    );
    // Transactional DDL on both databases: the half-done table was rolled back.
    await assert.rejects(sql`select * from half_done`.execute(db));
  });
});

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

forEachDatabase("migration 0018 (cheaper event rows)", (getDb) => {
  const now = 1_700_000_000_000_000;
  const execution = { execution_project: "p", execution_domain: "d", execution_name: "e" };
  const taskId = { project: "p", domain: "d", name: "t", version: "v1" };
  const node = (nodeId: string, parent: { parent_id?: number; parent_task_execution_id?: number }) => ({
    created_at: now,
    updated_at: now,
    ...execution,
    node_id: nodeId,
    phase: "RUNNING",
    input_uri: `s3://b/${nodeId}`,
    closure: new Uint8Array([1, 2, 3]),
    node_execution_created_at: now,
    node_execution_updated_at: now,
    parent_id: parent.parent_id ?? null,
    parent_task_execution_id: parent.parent_task_execution_id ?? null,
  });
  const task = (nodeId: string, retryAttempt: number) => ({
    created_at: now,
    updated_at: now,
    ...taskId,
    ...execution,
    node_id: nodeId,
    retry_attempt: retryAttempt,
    phase: "SUCCEEDED",
    phase_version: 0,
    closure: new Uint8Array([4, 5]),
    task_execution_created_at: now,
    task_execution_updated_at: now,
  });
  const rows = async (table: string) =>
    (await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by id`.execute(getDb().db)).rows;

  test("rolled back and applied again on tables with rows: every row and id kept, ids continue, keys unique", async () => {
    const { db } = getDb();
    assert.equal(await rollbackLast(db), "0018-cheaper-event-rows");
    const insertNode = async (row: ReturnType<typeof node>) =>
      Number((await db.insertInto("node_executions").values(row).returning("id").executeTakeFirstOrThrow()).id);
    const insertTask = async (row: ReturnType<typeof task>) =>
      Number((await db.insertInto("task_executions").values(row).returning("id").executeTakeFirstOrThrow()).id);
    const n0 = await insertNode(node("n0", {}));
    await insertNode(node("n1", { parent_id: n0 }));
    const t0 = await insertTask(task("n0", 0));
    await insertTask(task("n0", 1));
    await insertNode(node("n0-child", { parent_task_execution_id: t0 }));
    const nodesBefore = await rows("node_executions");
    const tasksBefore = await rows("task_executions");
    assert.equal(nodesBefore.length, 3);

    assert.deepEqual(await migrateToLatest(db), ["0018-cheaper-event-rows"]);
    assert.deepEqual(await rows("node_executions"), nodesBefore);
    assert.deepEqual(await rows("task_executions"), tasksBefore);

    // New rows get ids after the highest (rows are never deleted, so none is reused).
    assert.ok((await insertNode(node("n2", {}))) > Math.max(...nodesBefore.map((r) => Number(r.id))));
    assert.ok((await insertTask(task("n2", 0))) > Math.max(...tasksBefore.map((r) => Number(r.id))));
    // Idempotent event creation relies on the unique keys: still there.
    await assert.rejects(db.insertInto("node_executions").values(node("n1", {})).execute());
    await assert.rejects(db.insertInto("task_executions").values(task("n0", 1)).execute());

    // The partial parent indexes answer the lookups that use them.
    const children = await db.selectFrom("node_executions").select("node_id").where("parent_id", "=", n0).execute();
    assert.deepEqual(children, [{ node_id: "n1" }]);
    const ofTask = await db
      .selectFrom("node_executions")
      .select("node_id")
      .where("parent_task_execution_id", "=", t0)
      .execute();
    assert.deepEqual(ofTask, [{ node_id: "n0-child" }]);
  });

  test("an index of an event table not made by its migrations survives the rebuild", async () => {
    const { db } = getDb();
    assert.equal(await rollbackLast(db), "0018-cheaper-event-rows");
    await db.schema.createIndex("ops_task_executions_phase_idx").on("task_executions").column("phase").execute();
    try {
      assert.deepEqual(await migrateToLatest(db), ["0018-cheaper-event-rows"]);
      const q =
        getDb().dialect === "sqlite"
          ? sql<{
              n: number;
            }>`select count(*) as n from sqlite_master where type = 'index' and name = 'ops_task_executions_phase_idx'`
          : sql<{ n: number }>`select count(*) as n from pg_indexes where indexname = 'ops_task_executions_phase_idx'`;
      assert.equal(Number((await q.execute(db)).rows[0]?.n), 1);
    } finally {
      await db.schema.dropIndex("ops_task_executions_phase_idx").ifExists().execute();
    }
  });

  test("the event tables' ids are plain rowids and the parent indexes are partial", async () => {
    const { db } = getDb();
    const defs =
      getDb().dialect === "sqlite"
        ? (
            await sql<{
              sql: string;
            }>`select sql from sqlite_master where tbl_name in ('node_executions', 'task_executions') and sql is not null`.execute(
              db,
            )
          ).rows.map((r) => r.sql)
        : (
            await sql<{
              sql: string;
            }>`select indexdef as sql from pg_indexes where tablename = 'node_executions' and indexname like '%parent%'`.execute(
              db,
            )
          ).rows.map((r) => r.sql);
    assert.ok(!defs.some((d) => /autoincrement/i.test(d)), defs.join("\n"));
    const parentIndexes = defs.filter((d) => /parent_id_idx|parent_task_execution_id_idx/.test(d));
    assert.equal(parentIndexes.length, 2);
    for (const d of parentIndexes) assert.match(d, /where .*is not null/i);
  });
});

// Direct SQLite writes: the same results and errors as through Kysely, and never inside another caller's transaction.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { CompiledQuery, sql, type Kysely } from "kysely";
import { forEachDatabase } from "@aloft/testkit";
import { withDbErrors } from "./db-errors.ts";
import { executeWrite, ownConnection } from "./direct-writes.ts";
import type { Schema } from "./schema.ts";

forEachDatabase("direct writes", (getDb) => {
  let db: Kysely<Schema>;
  let p: (i: number) => string;
  beforeEach(async () => {
    db = getDb().db;
    p = getDb().dialect === "sqlite" ? () => "?" : (i) => `$${i}`;
    await sql`drop table if exists dw_rows`.execute(db);
    await sql`create table dw_rows (id integer primary key, k integer not null unique)`.execute(db);
  });
  const keys = async () =>
    (await sql<{ k: number }>`select k from dw_rows order by k`.execute(db)).rows.map((r) => Number(r.k));
  const insert = (k: number, returning = "") =>
    CompiledQuery.raw(`insert into dw_rows (id, k) values (${p(1)}, ${p(2)})${returning}`, [k * 10, k]);

  test("results as Kysely gives them: affected rows, the rowid, returned rows", async () => {
    const direct = await executeWrite(db, insert(1));
    const viaKysely = await db.executeQuery(insert(2));
    assert.equal(direct.numAffectedRows, viaKysely.numAffectedRows);
    assert.equal(direct.rows.length, viaKysely.rows.length);
    if (getDb().dialect === "sqlite") assert.equal(direct.insertId, 10n);
    const returned = await executeWrite(db, insert(3, ` returning "id"`));
    assert.deepEqual(
      returned.rows.map((r) => Number((r as { id: number }).id)),
      [30],
    );
    const updated = await executeWrite(db, CompiledQuery.raw(`update dw_rows set k = k + 100 where k < ${p(1)}`, [3]));
    assert.equal(updated.numAffectedRows, 2n);
    assert.deepEqual(await keys(), [3, 101, 102]);
  });

  test("a constraint violation fails the write with the database's error, translated as through Kysely", async () => {
    await executeWrite(db, insert(1));
    const direct = await withDbErrors(() => executeWrite(db, insert(1))).catch((e: unknown) => e);
    const viaKysely = await withDbErrors(() => db.executeQuery(insert(1))).catch((e: unknown) => e);
    assert.ok(direct instanceof Error && viaKysely instanceof Error);
    assert.equal((direct as { code?: unknown }).code, (viaKysely as { code?: unknown }).code);
  });

  test("a write while another caller's transaction is open waits for it, and its rollback does not undo the write", async () => {
    let pending: Promise<unknown> | undefined;
    await db
      .transaction()
      .execute(async (trx) => {
        await trx.executeQuery(insert(1));
        pending = executeWrite(db, insert(2));
        throw new Error("roll back");
      })
      .catch(() => undefined);
    await pending;
    assert.deepEqual(await keys(), [2]);
  });

  test("on a connection whose transaction the caller owns, the write joins that transaction", async () => {
    await db.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      ownConnection(db, conn);
      await executeWrite(conn, insert(1));
      await sql`rollback`.execute(conn);
    });
    await executeWrite(db, insert(2));
    assert.deepEqual(await keys(), [2]);
  });
});

// WriteSql: the text of a write follows the columns each call sets, whichever shape the call before used.
import assert from "node:assert/strict";
import { test } from "node:test";
import { forEachDatabase } from "@aloft/testkit";
import { CompiledQuery, sql } from "kysely";
import { executeWrite } from "./direct-writes.ts";
import { WriteSql, insertedId } from "./write-sql.ts";

forEachDatabase("WriteSql", (getDb) => {
  test("inserts alternating between column sets each get their own columns and values", () => {
    const w = new WriteSql(getDb().db);
    const shapes = [
      { a: 1, b: 2 },
      { a: 1, b: 2 },
      { a: 1, b: undefined },
      { b: 2, a: 1 },
      { a: 1, b: 2, c: 3 },
      { a: 1, b: 2 },
      { a: 1 },
    ];
    for (const values of shapes) {
      const q = w.insert("t", values);
      const cols = Object.keys(values).filter((k) => values[k as keyof typeof values] !== undefined);
      const listed = /^insert into "t" \((.*)\) values \((.*)\)(?: returning "id")?$/.exec(q.sql);
      assert.ok(listed, q.sql);
      assert.deepEqual(
        listed[1]!.split(", ").map((c) => c.replaceAll('"', "")),
        cols,
      );
      assert.equal(listed[2]!.split(", ").length, cols.length);
      assert.deepEqual(
        q.parameters,
        cols.map((c) => values[c as keyof typeof values]),
      );
    }
  });

  test("insertedId reads the new row's id, returned (PostgreSQL) or reported with the write (SQLite)", async () => {
    const { db, dialect } = getDb();
    await sql`drop table if exists write_sql_ids`.execute(db);
    await sql`create table write_sql_ids (id ${sql.raw(dialect === "sqlite" ? "integer primary key" : "serial primary key")}, v integer not null)`.execute(
      db,
    );
    const w = new WriteSql(db);
    const ids = [];
    // Directly (on SQLite) and through Kysely: the id comes back either way.
    for (let v = 0; v < 4; v++) {
      const q = w.insert("write_sql_ids", { v });
      const res =
        v % 2 === 0
          ? await executeWrite(db, q)
          : await db.executeQuery(CompiledQuery.raw(q.sql, [...q.parameters]) as CompiledQuery<{ id: number }>);
      ids.push(insertedId(res));
    }
    const stored = await sql<{ id: number; v: number }>`select id, v from write_sql_ids order by id`.execute(db);
    assert.deepEqual(
      ids,
      stored.rows.map((r) => Number(r.id)),
    );
    assert.deepEqual(
      stored.rows.map((r) => Number(r.v)),
      [0, 1, 2, 3],
    );
    await sql`drop table write_sql_ids`.execute(db);
  });
});

// WriteSql: the text of a write follows the columns each call sets, whichever shape the call before used.
import assert from "node:assert/strict";
import { test } from "node:test";
import { forEachDatabase } from "@aloft/testkit";
import { WriteSql } from "./write-sql.ts";

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
      const listed = /^insert into "t" \((.*)\) values \((.*)\) returning "id"$/.exec(q.sql);
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
});

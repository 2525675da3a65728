// The SQLite statement cache: one compiled statement per SQL text, a fresh one while the cached one is iterating,
// least recently used texts dropped past the bound; results are those of fresh statements.
import assert from "node:assert/strict";
import { test } from "node:test";
import SqliteDatabase from "better-sqlite3";
import { withStatementCache } from "./sqlite-statements.ts";

function open() {
  const sqlite = new SqliteDatabase(":memory:");
  sqlite.exec("create table t (id integer primary key, v text)");
  return sqlite;
}

test("the same SQL text reuses one statement, and it still answers each call's parameters", () => {
  const sqlite = open();
  const db = withStatementCache(sqlite);
  const insert = db.prepare("insert into t (v) values (?)");
  assert.equal(db.prepare("insert into t (v) values (?)"), insert);
  insert.run(["a"]);
  db.prepare("insert into t (v) values (?)").run(["b"]);
  const select = db.prepare("select v from t where id = ?");
  assert.equal(select.reader, true);
  assert.deepEqual(select.all([2]), [{ v: "b" }]);
  assert.deepEqual(db.prepare("select v from t where id = ?").all([1]), [{ v: "a" }]);
  db.close();
});

test("while the cached statement is iterating, the same SQL gets a fresh statement", () => {
  const sqlite = open();
  const db = withStatementCache(sqlite);
  db.prepare("insert into t (v) values (?)").run(["a"]);
  db.prepare("insert into t (v) values (?)").run(["b"]);
  const first = db.prepare("select v from t order by id");
  const it = first.iterate([]);
  assert.deepEqual(it.next().value, { v: "a" });
  const second = db.prepare("select v from t order by id");
  assert.notEqual(second, first);
  assert.deepEqual(second.all([]), [{ v: "a" }, { v: "b" }]);
  assert.deepEqual(it.next().value, { v: "b" });
  it.return?.();
  assert.equal(db.prepare("select v from t order by id"), first);
  db.close();
});

test("past the bound the least recently used text is compiled again", () => {
  const sqlite = open();
  const db = withStatementCache(sqlite, 2);
  const a = db.prepare("select 1");
  const b = db.prepare("select 2");
  assert.equal(db.prepare("select 1"), a); // a is now the most recent
  db.prepare("select 3"); // evicts b
  assert.equal(db.prepare("select 1"), a);
  assert.notEqual(db.prepare("select 2"), b);
  db.close();
});

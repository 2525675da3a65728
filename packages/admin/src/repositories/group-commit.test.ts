// GroupCommit on SQLite and PostgreSQL: concurrent writes share one transaction, keep their order and their own
// results, and one failing write (in a statement, or at commit) neither fails nor undoes the others.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { sql, type Kysely } from "kysely";
import { AloftError, Code } from "@aloft/core";
import { forEachDatabase } from "@aloft/testkit";
import { withDbErrors } from "./db-errors.ts";
import { GroupCommit, type Write } from "./group-commit.ts";
import type { Schema } from "./schema.ts";

// Scratch tables outside the schema: the test's own rows.
const insert = (db: Kysely<Schema>, k: number, parent: number | null = null) =>
  withDbErrors(() => sql`insert into gc_rows (k, parent) values (${k}, ${parent})`.execute(db));
const keys = async (db: Kysely<Schema>) =>
  (await sql<{ k: number }>`select k from gc_rows order by seq`.execute(db)).rows.map((r) => Number(r.k));

/**
 * Submits `writes` as one batch: first every slot a batch can run in (one on SQLite, several on PostgreSQL, where a
 * write finding a free slot starts alone) is held by a write waiting on a gate, so the writes under test queue up
 * together; the gate opens once they are all submitted.
 */
function batched<T>(g: GroupCommit, writes: Array<Write<T>>): Promise<Array<PromiseSettledResult<T>>> {
  let open!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  const holders = Array.from({ length: 8 }, () => g.run(() => gate));
  const results = Promise.allSettled(writes.map((w) => g.run(w)));
  open();
  return Promise.all([results, ...holders]).then(([r]) => r);
}

forEachDatabase("group commit", (getDb) => {
  let db: Kysely<Schema>;
  beforeEach(async () => {
    db = getDb().db;
    const dialect = getDb().dialect;
    await sql`drop table if exists gc_rows`.execute(db);
    await sql`drop table if exists gc_parents`.execute(db);
    await sql`create table gc_parents (id integer primary key)`.execute(db);
    // seq: the order rows were written in; parent: a foreign key checked only at commit.
    await sql`create table gc_rows (seq ${sql.raw(dialect === "sqlite" ? "integer primary key autoincrement" : "serial primary key")}, k integer not null unique, parent integer references gc_parents (id) deferrable initially deferred)`.execute(
      db,
    );
  });

  test("concurrent writes commit together, in submission order, each with its own result", async () => {
    const g = new GroupCommit(db);
    const results = await batched(
      g,
      Array.from(
        { length: 20 },
        (_, i) =>
          async (conn = db) => (await insert(conn, i), `w${i}`),
      ),
    );
    assert.deepEqual(
      results.map((r) => (r.status === "fulfilled" ? r.value : r.reason)),
      Array.from({ length: 20 }, (_, i) => `w${i}`),
    );
    assert.deepEqual(
      await keys(db),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.equal(g.stats.batches, 1);
  });

  test("writes of one row submitted in order apply in order (each one sees the previous)", async () => {
    const g = new GroupCommit(db);
    await insert(db, 0);
    // Compare-and-set chains: write i moves k from i to i + 1, which only works after write i - 1.
    const moved = await batched(
      g,
      Array.from({ length: 10 }, (_, i) => async (conn = db) => {
        const r = await sql`update gc_rows set k = ${i + 1} where k = ${i}`.execute(conn);
        return Number(r.numAffectedRows);
      }),
    );
    assert.deepEqual(
      moved.map((r) => r.status === "fulfilled" && r.value),
      Array(10).fill(1),
    );
    assert.deepEqual(await keys(db), [10]);
  });

  test("one failing write among concurrent ones gets its error; the others are committed", async () => {
    const g = new GroupCommit(db);
    await insert(db, 100);
    const outcomes = await batched(g, [
      (conn) => insert(conn ?? db, 1),
      (conn) => insert(conn ?? db, 2),
      (conn) => insert(conn ?? db, 100), // duplicate key: ALREADY_EXISTS, as alone
      async () => {
        throw new Error("not the database");
      },
      (conn) => insert(conn ?? db, 3),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "fulfilled", "rejected", "rejected", "fulfilled"],
    );
    const dup = (outcomes[2] as PromiseRejectedResult).reason;
    assert.ok(dup instanceof AloftError && dup.code === Code.ALREADY_EXISTS, String(dup));
    assert.match(String((outcomes[3] as PromiseRejectedResult).reason), /not the database/);
    assert.deepEqual(await keys(db), [100, 1, 2, 3]);
  });

  test("a database error in a statement mid-batch reaches only its caller", async () => {
    const g = new GroupCommit(db);
    const outcomes = await batched(g, [
      (conn) => insert(conn ?? db, 1),
      (conn) => withDbErrors(() => sql`insert into gc_no_such_table (k) values (1)`.execute(conn ?? db)),
      (conn) => insert(conn ?? db, 2),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    const err = (outcomes[1] as PromiseRejectedResult).reason;
    assert.ok(err instanceof AloftError && err.code === Code.INTERNAL, String(err));
    assert.deepEqual(await keys(db), [1, 2]);
  });

  test("a commit that fails rolls the batch back, then every write runs alone with its own outcome", async () => {
    const g = new GroupCommit(db);
    await sql`insert into gc_parents (id) values (7)`.execute(db);
    // The dangling parent is only noticed at commit (a deferred foreign key): the whole transaction fails there.
    const outcomes = await batched(g, [
      (conn) => insert(conn ?? db, 1, 7),
      (conn) => insert(conn ?? db, 2, 999),
      (conn) => insert(conn ?? db, 3),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    assert.ok((outcomes[1] as PromiseRejectedResult).reason instanceof AloftError);
    assert.deepEqual(await keys(db), [1, 3]);
    assert.equal(g.stats.batches, 0);
  });

  test("a connection lost mid-batch fails only the write that was running; the others are written again", async (t) => {
    if (getDb().dialect !== "postgres") return t.skip("PostgreSQL only: SQLite has no connection to lose");
    const g = new GroupCommit(db);
    const outcomes = await batched(g, [
      (conn) => insert(conn ?? db, 1),
      // The server ends this session (as on a restart): the transaction, with write 1 in it, is gone.
      (conn) => withDbErrors(() => sql`select pg_terminate_backend(pg_backend_pid())`.execute(conn ?? db)),
      (conn) => insert(conn ?? db, 2),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    const err = (outcomes[1] as PromiseRejectedResult).reason;
    assert.ok(err instanceof AloftError && err.code === Code.UNAVAILABLE, String(err));
    assert.deepEqual(await keys(db), [1, 2]);
  });

  test("the write of the only event in progress runs at once; another event's waits to join a batch (SQLite)", async () => {
    const g = new GroupCommit(db);
    const sqlite = getDb().dialect === "sqlite";
    let started = false;
    const write = (k: number) => async (conn?: Kysely<Schema>) => {
      started = true;
      await insert(conn ?? db, k);
      return k;
    };
    g.enter();
    const lone = g.run(write(1));
    assert.equal(started, true, "one event: started before run returned");
    assert.equal(await lone, 1);
    started = false;
    g.enter();
    const shared = g.run(write(2));
    // PostgreSQL starts a write at once on a free slot whatever the count; SQLite waits a turn for others to join.
    assert.equal(started, !sqlite, "two events: started only on PostgreSQL");
    assert.equal(await shared, 2);
    g.leave();
    g.leave();
    started = false;
    const uncounted = g.run(write(3));
    assert.equal(started, !sqlite, "no event counted (another caller): queued as before");
    assert.equal(await uncounted, 3);
    assert.deepEqual(await keys(db), [1, 2, 3]);
  });

  test("every write settles only once its transaction is committed", async () => {
    const g = new GroupCommit(db);
    const seen: number[][] = [];
    // Read from outside the batch as each write's promise settles: its row must be there (committed).
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const holders = Array.from({ length: 8 }, () => g.run(() => gate));
    const writes = Array.from({ length: 5 }, (_, i) =>
      g.run((conn) => insert(conn ?? db, i)).then(async () => seen.push(await keys(db))),
    );
    open();
    await Promise.all([...holders, ...writes]);
    assert.equal(seen.length, 5);
    for (const s of seen) assert.deepEqual(s, [0, 1, 2, 3, 4]);
  });
});

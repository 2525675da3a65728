// Contract tests for ProjectRepo and the list machinery, run on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ManualClock } from "@aloft/core/testing";
import { AloftError, Code } from "@aloft/core";
import { SortSchema, Sort_Direction } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { forEachDatabase } from "@aloft/testkit";
import { nextToken, parseListParams } from "../list/index.ts";
import { ProjectRepo, type NewProjectRow } from "./project-repo.ts";

const T0 = Date.UTC(2024, 0, 1);
const MINUTE = 60_000;

function row(identifier: string, over: Partial<NewProjectRow> = {}): NewProjectRow {
  return {
    identifier,
    name: identifier.toUpperCase(),
    description: `${identifier} description`,
    labels: null,
    state: 0,
    ...over,
  };
}

forEachDatabase("ProjectRepo", (getDb) => {
  let clock: ManualClock;
  let repo: ProjectRepo;

  beforeEach(async () => {
    await getDb().db.deleteFrom("projects").execute();
    clock = new ManualClock(T0);
    repo = new ProjectRepo(getDb().db, clock);
  });

  const list = (filters: string, sortBy?: { key: string; direction?: Sort_Direction }, limit = 0, token = "") => {
    const params = parseListParams({
      entity: "project",
      filters,
      sortBy: sortBy && create(SortSchema, sortBy),
      limit,
      token,
      rpc: "ListProjects",
      limitRequired: false,
    });
    return repo.list(params).then((rows) => ({ ids: rows.map((r) => r.identifier), rows, params }));
  };

  /** Five projects created a minute apart: a(0) b(1, archived) c(2) d(3) e(4). */
  async function seed() {
    for (const [i, id] of ["a", "b", "c", "d", "e"].entries()) {
      clock.set(new Date(T0 + i * MINUTE));
      await repo.create(row(id, { state: id === "b" ? 1 : 0, description: `the ${id} project` }));
    }
  }

  test("create then get returns the row with the clock's timestamps", async () => {
    const labels = new Uint8Array([10, 3, 1, 2, 3]);
    clock.set(new Date(T0 + 1234));
    await repo.create(row("alpha", { labels, state: 2 }));
    const got = await repo.get("alpha");
    assert.deepEqual(got, {
      identifier: "alpha",
      name: "ALPHA",
      description: "alpha description",
      labels,
      state: 2,
      createdAt: new Date(T0 + 1234),
      updatedAt: new Date(T0 + 1234),
    });
    assert.equal(await repo.get("missing"), undefined);
  });

  test("duplicate identifier is ALREADY_EXISTS", async () => {
    await repo.create(row("dup"));
    await assert.rejects(repo.create(row("dup", { name: "other" })), (err: unknown) => {
      assert.ok(err instanceof AloftError);
      assert.equal(err.code, Code.ALREADY_EXISTS);
      assert.equal(
        err.message,
        'value with matching already exists (duplicate key value violates unique constraint "projects_pkey")',
      );
      return true;
    });
    assert.equal((await repo.get("dup"))?.name, "DUP");
  });

  test("createIfAbsent inserts once", async () => {
    assert.equal(await repo.createIfAbsent(row("seed")), true);
    assert.equal(await repo.createIfAbsent(row("seed", { name: "changed" })), false);
    assert.equal((await repo.get("seed"))?.name, "SEED");
  });

  test("update writes only the given fields and updated_at", async () => {
    await repo.create(row("p", { labels: new Uint8Array([1]) }));
    clock.advance(MINUTE);
    assert.equal(await repo.update("p", { description: "new" }), true);
    let got = await repo.get("p");
    assert.equal(got?.name, "P");
    assert.equal(got?.description, "new");
    assert.deepEqual(got?.labels, new Uint8Array([1]));
    assert.deepEqual(got?.createdAt, new Date(T0));
    assert.deepEqual(got?.updatedAt, new Date(T0 + MINUTE));
    assert.equal(await repo.update("p", { state: 1, labels: null, name: "N" }), true);
    got = await repo.get("p");
    assert.deepEqual([got?.state, got?.labels, got?.name, got?.description], [1, null, "N", "new"]);
    assert.equal(await repo.update("nope", { name: "x" }), false);
  });

  test("list: no filters hides archived projects and sorts by identifier", async () => {
    await seed();
    assert.deepEqual((await list("")).ids, ["a", "c", "d", "e"]);
    // With any filter there is no implicit state filter.
    assert.deepEqual((await list("ne(identifier,zzz)")).ids, ["a", "b", "c", "d", "e"]);
  });

  test("list: every filter function", async () => {
    await seed();
    assert.deepEqual((await list("eq(identifier,c)")).ids, ["c"]);
    assert.deepEqual((await list("ne(identifier,c)")).ids, ["a", "b", "d", "e"]);
    assert.deepEqual((await list("gt(identifier,c)")).ids, ["d", "e"]);
    assert.deepEqual((await list("gte(identifier,c)")).ids, ["c", "d", "e"]);
    assert.deepEqual((await list("lt(identifier,c)")).ids, ["a", "b"]);
    assert.deepEqual((await list("lte(identifier,c)")).ids, ["a", "b", "c"]);
    assert.deepEqual((await list("contains(description,e d p)")).ids, ["d"]);
    assert.deepEqual((await list("not_like(description,the _ project)")).ids, []);
    assert.deepEqual((await list("not_like(name,A%)")).ids, ["b", "c", "d", "e"]);
    assert.deepEqual((await list("value_in(identifier,a;c;zz)")).ids, ["a", "c"]);
    assert.deepEqual((await list("value_not_in(identifier,a;c)")).ids, ["b", "d", "e"]);
    assert.deepEqual((await list("eq(state,1)")).ids, ["b"]);
    assert.deepEqual((await list("value_in(state,0;1)+lt(identifier,c)")).ids, ["a", "b"]);
    assert.deepEqual((await list("eq(project.state,0)+gte(project.identifier,d)")).ids, ["d", "e"]);
  });

  test("list: LIKE is case-sensitive on both databases and `\\` escapes wildcards", async () => {
    await repo.create(row("x", { description: "100% Sure" }));
    await repo.create(row("y", { description: "100 percent sure" }));
    assert.deepEqual((await list("contains(description,Sure)")).ids, ["x"]);
    assert.deepEqual((await list("contains(description,sure)")).ids, ["y"]);
    assert.deepEqual((await list("contains(description,0\\% )")).ids, ["x"]);
    assert.deepEqual((await list("contains(description,0% )")).ids, ["x", "y"]);
  });

  test("list: timestamps compare as instants", async () => {
    await seed();
    assert.deepEqual((await list("gt(created_at,2024-01-01T00:02:00Z)")).ids, ["d", "e"]);
    assert.deepEqual((await list("gte(created_at,2024-01-01T00:02:00Z)")).ids, ["c", "d", "e"]);
    assert.deepEqual((await list("gte(created_at,2024-01-01T00:02:00.000001Z)")).ids, ["d", "e"]);
    assert.deepEqual((await list("lt(created_at,2023-12-31T23:01:30-01:00)")).ids, ["a", "b"]);
    assert.deepEqual((await list("eq(updated_at,2024-01-01T00:04:00Z)")).ids, ["e"]);
  });

  test("list: SQL metacharacters in values are harmless", async () => {
    await seed();
    assert.deepEqual((await list("eq(name,x' OR 1=1 --)")).ids, []);
    assert.deepEqual((await list(`eq(name,A" OR "1"="1)`)).ids, []);
    assert.deepEqual((await list("value_in(identifier,a') OR ('1'='1;c)")).ids, ["c"]);
    await repo.create(row("quote", { name: "x' OR 1=1 --" }));
    assert.deepEqual((await list("eq(name,x' OR 1=1 --)")).ids, ["quote"]);
    assert.equal((await list("")).ids.length, 5);
  });

  test("list: sort both directions, with id as the tie-breaker", async () => {
    await seed();
    const all = "ne(identifier,zzz)";
    assert.deepEqual((await list(all, { key: "identifier", direction: Sort_Direction.DESCENDING })).ids, [
      "e",
      "d",
      "c",
      "b",
      "a",
    ]);
    assert.deepEqual((await list(all, { key: "created_at", direction: Sort_Direction.ASCENDING })).ids, [
      "a",
      "b",
      "c",
      "d",
      "e",
    ]);
    assert.deepEqual((await list(all, { key: "created_at" })).ids, ["e", "d", "c", "b", "a"]);
    // Equal keys: insertion (id) order.
    assert.deepEqual((await list(all, { key: "state", direction: Sort_Direction.ASCENDING })).ids, [
      "a",
      "c",
      "d",
      "e",
      "b",
    ]);
    assert.deepEqual((await list(all, { key: "state", direction: Sort_Direction.DESCENDING })).ids, [
      "b",
      "a",
      "c",
      "d",
      "e",
    ]);
  });

  test("list: pagination tokens walk every row once", async () => {
    await seed();
    const seen: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const page = await list("ne(identifier,zzz)", undefined, 2, token);
      seen.push(...page.ids);
      token = nextToken(page.params.offset, page.params.limit, page.rows.length);
      pages++;
    } while (token !== "" && pages < 10);
    assert.deepEqual(seen, ["a", "b", "c", "d", "e"]);
    assert.equal(pages, 3);
    // An exactly-full last page still yields a token, whose page is empty.
    const full = await list("ne(identifier,zzz)", undefined, 5);
    assert.equal(nextToken(0, 5, full.rows.length), "5");
    assert.deepEqual((await list("ne(identifier,zzz)", undefined, 5, "5")).ids, []);
    // Offset without a limit (limit 0 = unlimited).
    assert.deepEqual((await list("ne(identifier,zzz)", undefined, 0, "3")).ids, ["d", "e"]);
  });

  test("list: a value of the wrong type for a column is INVALID_ARGUMENT on both databases", async () => {
    await seed();
    await assert.rejects(
      async () => list("eq(state,abc)"),
      (err: unknown) => err instanceof AloftError && err.code === Code.INVALID_ARGUMENT,
    );
  });
});

// Contract tests for SignalRepo, run on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ManualClock } from "@aloft/core/testing";
import { type AloftError, Code } from "@aloft/core";
import { SortSchema, Sort_Direction } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { forEachDatabase } from "@aloft/testkit";
import { makeFilter, parseListParams } from "../list/index.ts";
import { SignalRepo, type SignalKey } from "./signal-repo.ts";
import { executionTableRow } from "./test-rows.ts";

const T0 = Date.UTC(2024, 0, 1);
const key = (signalId: string, name = "e1"): SignalKey => ({ project: "p", domain: "d", name, signalId });
const BOOL = new Uint8Array([8, 4]);
const INT = new Uint8Array([8, 1]);

forEachDatabase("SignalRepo", (getDb) => {
  let clock: ManualClock;
  let repo: SignalRepo;

  beforeEach(async () => {
    await getDb().db.deleteFrom("signals").execute();
    await getDb().db.deleteFrom("executions").execute();
    clock = new ManualClock(T0);
    repo = new SignalRepo(getDb().db, clock);
  });

  const list = async (
    filters: string,
    extra: { sort?: { key: string; direction?: Sort_Direction }; limit?: number; token?: string; name?: string } = {},
  ) => {
    const params = parseListParams({
      entity: "signal",
      filters,
      sortBy: extra.sort && create(SortSchema, extra.sort),
      limit: extra.limit ?? 100,
      token: extra.token ?? "",
      rpc: "ListSignals",
      limitRequired: true,
    });
    const scope = [
      makeFilter("signal", "eq", "execution_project", "p"),
      makeFilter("signal", "eq", "execution_domain", "d"),
      makeFilter("signal", "eq", "execution_name", extra.name ?? "e1"),
    ];
    return repo.list({ ...params, filters: [...scope, ...params.filters] });
  };

  test("getOrCreate inserts once; a second call returns the stored row unchanged, whatever type it is given", async () => {
    clock.set(new Date(T0 + 5));
    const first = await repo.getOrCreate(key("approve"), BOOL);
    assert.deepEqual(first, {
      ...key("approve"),
      type: BOOL,
      value: undefined,
      createdAt: new Date(T0 + 5),
      updatedAt: new Date(T0 + 5),
    });
    assert.ok(!Buffer.isBuffer(first.type));
    clock.set(new Date(T0 + 10));
    const again = await repo.getOrCreate(key("approve"), INT);
    assert.deepEqual(again, first);
    assert.equal((await getDb().db.selectFrom("signals").selectAll().execute()).length, 1);
  });

  test("concurrent getOrCreate calls of the same key all succeed with one row", async () => {
    const rows = await Promise.all(Array.from({ length: 8 }, () => repo.getOrCreate(key("s"), INT)));
    assert.ok(rows.every((r) => r.signalId === "s"));
    assert.equal((await getDb().db.selectFrom("signals").selectAll().execute()).length, 1);
  });

  test("get answers undefined for another execution or signal id", async () => {
    await repo.getOrCreate(key("s"), INT);
    assert.equal(await repo.get(key("s", "e2")), undefined);
    assert.equal(await repo.get(key("t")), undefined);
    assert.equal((await repo.get(key("s")))?.signalId, "s");
  });

  test("setValue writes and overwrites the value and updated_at; false for an unknown signal", async () => {
    await repo.getOrCreate(key("s"), INT);
    clock.set(new Date(T0 + 1000));
    assert.equal(await repo.setValue(key("s"), new Uint8Array([1, 2, 3])), true);
    let got = await repo.get(key("s"));
    assert.deepEqual(got?.value, new Uint8Array([1, 2, 3]));
    assert.deepEqual(got?.updatedAt, new Date(T0 + 1000));
    assert.deepEqual(got?.createdAt, new Date(T0));
    assert.equal(await repo.setValue(key("s"), new Uint8Array([9])), true);
    got = await repo.get(key("s"));
    assert.deepEqual(got?.value, new Uint8Array([9]));
    assert.equal(await repo.setValue(key("nope"), new Uint8Array([9])), false);
    assert.equal(await repo.get(key("nope")), undefined);
  });

  test("list scopes to the execution, filters on signal columns, sorts and pages", async () => {
    for (const [i, id] of ["b", "a", "c"].entries()) {
      clock.set(new Date(T0 + i * 1000));
      await repo.getOrCreate(key(id), INT);
    }
    await repo.getOrCreate(key("z", "e2"), INT);
    assert.deepEqual(
      (await list("")).map((r) => r.signalId),
      ["b", "a", "c"],
      "default order is insertion (id)",
    );
    assert.deepEqual(
      (await list("", { sort: { key: "signal_id", direction: Sort_Direction.ASCENDING } })).map((r) => r.signalId),
      ["a", "b", "c"],
    );
    assert.deepEqual(
      (await list("", { sort: { key: "created_at" } })).map((r) => r.signalId),
      ["c", "a", "b"],
    );
    assert.deepEqual(
      (await list("eq(signal_id,a)")).map((r) => r.signalId),
      ["a"],
    );
    assert.deepEqual(
      (await list("value_in(signal_id,a;c)")).map((r) => r.signalId),
      ["a", "c"],
    );
    assert.deepEqual(
      (await list("gte(created_at,2024-01-01T00:00:01Z)")).map((r) => r.signalId),
      ["a", "c"],
    );
    assert.deepEqual(
      (await list("", { limit: 2 })).map((r) => r.signalId),
      ["b", "a"],
    );
    assert.deepEqual(
      (await list("", { limit: 2, token: "2" })).map((r) => r.signalId),
      ["c"],
    );
    assert.deepEqual(
      (await list("", { name: "e2" })).map((r) => r.signalId),
      ["z"],
    );
  });

  test("filters on the serialized type/value columns and on other entities are INVALID_ARGUMENT", async () => {
    await assert.rejects(
      list("eq(value,1)"),
      (e: AloftError) => e.code === Code.INVALID_ARGUMENT && /cannot be filtered/.test(e.message),
    );
    await assert.rejects(
      list("eq(execution.phase,RUNNING)"),
      (e: AloftError) => e.code === Code.INVALID_ARGUMENT && e.message === "'e' entity is not allowed in filters",
    );
    await assert.rejects(
      list("eq(nope,1)"),
      (e: AloftError) => e.code === Code.INVALID_ARGUMENT && e.message === "'s.nope' is invalid filter",
    );
  });

  test("executionExists looks at the executions table", async () => {
    assert.equal(await repo.executionExists({ project: "p", domain: "d", name: "e1" }), false);
    await getDb().db.insertInto("executions").values(executionTableRow("e1")).execute();
    assert.equal(await repo.executionExists({ project: "p", domain: "d", name: "e1" }), true);
    assert.equal(await repo.executionExists({ project: "p", domain: "x", name: "e1" }), false);
  });
});

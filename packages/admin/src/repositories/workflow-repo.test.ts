// Contract tests for WorkflowRepo, run on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ManualClock } from "@aloft/core/testing";
import { type AloftError, Code } from "@aloft/core";
import { SortSchema, Sort_Direction } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { forEachDatabase } from "@aloft/testkit";
import { makeFilter, parseListParams } from "../list/index.ts";
import { WorkflowRepo, type NewWorkflowRow } from "./workflow-repo.ts";

const T0 = Date.UTC(2024, 0, 1);

function row(name: string, version: string, over: Partial<NewWorkflowRow> = {}): NewWorkflowRow {
  return {
    project: "p",
    domain: "d",
    name,
    version,
    typedInterface: new Uint8Array([1, 2, 3]),
    remoteClosureIdentifier: `file:///x/${name}/${version}`,
    digest: `digest-${name}-${version}`,
    shortDescription: "",
    ...over,
  };
}

forEachDatabase("WorkflowRepo", (getDb) => {
  let clock: ManualClock;
  let repo: WorkflowRepo;

  beforeEach(async () => {
    await getDb().db.deleteFrom("launch_plans").execute();
    await getDb().db.deleteFrom("workflows").execute();
    clock = new ManualClock(T0);
    repo = new WorkflowRepo(getDb().db, clock);
  });

  const params = (filters: string, sortBy?: { key: string; direction?: Sort_Direction }, limit = 10, token = "") =>
    parseListParams({
      entity: "workflow",
      filters,
      sortBy: sortBy && create(SortSchema, sortBy),
      limit,
      token,
      rpc: "ListWorkflows",
      limitRequired: true,
    });

  test("create then get round-trips every column; absent ids are undefined", async () => {
    clock.set(new Date(T0 + 5));
    const created = await repo.create(row("wf", "v1", { shortDescription: "short", typedInterface: null }));
    const got = await repo.get({ project: "p", domain: "d", name: "wf", version: "v1" });
    assert.deepEqual(got, created);
    assert.equal(got?.typedInterface, null);
    assert.equal(got?.shortDescription, "short");
    assert.equal(got?.createdAt.getTime(), T0 + 5);
    assert.deepEqual(await repo.getById(created.id), created);
    assert.equal(await repo.get({ project: "p", domain: "d", name: "wf", version: "v2" }), undefined);
    assert.equal(await repo.getById(created.id + 1000), undefined);
  });

  test("a duplicate identifier is ALREADY_EXISTS", async () => {
    await repo.create(row("wf", "v1"));
    await assert.rejects(
      repo.create(row("wf", "v1", { digest: "other" })),
      (e: AloftError) => e.code === Code.ALREADY_EXISTS,
    );
  });

  test("work done in the same transaction is rolled back with a failed insert, and vice versa", async () => {
    await assert.rejects(
      repo.create(row("wf", "v1"), async () => {
        throw new Error("description failed");
      }),
      /description failed/,
    );
    assert.equal(await repo.get({ project: "p", domain: "d", name: "wf", version: "v1" }), undefined);
    let ran = false;
    await repo.create(row("wf", "v1"), async (tx) => {
      ran = true;
      const n = await tx.selectFrom("workflows").select("name").execute();
      assert.equal(n.length, 1, "the transaction sees its own insert");
    });
    assert.ok(ran);
  });

  test("list applies identifier filters, request filters, sort and pagination", async () => {
    for (const [i, [name, version]] of [
      ["a", "v1"],
      ["a", "v2"],
      ["b", "v1"],
      ["c", "v1"],
    ].entries()) {
      clock.set(new Date(T0 + i * 1000));
      await repo.create(row(name!, version!));
    }
    await repo.create(row("a", "v1", { project: "other" }));
    const scope = [makeFilter("workflow", "eq", "project", "p"), makeFilter("workflow", "eq", "domain", "d")];
    const all = await repo.list({ ...params(""), filters: scope });
    assert.deepEqual(
      all.map((r) => `${r.name}/${r.version}`),
      ["a/v1", "a/v2", "b/v1", "c/v1"],
    );
    const named = await repo.list({ ...params(""), filters: [...scope, makeFilter("workflow", "eq", "name", "a")] });
    assert.deepEqual(
      named.map((r) => r.version),
      ["v1", "v2"],
    );
    const p = params("gte(created_at,2024-01-01T00:00:01Z)", { key: "created_at" });
    const newest = await repo.list({ ...p, filters: [...scope, ...p.filters] });
    assert.deepEqual(
      newest.map((r) => `${r.name}/${r.version}`),
      ["c/v1", "b/v1", "a/v2"],
    );
    const page = params("", { key: "name", direction: Sort_Direction.ASCENDING }, 2, "2");
    const rows = await repo.list({ ...page, filters: scope });
    assert.deepEqual(
      rows.map((r) => `${r.name}/${r.version}`),
      ["b/v1", "c/v1"],
    );
  });

  test("listIds groups versions by name and paginates over the groups", async () => {
    for (const [i, [name, version]] of [
      ["b", "v1"],
      ["a", "v1"],
      ["a", "v2"],
      ["c", "v1"],
    ].entries()) {
      clock.set(new Date(T0 + i * 1000));
      await repo.create(row(name!, version!));
    }
    const scope = [makeFilter("workflow", "eq", "project", "p"), makeFilter("workflow", "eq", "domain", "d")];
    assert.deepEqual(
      (await repo.listIds({ ...params(""), filters: scope })).map((r) => r.name),
      ["a", "b", "c"],
    );
    const page = await repo.listIds({ ...params("", undefined, 2, "1"), filters: scope });
    assert.deepEqual(page, [
      { project: "p", domain: "d", name: "b" },
      { project: "p", domain: "d", name: "c" },
    ]);
    // Sorting by a non-grouped column orders groups by its newest (desc) value: c(3) a(2) b(0).
    const byTime = await repo.listIds({ ...params("", { key: "created_at" }), filters: scope });
    assert.deepEqual(
      byTime.map((r) => r.name),
      ["c", "a", "b"],
    );
    const byName = await repo.listIds({ ...params("", { key: "name" }), filters: scope });
    assert.deepEqual(
      byName.map((r) => r.name),
      ["c", "b", "a"],
    );
  });
});

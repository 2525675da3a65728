// Contract tests for TaskRepo, run on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { ManualClock } from "@aloft/core/testing";
import { type AloftError, Code } from "@aloft/core";
import { SortSchema, Sort_Direction } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { TaskClosureSchema } from "@aloft/idl/flyteidl/admin/task_pb.js";
import { CompiledTaskSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { forEachDatabase } from "@aloft/testkit";
import { makeFilter, parseListParams } from "../list/index.ts";
import { TaskRepo, type NewTaskRow } from "./task-repo.ts";

const T0 = Date.UTC(2024, 0, 1);
const MINUTE = 60_000;

function closure(type: string): Uint8Array {
  return toBinary(
    TaskClosureSchema,
    create(TaskClosureSchema, {
      compiledTask: create(CompiledTaskSchema, { template: create(TaskTemplateSchema, { type }) }),
    }),
  );
}

function row(name: string, version: string, over: Partial<NewTaskRow> = {}): NewTaskRow {
  return {
    project: "p",
    domain: "d",
    name,
    version,
    closure: closure(`type-${name}`),
    digest: `${name}@${version}`,
    type: "python-task",
    shortDescription: "",
    ...over,
  };
}

forEachDatabase("TaskRepo", (getDb) => {
  let clock: ManualClock;
  let repo: TaskRepo;

  beforeEach(async () => {
    await getDb().db.deleteFrom("description_entities").execute();
    await getDb().db.deleteFrom("tasks").execute();
    clock = new ManualClock(T0);
    repo = new TaskRepo(getDb().db, clock);
  });

  const list = async (
    filters: string,
    extra: { name?: string; sort?: { key: string; direction?: Sort_Direction }; limit?: number; token?: string } = {},
  ) => {
    const params = parseListParams({
      entity: "task",
      filters,
      sortBy: extra.sort && create(SortSchema, extra.sort),
      limit: extra.limit ?? 100,
      token: extra.token ?? "",
      rpc: "ListTasks",
      limitRequired: true,
    });
    const scope = [makeFilter("task", "eq", "project", "p"), makeFilter("task", "eq", "domain", "d")];
    if (extra.name) scope.push(makeFilter("task", "eq", "name", extra.name));
    return { ...params, filters: [...scope, ...params.filters] };
  };

  test("create then get returns the row, its bytes and the clock's created_at; getCompiledTask decodes the closure", async () => {
    clock.set(new Date(T0 + 1234));
    await repo.create(row("a", "v1", { shortDescription: "short" }));
    const got = await repo.get({ project: "p", domain: "d", name: "a", version: "v1" });
    assert.ok(got);
    assert.deepEqual(got, { ...row("a", "v1", { shortDescription: "short" }), createdAt: new Date(T0 + 1234) });
    assert.ok(got.closure instanceof Uint8Array && !Buffer.isBuffer(got.closure));
    const compiled = await repo.getCompiledTask({ project: "p", domain: "d", name: "a", version: "v1" });
    assert.equal(compiled?.template?.type, "type-a");
    assert.equal(await repo.get({ project: "p", domain: "d", name: "a", version: "v2" }), undefined);
    assert.equal(await repo.getCompiledTask({ project: "p", domain: "x", name: "a", version: "v1" }), undefined);
  });

  test("a duplicate version is ALREADY_EXISTS and writes nothing (the description insert is rolled back)", async () => {
    await repo.create(row("a", "v1"));
    const description = {
      resourceType: 1,
      project: "p",
      domain: "d",
      name: "a",
      version: "v1",
      shortDescription: "s",
      longDescription: null,
      link: "",
    };
    await assert.rejects(
      repo.create(row("a", "v1", { digest: "other" }), description),
      (e: AloftError) => e.code === Code.ALREADY_EXISTS,
    );
    const descriptions = await getDb().db.selectFrom("description_entities").selectAll().execute();
    assert.equal(descriptions.length, 0);
    assert.equal((await repo.get({ project: "p", domain: "d", name: "a", version: "v1" }))?.digest, "a@v1");
  });

  test("create with a description writes both rows", async () => {
    const description = {
      resourceType: 1,
      project: "p",
      domain: "d",
      name: "a",
      version: "v1",
      shortDescription: "s",
      longDescription: new Uint8Array([1, 2]),
      link: "l",
    };
    await repo.create(row("a", "v1"), description);
    const rows = await getDb().db.selectFrom("description_entities").selectAll().execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.short_description, "s");
  });

  test("list scopes by project/domain/name, filters, sorts, and pages with a stable fallback order", async () => {
    for (const [i, [name, version]] of [
      ["a", "v1"],
      ["a", "v2"],
      ["b", "v1"],
      ["a", "v3"],
    ].entries()) {
      clock.set(new Date(T0 + i * MINUTE));
      await repo.create(row(name!, version!));
    }
    await repo.create(row("a", "v1", { project: "other" }));
    const ids = async (q: Awaited<ReturnType<typeof list>>) =>
      (await repo.list(q)).map((r) => `${r.name}:${r.version}`);
    assert.deepEqual(await ids(await list("")), ["a:v1", "a:v2", "b:v1", "a:v3"]);
    assert.deepEqual(await ids(await list("", { name: "a" })), ["a:v1", "a:v2", "a:v3"]);
    assert.deepEqual(await ids(await list("", { name: "a", sort: { key: "created_at" } })), ["a:v3", "a:v2", "a:v1"]);
    assert.deepEqual(await ids(await list("value_in(version,v2;v3)")), ["a:v2", "a:v3"]);
    assert.deepEqual(await ids(await list(`gte(created_at,${new Date(T0 + 2 * MINUTE).toISOString()})`)), [
      "b:v1",
      "a:v3",
    ]);
    assert.deepEqual(
      await ids(
        await list("", { limit: 2, token: "2", sort: { key: "version", direction: Sort_Direction.ASCENDING } }),
      ),
      ["a:v2", "a:v3"],
    );
  });

  test("listNames gives one row per name, paged over the distinct names, optionally ordered by an aggregate", async () => {
    for (const [i, [name, version]] of [
      ["b", "v1"],
      ["a", "v1"],
      ["a", "v2"],
      ["c", "v1"],
      ["b", "v2"],
    ].entries()) {
      clock.set(new Date(T0 + i * MINUTE));
      await repo.create(row(name!, version!));
    }
    const names = async (q: Awaited<ReturnType<typeof list>>) => (await repo.listNames(q)).map((r) => r.name);
    assert.deepEqual(await names(await list("")), ["a", "b", "c"]);
    assert.deepEqual(await names(await list("", { limit: 2, token: "2" })), ["c"]);
    assert.deepEqual(await names(await list("", { sort: { key: "name" } })), ["c", "b", "a"]);
    // Latest version first: b (v2 at minute 4), c (3), a (2).
    assert.deepEqual(await names(await list("", { sort: { key: "created_at" } })), ["b", "c", "a"]);
    // Earliest first: b (0), a (1), c (3).
    assert.deepEqual(
      await names(await list("", { sort: { key: "created_at", direction: Sort_Direction.ASCENDING } })),
      ["b", "a", "c"],
    );
    const [first] = await repo.listNames(await list(""));
    assert.deepEqual(first, { project: "p", domain: "d", name: "a" });
  });
});

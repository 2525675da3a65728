// Contract tests for NamedEntityRepo, run on SQLite and PostgreSQL, over tasks and (when its table exists) workflows.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ManualClock } from "@aloft/core/testing";
import { type AloftError, Code } from "@aloft/core";
import { SortSchema, Sort_Direction } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { forEachDatabase } from "@aloft/testkit";
import { makeFilter, parseListParams } from "../list/index.ts";
import { NamedEntityRepo, type NamedEntityListQuery } from "./named-entity-repo.ts";
import { TaskRepo } from "./task-repo.ts";

const T0 = Date.UTC(2024, 0, 1);

forEachDatabase("NamedEntityRepo", (getDb) => {
  let clock: ManualClock;
  let repo: NamedEntityRepo;
  let tasks: TaskRepo;

  beforeEach(async () => {
    const db = getDb().db;
    await db.deleteFrom("named_entity_metadata").execute();
    await db.deleteFrom("tasks").execute();
    clock = new ManualClock(T0);
    repo = new NamedEntityRepo(db, clock);
    tasks = new TaskRepo(db, clock);
  });

  const addTask = (name: string, version: string, project = "p") =>
    tasks.create({
      project,
      domain: "d",
      name,
      version,
      closure: new Uint8Array([1]),
      digest: "x",
      type: "t",
      shortDescription: "",
    });

  const query = (
    filters: string,
    extra: {
      sort?: { key: string; direction?: Sort_Direction };
      limit?: number;
      token?: string;
      type?: ResourceType;
    } = {},
  ): NamedEntityListQuery => {
    const params = parseListParams({
      entity: "named_entity",
      filters,
      sortBy: extra.sort && create(SortSchema, extra.sort),
      limit: extra.limit ?? 100,
      token: extra.token ?? "",
      rpc: "ListNamedEntities",
      limitRequired: true,
    });
    return { resourceType: extra.type ?? ResourceType.TASK, project: "p", domain: "d", ...params };
  };
  const names = async (q: NamedEntityListQuery) => (await repo.list(q)).map((r) => r.name);

  test("get joins the optional metadata; absent names are undefined", async () => {
    await addTask("a", "v1");
    await addTask("a", "v2");
    const key = { resourceType: ResourceType.TASK, project: "p", domain: "d", name: "a" };
    assert.deepEqual(await repo.get(key), { ...key, description: "", state: 0 });
    await repo.upsertMetadata({ ...key, description: "hello", state: 1 });
    assert.deepEqual(await repo.get(key), { ...key, description: "hello", state: 1 });
    assert.equal(await repo.get({ ...key, name: "zz" }), undefined);
    // Metadata of another resource type does not leak into tasks.
    await repo.upsertMetadata({ ...key, resourceType: ResourceType.WORKFLOW, description: "wf", state: 1 });
    assert.deepEqual(await repo.get(key), { ...key, description: "hello", state: 1 });
  });

  test("upsert writes the state always and the description only when non-empty", async () => {
    await addTask("a", "v1");
    const key = { resourceType: ResourceType.TASK, project: "p", domain: "d", name: "a" };
    await repo.upsertMetadata({ ...key, description: "", state: 1 });
    assert.deepEqual(await repo.get(key), { ...key, description: "", state: 1 });
    await repo.upsertMetadata({ ...key, description: "kept", state: 1 });
    await repo.upsertMetadata({ ...key, description: "", state: 0 });
    assert.deepEqual(await repo.get(key), { ...key, description: "kept", state: 0 });
    const rows = await getDb().db.selectFrom("named_entity_metadata").selectAll().execute();
    assert.equal(rows.length, 1);
  });

  test("list: one row per name of the project/domain, filters incl. COALESCE'd state, sort and paging", async () => {
    for (const [name, version] of [
      ["b", "v1"],
      ["a", "v1"],
      ["a", "v2"],
      [".flytegen.x", "v1"],
      ["c", "v1"],
    ])
      await addTask(name!, version!);
    await addTask("other", "v1", "q");
    await repo.upsertMetadata({
      resourceType: ResourceType.TASK,
      project: "p",
      domain: "d",
      name: "b",
      description: "bee",
      state: 1,
    });
    assert.deepEqual(await names(query("")), [".flytegen.x", "a", "b", "c"]);
    const hidden = { ...query(""), filters: [makeFilter("named_entity", "not_like", "name", ".flytegen%")] };
    assert.deepEqual(await names(hidden), ["a", "b", "c"]);
    assert.deepEqual(await names(query("eq(state,1)")), ["b"]);
    assert.deepEqual(await names(query("eq(state,0)")), [".flytegen.x", "a", "c"]);
    assert.deepEqual(await names(query("eq(named_entity_metadata.state,0)+contains(name,a)")), ["a"]);
    assert.deepEqual(await names(query("contains(description,ee)")), ["b"]);
    assert.deepEqual(await names(query("", { sort: { key: "name" } })), ["c", "b", "a", ".flytegen.x"]);
    assert.deepEqual(await names(query("", { sort: { key: "state" } })).then((n) => n[0]), "b");
    assert.deepEqual(
      await names(query("", { limit: 2, token: "1", sort: { key: "name", direction: Sort_Direction.ASCENDING } })),
      ["a", "b"],
    );
    const rows = await repo.list(query("eq(name,b)"));
    assert.deepEqual(rows, [
      { resourceType: ResourceType.TASK, project: "p", domain: "d", name: "b", description: "bee", state: 1 },
    ]);
  });

  test("workflow names come from the workflows table", async () => {
    const db = getDb().db;
    await db.deleteFrom("workflows").execute();
    for (const [name, version] of [
      ["wf", "v1"],
      ["wf", "v2"],
      ["wf2", "v1"],
    ]) {
      await db
        .insertInto("workflows")
        .values({
          project: "p",
          domain: "d",
          name: name!,
          version: version!,
          typed_interface: null,
          remote_closure_identifier: "s3://x",
          digest: "d",
          short_description: "",
          created_at: 0,
          updated_at: 0,
          deleted_at: null,
        })
        .execute();
    }
    await addTask("task-only", "v1");
    assert.deepEqual(await names(query("", { type: ResourceType.WORKFLOW })), ["wf", "wf2"]);
    assert.ok(await repo.get({ resourceType: ResourceType.WORKFLOW, project: "p", domain: "d", name: "wf" }));
    assert.equal(
      await repo.get({ resourceType: ResourceType.WORKFLOW, project: "p", domain: "d", name: "task-only" }),
      undefined,
    );
  });

  test("launch plan names come from the launch_plans table, with their own metadata", async () => {
    const db = getDb().db;
    await db.deleteFrom("launch_plans").execute();
    for (const [name, version] of [
      ["lp", "v1"],
      ["lp", "v2"],
      [".flytegen.lp", "v1"],
    ]) {
      await db
        .insertInto("launch_plans")
        .values({
          project: "p",
          domain: "d",
          name: name!,
          version: version!,
          spec: new Uint8Array(),
          workflow_id: 1,
          closure: new Uint8Array(),
          digest: "d",
          launch_condition_type: null,
          created_at: 0,
          updated_at: 0,
          deleted_at: null,
        })
        .execute();
    }
    await addTask("lp", "v1");
    await repo.upsertMetadata({
      resourceType: ResourceType.LAUNCH_PLAN,
      project: "p",
      domain: "d",
      name: "lp",
      description: "plan",
      state: 1,
    });
    const rows = await repo.list({
      ...query("", { type: ResourceType.LAUNCH_PLAN }),
      filters: [makeFilter("named_entity", "not_like", "name", ".flytegen%")],
    });
    assert.deepEqual(rows, [
      { resourceType: ResourceType.LAUNCH_PLAN, project: "p", domain: "d", name: "lp", description: "plan", state: 1 },
    ]);
    assert.deepEqual(await repo.get({ resourceType: ResourceType.TASK, project: "p", domain: "d", name: "lp" }), {
      resourceType: ResourceType.TASK,
      project: "p",
      domain: "d",
      name: "lp",
      description: "",
      state: 0,
    });
  });

  test("resource types without names are INVALID_ARGUMENT", async () => {
    await assert.rejects(
      repo.list(query("", { type: ResourceType.DATASET })),
      (e: AloftError) =>
        e.code === Code.INVALID_ARGUMENT && e.message === "Cannot list entity names for resource type: DATASET",
    );
    await assert.rejects(
      repo.get({ resourceType: ResourceType.DATASET, project: "p", domain: "d", name: "a" }),
      (e: AloftError) =>
        e.code === Code.INVALID_ARGUMENT && e.message === "Cannot get NamedEntityMetadata for resource type: DATASET",
    );
  });
});

// NamedEntityManager over SQLite: every error path of upstream flyteadmin/pkg/manager/impl/named_entity_manager.go with code and message, the default filter and updates.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ManualClock } from "@aloft/core/testing";
import { Code } from "@aloft/core";
import {
  NamedEntityGetRequestSchema,
  NamedEntityListRequestSchema,
  NamedEntityState,
  NamedEntityUpdateRequestSchema,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { aloftErrorIs, createTestDatabase, type TestDatabase } from "@aloft/testkit";
import { NamedEntityRepo } from "../repositories/named-entity-repo.ts";
import { TaskRepo } from "../repositories/task-repo.ts";
import { NamedEntityManager } from "./named-entity-manager.ts";

const IA = Code.INVALID_ARGUMENT;
const is = aloftErrorIs;
const ID = { project: "p", domain: "d", name: "t" };

describe("NamedEntityManager", () => {
  let tdb: TestDatabase;
  let manager: NamedEntityManager;
  before(async () => {
    tdb = await createTestDatabase("sqlite");
    const tasks = new TaskRepo(tdb.database.db, new ManualClock());
    for (const name of ["t", "u", ".flytegen.t"]) {
      await tasks.create({
        ...ID,
        name,
        version: "v1",
        closure: new Uint8Array([1]),
        digest: "x",
        type: "python-task",
        shortDescription: "",
      });
    }
  });
  after(() => tdb?.drop());
  beforeEach(async () => {
    await tdb.database.db.deleteFrom("named_entity_metadata").execute();
    manager = new NamedEntityManager(new NamedEntityRepo(tdb.database.db, new ManualClock()));
  });

  const get = (r: MessageInitShape<typeof NamedEntityGetRequestSchema>) =>
    manager.get(create(NamedEntityGetRequestSchema, r));
  const update = (r: MessageInitShape<typeof NamedEntityUpdateRequestSchema>) =>
    manager.update(create(NamedEntityUpdateRequestSchema, r));
  const list = (r: MessageInitShape<typeof NamedEntityListRequestSchema>) =>
    manager.list(create(NamedEntityListRequestSchema, r));

  test("Get: resource type, then id fields; absent entities are NOT_FOUND", async () => {
    await assert.rejects(get({ id: ID }), is(IA, "invalid value for resource_type"));
    await assert.rejects(get({ resourceType: 42 as ResourceType, id: ID }), is(IA, "invalid value for resource_type"));
    await assert.rejects(get({ resourceType: ResourceType.TASK }), is(IA, "missing id"));
    await assert.rejects(
      get({ resourceType: ResourceType.TASK, id: { ...ID, project: "" } }),
      is(IA, "missing project"),
    );
    await assert.rejects(get({ resourceType: ResourceType.TASK, id: { ...ID, domain: "" } }), is(IA, "missing domain"));
    await assert.rejects(get({ resourceType: ResourceType.TASK, id: { ...ID, name: "" } }), is(IA, "missing name"));
    await assert.rejects(
      get({ resourceType: ResourceType.TASK, id: { ...ID, name: "ghost" } }),
      is(Code.NOT_FOUND, "entry not found"),
    );
    await assert.rejects(
      get({ resourceType: ResourceType.DATASET, id: ID }),
      is(IA, "Cannot get NamedEntityMetadata for resource type: DATASET"),
    );
    const ne = await get({ resourceType: ResourceType.TASK, id: ID });
    assert.equal(ne.resourceType, ResourceType.TASK);
    assert.deepEqual(
      [ne.id?.name, ne.metadata?.state, ne.metadata?.description],
      ["t", NamedEntityState.NAMED_ENTITY_ACTIVE, ""],
    );
  });

  test("Update: metadata required, state changes only for tasks/workflows/launch plans, entity must exist", async () => {
    const archived = { state: NamedEntityState.NAMED_ENTITY_ARCHIVED };
    await assert.rejects(update({ id: ID, metadata: archived }), is(IA, "invalid value for resource_type"));
    await assert.rejects(update({ resourceType: ResourceType.TASK, metadata: archived }), is(IA, "missing id"));
    await assert.rejects(update({ resourceType: ResourceType.TASK, id: ID }), is(IA, "missing metadata"));
    await assert.rejects(
      update({ resourceType: ResourceType.DATASET, id: ID, metadata: archived }),
      is(IA, "Resource [DATASET] cannot have its state updated"),
    );
    await assert.rejects(
      update({ resourceType: ResourceType.TASK, id: { ...ID, name: "ghost" }, metadata: archived }),
      is(Code.NOT_FOUND, "entry not found"),
    );
    await update({
      resourceType: ResourceType.TASK,
      id: ID,
      metadata: { description: "d1", state: NamedEntityState.NAMED_ENTITY_ARCHIVED },
    });
    await update({ resourceType: ResourceType.TASK, id: ID, metadata: { state: NamedEntityState.SYSTEM_GENERATED } });
    const ne = await get({ resourceType: ResourceType.TASK, id: ID });
    assert.deepEqual([ne.metadata?.description, ne.metadata?.state], ["d1", NamedEntityState.SYSTEM_GENERATED]);
  });

  test("List: project, domain, resource type, limit; default filter hides .flytegen names; state filters", async () => {
    await assert.rejects(list({ domain: "d", resourceType: ResourceType.TASK, limit: 1 }), is(IA, "missing project"));
    await assert.rejects(list({ project: "p", resourceType: ResourceType.TASK, limit: 1 }), is(IA, "missing domain"));
    await assert.rejects(list({ project: "p", domain: "d", limit: 1 }), is(IA, "invalid value for resource_type"));
    await assert.rejects(
      list({ project: "p", domain: "d", resourceType: ResourceType.TASK }),
      is(IA, "invalid value for limit"),
    );
    await assert.rejects(
      list({ project: "p", domain: "d", resourceType: ResourceType.TASK, limit: 1, token: "x" }),
      is(IA, "invalid pagination token x for ListNamedEntities"),
    );
    await assert.rejects(
      list({ project: "p", domain: "d", resourceType: ResourceType.TASK, limit: 1, filters: "eq(version,1)" }),
      is(IA, "'nen.version' is invalid filter"),
    );
    await assert.rejects(
      list({ project: "p", domain: "d", resourceType: ResourceType.TASK, limit: 1, filters: "eq(task.name,1)" }),
      is(IA, "'t' entity is not allowed in filters"),
    );
    const names = async (filters = "") =>
      (await list({ project: "p", domain: "d", resourceType: ResourceType.TASK, limit: 10, filters })).entities.map(
        (e) => e.id?.name,
      );
    assert.deepEqual(await names(), ["t", "u"]);
    await update({
      resourceType: ResourceType.TASK,
      id: ID,
      metadata: { state: NamedEntityState.NAMED_ENTITY_ARCHIVED },
    });
    assert.deepEqual(await names("eq(state,1)"), ["t"]);
    assert.deepEqual(await names("eq(state,0)"), [".flytegen.t", "u"]);
    const page = await list({ project: "p", domain: "d", resourceType: ResourceType.TASK, limit: 2 });
    assert.equal(page.token, "2");
  });
});

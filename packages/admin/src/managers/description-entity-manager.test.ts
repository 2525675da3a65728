// DescriptionEntityManager over SQLite: the error paths of upstream flyteadmin/pkg/manager/impl/description_entity_manager.go and the messages stored by registrations.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ManualClock } from "@aloft/core/testing";
import { Code } from "@aloft/core";
import { ObjectGetRequestSchema } from "@aloft/idl/flyteidl/admin/common_pb.js";
import {
  DescriptionEntityListRequestSchema,
  DescriptionEntitySchema,
  DescriptionFormat,
} from "@aloft/idl/flyteidl/admin/description_entity_pb.js";
import { IdentifierSchema, ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { aloftErrorIs, createTestDatabase, type TestDatabase } from "@aloft/testkit";
import { DescriptionEntityRepo } from "../repositories/description-entity-repo.ts";
import { newDescriptionEntityRow } from "../transformers/description-entity-transformer.ts";
import { DescriptionEntityManager } from "./description-entity-manager.ts";

const IA = Code.INVALID_ARGUMENT;
const is = aloftErrorIs;
const ID = { resourceType: ResourceType.TASK, project: "p", domain: "d", name: "t", version: "v1" };

describe("DescriptionEntityManager", () => {
  let tdb: TestDatabase;
  let manager: DescriptionEntityManager;
  before(async () => {
    tdb = await createTestDatabase("sqlite");
    const repo = new DescriptionEntityRepo(tdb.database.db, new ManualClock());
    const description = create(DescriptionEntitySchema, {
      shortDescription: "short",
      longDescription: { content: { case: "value", value: "# long" }, format: DescriptionFormat.MARKDOWN },
      sourceCode: { link: "https://example.com/t.py" },
    });
    for (const version of ["v1", "v2"])
      await repo.create(newDescriptionEntityRow(description, create(IdentifierSchema, { ...ID, version }))!);
    await repo.create(
      newDescriptionEntityRow(
        create(DescriptionEntitySchema, {}),
        create(IdentifierSchema, { ...ID, resourceType: ResourceType.WORKFLOW }),
      )!,
    );
    manager = new DescriptionEntityManager(repo);
  });
  after(() => tdb?.drop());

  const get = (r: MessageInitShape<typeof ObjectGetRequestSchema>) => manager.get(create(ObjectGetRequestSchema, r));
  const list = (r: MessageInitShape<typeof DescriptionEntityListRequestSchema>) =>
    manager.list(create(DescriptionEntityListRequestSchema, r));

  test("no row without a description", () => {
    assert.equal(newDescriptionEntityRow(undefined, create(IdentifierSchema, ID)), undefined);
  });

  test("Get: resource type and full id required; NOT_FOUND is `entry not found`", async () => {
    await assert.rejects(get({}), is(IA, "missing id"));
    await assert.rejects(
      get({ id: { ...ID, resourceType: ResourceType.UNSPECIFIED } }),
      is(IA, "invalid value for resource_type"),
    );
    await assert.rejects(get({ id: { ...ID, project: "" } }), is(IA, "missing project"));
    await assert.rejects(get({ id: { ...ID, version: "" } }), is(IA, "missing version"));
    await assert.rejects(get({ id: { ...ID, version: "v9" } }), is(Code.NOT_FOUND, "entry not found"));
    const got = await get({ id: ID });
    assert.equal(got.shortDescription, "short");
    assert.equal(got.longDescription?.content.value, "# long");
    assert.equal(got.longDescription?.format, DescriptionFormat.MARKDOWN);
    assert.equal(got.sourceCode?.link, "https://example.com/t.py");
    assert.deepEqual(got.id, create(IdentifierSchema, ID));
    const wf = await get({ id: { ...ID, resourceType: ResourceType.WORKFLOW } });
    assert.equal(wf.shortDescription, "");
    assert.ok(wf.longDescription && wf.sourceCode, "always present, possibly empty");
  });

  test("List: id, project, domain, name and limit required; filters, sort and tokens", async () => {
    const scope = { project: "p", domain: "d", name: "t" };
    await assert.rejects(list({ resourceType: ResourceType.TASK, limit: 1 }), is(IA, "missing id"));
    await assert.rejects(
      list({ resourceType: ResourceType.TASK, id: { ...scope, project: "" }, limit: 1 }),
      is(IA, "missing project"),
    );
    await assert.rejects(
      list({ resourceType: ResourceType.TASK, id: { ...scope, domain: "" }, limit: 1 }),
      is(IA, "missing domain"),
    );
    await assert.rejects(
      list({ resourceType: ResourceType.TASK, id: { ...scope, name: "" }, limit: 1 }),
      is(IA, "missing name"),
    );
    await assert.rejects(list({ resourceType: ResourceType.TASK, id: scope }), is(IA, "invalid value for limit"));
    await assert.rejects(
      list({ resourceType: ResourceType.TASK, id: scope, limit: 1, token: "q" }),
      is(IA, "invalid pagination token q for ListWorkflows"),
    );
    await assert.rejects(
      list({ resourceType: ResourceType.TASK, id: scope, limit: 1, sortBy: { key: "digest" } }),
      is(IA, "invalid sort key 'digest'"),
    );
    await assert.rejects(
      list({ resourceType: ResourceType.TASK, id: scope, limit: 1, filters: "eq(digest,x)" }),
      is(IA, "'t.digest' is invalid filter"),
    );
    const versions = async (r: { sortBy?: { key: string }; filters?: string }) =>
      (await list({ resourceType: ResourceType.TASK, id: scope, limit: 10, ...r })).descriptionEntities.map(
        (d) => d.id?.version,
      );
    assert.deepEqual(await versions({}), ["v1", "v2"]);
    assert.deepEqual(await versions({ sortBy: { key: "version" } }), ["v2", "v1"]);
    assert.deepEqual(await versions({ filters: "eq(version,v2)" }), ["v2"]);
    const page = await list({ resourceType: ResourceType.TASK, id: scope, limit: 1 });
    assert.equal(page.token, "1");
    const wf = await list({ resourceType: ResourceType.WORKFLOW, id: scope, limit: 10 });
    assert.equal(wf.descriptionEntities.length, 1);
  });
});

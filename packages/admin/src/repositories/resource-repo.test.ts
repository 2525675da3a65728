// Contract tests for ResourceRepo, run on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { ManualClock } from "@aloft/core/testing";
import { AloftError, Code } from "@aloft/core";
import { forEachDatabase } from "@aloft/testkit";
import {
  ResourcePriority,
  ResourceRepo,
  resourceIdText,
  type NewResourceRow,
  type ResourceId,
} from "./resource-repo.ts";

const T0 = Date.UTC(2024, 0, 1);

function key(over: Partial<ResourceId> = {}): ResourceId {
  return { project: "", domain: "", workflow: "", launchPlan: "", resourceType: "TASK_RESOURCE", ...over };
}

function row(over: Partial<NewResourceRow>, tag: number): NewResourceRow {
  return { ...key(over), priority: over.priority ?? ResourcePriority.project, attributes: new Uint8Array([tag]) };
}

const tagOf = (r: { attributes: Uint8Array } | undefined) => r?.attributes[0];

function isInvalid(err: unknown) {
  assert.ok(err instanceof AloftError);
  assert.equal(err.code, Code.INVALID_ARGUMENT);
  assert.match(err.message, /^missing and\/or invalid parameters: /);
  return true;
}

forEachDatabase("ResourceRepo", (getDb) => {
  let clock: ManualClock;
  let repo: ResourceRepo;

  beforeEach(async () => {
    await getDb().db.deleteFrom("resources").execute();
    clock = new ManualClock(T0);
    repo = new ResourceRepo(getDb().db, clock);
  });

  /** project (1), project-domain (2), workflow (3), launch plan (4) rows for p/d/wf/lp, plus a row of another type. */
  async function seedLevels() {
    await repo.upsert(row({ project: "p", priority: ResourcePriority.project }, 1));
    await repo.upsert(row({ project: "p", domain: "d", priority: ResourcePriority.projectDomain }, 2));
    await repo.upsert(row({ project: "p", domain: "d", workflow: "wf", priority: ResourcePriority.workflow }, 3));
    await repo.upsert(
      row({ project: "p", domain: "d", workflow: "wf", launchPlan: "lp", priority: ResourcePriority.launchPlan }, 4),
    );
    await repo.upsert(
      row({ project: "p", domain: "d", resourceType: "EXECUTION_QUEUE", priority: ResourcePriority.projectDomain }, 9),
    );
  }

  test("upsert inserts, then replaces the attributes of the same key and bumps updated_at only", async () => {
    await repo.upsert(row({ project: "p", domain: "d", priority: 10 }, 1));
    clock.advance(5000);
    await repo.upsert(row({ project: "p", domain: "d", priority: 10 }, 2));
    const got = await repo.getExact(key({ project: "p", domain: "d" }));
    assert.ok(got);
    assert.deepEqual(got.attributes, new Uint8Array([2]));
    assert.equal(got.priority, 10);
    assert.equal(got.createdAt.getTime(), T0);
    assert.equal(got.updatedAt.getTime(), T0 + 5000);
    assert.equal((await repo.listAll("TASK_RESOURCE")).length, 1);
  });

  test("getMostSpecific resolves launch plan > workflow > project-domain > project", async () => {
    await seedLevels();
    assert.equal(
      tagOf(await repo.getMostSpecific(key({ project: "p", domain: "d", workflow: "wf", launchPlan: "lp" }))),
      4,
    );
    assert.equal(
      tagOf(await repo.getMostSpecific(key({ project: "p", domain: "d", workflow: "wf", launchPlan: "other" }))),
      3,
    );
    assert.equal(tagOf(await repo.getMostSpecific(key({ project: "p", domain: "d", workflow: "wf" }))), 3);
    assert.equal(tagOf(await repo.getMostSpecific(key({ project: "p", domain: "d", workflow: "other" }))), 2);
    assert.equal(tagOf(await repo.getMostSpecific(key({ project: "p", domain: "d" }))), 2);
    assert.equal(tagOf(await repo.getMostSpecific(key({ project: "p", domain: "other" }))), 1);
    assert.equal(tagOf(await repo.getMostSpecific(key({ project: "p" }))), 1);
    assert.equal(await repo.getMostSpecific(key({ project: "q", domain: "d" })), undefined);
    assert.equal(
      tagOf(await repo.getMostSpecific(key({ project: "p", domain: "d", resourceType: "EXECUTION_QUEUE" }))),
      9,
    );
    assert.equal(
      await repo.getMostSpecific(key({ project: "p", domain: "d", resourceType: "PLUGIN_OVERRIDE" })),
      undefined,
    );
  });

  test("a level not given matches only the empty value, never another row's value", async () => {
    await repo.upsert(row({ project: "p", domain: "d", workflow: "wf", priority: 100 }, 3));
    assert.equal(await repo.getMostSpecific(key({ project: "p", domain: "d" })), undefined);
    // A domain-only row (no API writes one) applies to every project in that domain.
    await repo.upsert(row({ domain: "d", priority: 1 }, 7));
    assert.equal(tagOf(await repo.getMostSpecific(key({ project: "zzz", domain: "d" }))), 7);
  });

  test("getProjectLevel ignores more specific rows", async () => {
    await seedLevels();
    assert.equal(tagOf(await repo.getProjectLevel("p", "TASK_RESOURCE")), 1);
    assert.equal(await repo.getProjectLevel("p", "EXECUTION_QUEUE"), undefined);
    await assert.rejects(repo.getProjectLevel("", "TASK_RESOURCE"), isInvalid);
  });

  test("listAll returns one type, highest priority first", async () => {
    await seedLevels();
    const all = await repo.listAll("TASK_RESOURCE");
    assert.deepEqual(
      all.map((r) => [r.priority, tagOf(r), r.project, r.domain, r.workflow, r.launchPlan]),
      [
        [1000, 4, "p", "d", "wf", "lp"],
        [100, 3, "p", "d", "wf", ""],
        [10, 2, "p", "d", "", ""],
        [5, 1, "p", "", "", ""],
      ],
    );
    assert.deepEqual(await repo.listAll("CLUSTER_ASSIGNMENT"), []);
  });

  test("delete treats empty levels as wildcards and deleting nothing is fine", async () => {
    await seedLevels();
    assert.equal(await repo.delete(key({ project: "p", domain: "d", workflow: "wf" })), 2);
    assert.equal(
      tagOf(await repo.getMostSpecific(key({ project: "p", domain: "d", workflow: "wf", launchPlan: "lp" }))),
      2,
    );
    assert.equal(await repo.delete(key({ project: "p", domain: "d", workflow: "wf" })), 0);
    // The project-level delete takes the project-domain row of the type with it, not the other type's row.
    assert.equal(await repo.delete(key({ project: "p" })), 2);
    assert.deepEqual(await repo.listAll("TASK_RESOURCE"), []);
    assert.equal((await repo.listAll("EXECUTION_QUEUE")).length, 1);
    await assert.rejects(repo.delete(key({ resourceType: "EXECUTION_QUEUE" })), isInvalid);
  });

  test("invalid keys and a zero priority are INVALID_ARGUMENT", async () => {
    await assert.rejects(repo.upsert(row({ priority: 5 }, 1)), isInvalid);
    await assert.rejects(repo.upsert(row({ domain: "d", workflow: "wf", priority: 100 }, 1)), isInvalid);
    await assert.rejects(
      repo.upsert(row({ project: "p", domain: "d", launchPlan: "lp", priority: 1000 }, 1)),
      isInvalid,
    );
    await assert.rejects(repo.upsert(row({ project: "p", resourceType: "", priority: 5 }, 1)), isInvalid);
    await assert.rejects(repo.upsert(row({ project: "p", priority: 0 }, 1)), isInvalid);
    await assert.rejects(repo.getMostSpecific(key({ workflow: "wf" })), isInvalid);
  });

  test("resourceIdText renders the key as Go's %+v of upstream's ResourceID", () => {
    assert.equal(
      resourceIdText(key({ project: "p", domain: "d", resourceType: "WORKFLOW_EXECUTION_CONFIG" })),
      "{Project:p Domain:d Workflow: LaunchPlan: ResourceType:WORKFLOW_EXECUTION_CONFIG}",
    );
  });
});

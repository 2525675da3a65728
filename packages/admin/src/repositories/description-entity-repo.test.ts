// Contract tests for DescriptionEntityRepo, run on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { ManualClock } from "@aloft/core/testing";
import { type AloftError, Code } from "@aloft/core";
import { forEachDatabase } from "@aloft/testkit";
import type { Filter } from "../list/index.ts";
import { DescriptionEntityRepo, type NewDescriptionEntityRow } from "./description-entity-repo.ts";

const T0 = Date.UTC(2024, 0, 1);

function row(name: string, version: string, over: Partial<NewDescriptionEntityRow> = {}): NewDescriptionEntityRow {
  return {
    resourceType: 1,
    project: "p",
    domain: "d",
    name,
    version,
    shortDescription: `${name} ${version}`,
    longDescription: null,
    link: "",
    ...over,
  };
}

const eq = (column: string, value: string | number): Filter => ({
  entity: "task",
  table: "description_entities",
  column,
  fn: "eq",
  values: [value],
});

forEachDatabase("DescriptionEntityRepo", (getDb) => {
  let clock: ManualClock;
  let repo: DescriptionEntityRepo;

  beforeEach(async () => {
    await getDb().db.deleteFrom("description_entities").execute();
    clock = new ManualClock(T0);
    repo = new DescriptionEntityRepo(getDb().db, clock);
  });

  test("create then get by the full key including the resource type", async () => {
    const long = new Uint8Array([10, 1, 65]);
    await repo.create(row("a", "v1", { longDescription: long, link: "https://x" }));
    const got = await repo.get({ resourceType: 1, project: "p", domain: "d", name: "a", version: "v1" });
    assert.deepEqual(got, { ...row("a", "v1", { longDescription: long, link: "https://x" }), createdAt: new Date(T0) });
    assert.equal(await repo.get({ resourceType: 2, project: "p", domain: "d", name: "a", version: "v1" }), undefined);
    assert.equal(await repo.get({ resourceType: 1, project: "p", domain: "d", name: "a", version: "v2" }), undefined);
  });

  test("the same id may be described once per resource type", async () => {
    await repo.create(row("a", "v1"));
    await repo.create(row("a", "v1", { resourceType: 2 }));
    await assert.rejects(repo.create(row("a", "v1")), (e: AloftError) => e.code === Code.ALREADY_EXISTS);
  });

  test("list filters, sorts and pages", async () => {
    for (const v of ["v1", "v2", "v3"]) {
      clock.advance(1000);
      await repo.create(row("a", v));
    }
    await repo.create(row("b", "v1"));
    const scope = [eq("project", "p"), eq("domain", "d"), eq("name", "a")];
    const versions = async (sort?: "asc" | "desc", limit = 10, offset = 0, extra: Filter[] = []) =>
      (
        await repo.list({
          filters: [...scope, ...extra],
          sort: sort && { table: "description_entities", column: "created_at", direction: sort },
          limit,
          offset,
        })
      ).map((r) => r.version);
    assert.deepEqual(await versions(), ["v1", "v2", "v3"]);
    assert.deepEqual(await versions("desc"), ["v3", "v2", "v1"]);
    assert.deepEqual(await versions("asc", 1, 1), ["v2"]);
    assert.deepEqual(await versions(undefined, 10, 0, [eq("version", "v2")]), ["v2"]);
  });
});

// Contract tests for LaunchPlanRepo, run on SQLite and PostgreSQL: joined lists, activation and the
// one-active-version rule (also under concurrent activations).
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { sql } from "kysely";
import { ManualClock } from "@aloft/core/testing";
import { AloftError, Code } from "@aloft/core";
import { forEachDatabase } from "@aloft/testkit";
import { makeFilter, parseListParams } from "../list/index.ts";
import { isUniqueViolation } from "./db-errors.ts";
import { LAUNCH_PLAN_ACTIVE, LaunchPlanRepo, type NewLaunchPlanRow } from "./launch-plan-repo.ts";
import { WorkflowRepo } from "./workflow-repo.ts";

const T0 = Date.UTC(2024, 0, 1);
const key = (name: string, version: string) => ({ project: "p", domain: "d", name, version });

forEachDatabase("LaunchPlanRepo", (getDb) => {
  let clock: ManualClock;
  let repo: LaunchPlanRepo;
  let wfIds: Record<string, number>;

  beforeEach(async () => {
    await getDb().db.deleteFrom("launch_plans").execute();
    await getDb().db.deleteFrom("workflows").execute();
    clock = new ManualClock(T0);
    repo = new LaunchPlanRepo(getDb().db, clock);
    const workflows = new WorkflowRepo(getDb().db, clock);
    wfIds = {};
    for (const name of ["wf-a", "wf-b"]) {
      const w = await workflows.create({
        ...key(name, "v1"),
        typedInterface: null,
        remoteClosureIdentifier: "file:///x",
        digest: "d",
        shortDescription: "",
      });
      wfIds[name] = w.id;
    }
  });

  function row(
    name: string,
    version: string,
    workflow = "wf-a",
    over: Partial<NewLaunchPlanRow> = {},
  ): NewLaunchPlanRow {
    return {
      ...key(name, version),
      spec: new Uint8Array([1]),
      workflowId: wfIds[workflow]!,
      closure: new Uint8Array([2]),
      state: 0,
      digest: `${name}-${version}`,
      scheduleType: "NONE",
      launchConditionType: null,
      ...over,
    };
  }

  const params = (filters: string) =>
    parseListParams({
      entity: "launch_plan",
      filters,
      sortBy: undefined,
      limit: 10,
      token: "",
      rpc: "ListLaunchPlans",
      limitRequired: true,
    });
  const activeNames = async () =>
    (
      await getDb()
        .db.selectFrom("launch_plans")
        .select(["name", "version"])
        .where("state", "=", 1)
        .orderBy("name")
        .execute()
    ).map((r) => `${r.name}/${r.version}`);

  test("create then get round-trips; duplicates are ALREADY_EXISTS", async () => {
    const created = await repo.create(row("lp", "v1", "wf-a", { scheduleType: "CRON", launchConditionType: "SCHED" }));
    assert.deepEqual(await repo.get(key("lp", "v1")), created);
    assert.equal(created.scheduleType, "CRON");
    assert.equal(created.state, 0);
    assert.deepEqual(created.spec, new Uint8Array([1]));
    assert.equal(await repo.get(key("lp", "v2")), undefined);
    await assert.rejects(repo.create(row("lp", "v1")), (e: AloftError) => e.code === Code.ALREADY_EXISTS);
  });

  test("list joins workflows: workflow.* filters select by the launched workflow", async () => {
    await repo.create(row("one", "v1", "wf-a"));
    await repo.create(row("two", "v1", "wf-b"));
    const p = params("eq(workflow.name,wf-b)");
    const rows = await repo.list({ ...p, filters: [makeFilter("launch_plan", "eq", "project", "p"), ...p.filters] });
    assert.deepEqual(
      rows.map((r) => r.name),
      ["two"],
    );
    const both = params("eq(launch_plan.schedule_type,NONE)+eq(workflow.project,p)");
    assert.equal((await repo.list(both)).length, 2);
    assert.deepEqual(
      (await repo.listIds(params(""))).map((r) => r.name),
      ["one", "two"],
    );
  });

  test("setActive makes exactly one version active and reports the displaced ones; the hook sees the transaction", async () => {
    for (const v of ["v1", "v2", "v3"]) await repo.create(row("lp", v));
    clock.set(new Date(T0 + 1000));
    const first = await repo.setActive(key("lp", "v1"));
    assert.equal(first?.target.state, LAUNCH_PLAN_ACTIVE);
    assert.equal(first?.target.updatedAt.getTime(), T0 + 1000);
    assert.deepEqual(first?.formerlyActive, []);
    let seen: string[] = [];
    const second = await repo.setActive(key("lp", "v2"), async (change, tx) => {
      seen = (await tx.selectFrom("launch_plans").select("version").where("state", "=", 1).execute()).map(
        (r) => r.version,
      );
      assert.deepEqual(
        change.formerlyActive.map((r) => r.version),
        ["v1"],
      );
    });
    assert.deepEqual(seen, ["v2"]);
    assert.deepEqual(
      second?.formerlyActive.map((r) => [r.version, r.state]),
      [["v1", 0]],
    );
    assert.deepEqual(await activeNames(), ["lp/v2"]);
    // Re-activating the active version changes nothing and does not run the hook.
    const again = await repo.setActive(key("lp", "v2"), async () => assert.fail("hook must not run"));
    assert.deepEqual(again?.formerlyActive, []);
    assert.equal(await repo.setActive(key("lp", "nope")), undefined);
  });

  test("a failing hook rolls the state change back", async () => {
    await repo.create(row("lp", "v1"));
    await repo.create(row("lp", "v2"));
    await repo.setActive(key("lp", "v1"));
    await assert.rejects(
      repo.setActive(key("lp", "v2"), async () => {
        throw new AloftError(Code.INTERNAL, "x", "scheduler down");
      }),
      /scheduler down/,
    );
    assert.deepEqual(await activeNames(), ["lp/v1"]);
    await assert.rejects(
      repo.setInactive(key("lp", "v1"), async () => {
        throw new AloftError(Code.INTERNAL, "x", "scheduler down");
      }),
    );
    assert.deepEqual(await activeNames(), ["lp/v1"]);
    const off = await repo.setInactive(key("lp", "v1"));
    assert.equal(off?.state, 0);
    assert.deepEqual(await activeNames(), []);
    assert.equal((await repo.setInactive(key("lp", "v1")))?.state, 0, "idempotent");
    assert.equal(await repo.setInactive(key("lp", "nope")), undefined);
  });

  test("the database itself refuses a second active version of a name", async () => {
    await repo.create(row("lp", "v1", "wf-a", { state: 1 }));
    await repo.create(row("other", "v1", "wf-a", { state: 1 }));
    await assert.rejects(
      repo.create(row("lp", "v2", "wf-a", { state: 1 })),
      (e: AloftError) => e.code === Code.ALREADY_EXISTS,
    );
    await repo.create(row("lp", "v2"));
    await assert.rejects(
      sql`update launch_plans set state = 1 where name = 'lp' and version = 'v2'`.execute(getDb().db),
      (e: unknown) => isUniqueViolation(e),
    );
  });

  test("concurrent activations of different versions leave exactly one active", async () => {
    const versions = ["v1", "v2", "v3", "v4", "v5", "v6"];
    for (const v of versions) await repo.create(row("lp", v));
    const results = await Promise.all(versions.map((v) => repo.setActive(key("lp", v))));
    assert.ok(results.every((r) => r?.target.state === LAUNCH_PLAN_ACTIVE));
    const active = await activeNames();
    assert.equal(active.length, 1, `one active version, got ${active.join(",")}`);
  });
});

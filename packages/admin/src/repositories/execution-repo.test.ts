// Contract tests for ExecutionRepo on SQLite and PostgreSQL: create with tags, duplicates, compare-and-set updates,
// lists joined with launch plans / workflows / tags, and the concurrency count.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { ManualClock } from "@aloft/core/testing";
import { type AloftError, Code } from "@aloft/core";
import { forEachDatabase } from "@aloft/testkit";
import { create } from "@bufbuild/protobuf";
import { SortSchema, Sort_Direction } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { makeFilter, nextPageToken, parseListParams } from "../list/index.ts";
import { ExecutionRepo, type NewExecutionRow } from "./execution-repo.ts";
import { LaunchPlanRepo } from "./launch-plan-repo.ts";
import { executionRow as testExecutionRow } from "./test-rows.ts";
import { WorkflowRepo } from "./workflow-repo.ts";

const key = (name: string) => ({ project: "p", domain: "d", name });

/** The execution rows of these tests have not started: UNDEFINED. */
const executionRow = (name: string, over: Partial<NewExecutionRow> = {}) =>
  testExecutionRow(name, { phase: "UNDEFINED", ...over });

forEachDatabase("ExecutionRepo", (getDb) => {
  let repo: ExecutionRepo;
  let lpIds: number[];
  let wfId: number;

  beforeEach(async () => {
    const db = getDb().db;
    for (const t of ["execution_tags", "executions", "launch_plans", "workflows"] as const)
      await db.deleteFrom(t).execute();
    repo = new ExecutionRepo(db);
    const clock = new ManualClock();
    const wf = await new WorkflowRepo(db, clock).create({
      ...key("wf"),
      version: "v1",
      typedInterface: null,
      remoteClosureIdentifier: "x",
      digest: "d",
      shortDescription: "",
    });
    wfId = wf.id;
    const lps = new LaunchPlanRepo(db, clock);
    lpIds = [];
    for (const [name, version] of [
      ["lp", "v1"],
      ["lp", "v2"],
      ["other", "v1"],
    ] as const) {
      const lp = await lps.create({
        ...key(name),
        version,
        spec: new Uint8Array(),
        workflowId: wfId,
        closure: new Uint8Array(),
        state: 0,
        digest: "d",
        scheduleType: "NONE",
        launchConditionType: null,
      });
      lpIds.push(lp.id);
    }
  });

  const params = (filters: string) =>
    parseListParams({
      entity: "execution",
      filters,
      sortBy: undefined,
      limit: 10,
      token: "",
      rpc: "ListExecutions",
      limitRequired: true,
    });
  const names = async (filters: string) => {
    const p = params(filters);
    const rows = await repo.list({ ...p, filters: [makeFilter("execution", "eq", "project", "p"), ...p.filters] });
    return rows.map((r) => r.execution_name);
  };

  test("create with tags, get, duplicate names are ALREADY_EXISTS", async () => {
    const row = await repo.create(
      executionRow("e1"),
      [
        { key: "team", value: "ml" },
        { key: "nightly", value: "" },
        { key: "team", value: "ml" },
      ],
      10,
    );
    assert.equal(row.execution_name, "e1");
    assert.equal(row.state, 0);
    assert.equal(row.created_at, 10);
    assert.deepEqual(Buffer.from((await repo.get(key("e1")))!.spec), Buffer.from([2]));
    assert.deepEqual(await repo.tags(key("e1")), [
      { key: "team", value: "ml" },
      { key: "nightly", value: "" },
    ]);
    assert.equal(await repo.get(key("nope")), undefined);
    await assert.rejects(repo.create(executionRow("e1"), [], 11), (e: AloftError) => e.code === Code.ALREADY_EXISTS);
  });

  test("update is a compare-and-set on the phase when asked", async () => {
    const row = await repo.create(executionRow("e1"), [], 1);
    assert.equal(await repo.update(row.id, { phase: "RUNNING" }, 2, { phase: "UNDEFINED", updatedAt: 1 }), true);
    assert.equal(await repo.update(row.id, { phase: "SUCCEEDED" }, 3, { phase: "UNDEFINED" }), false);
    assert.equal(
      await repo.update(row.id, { phase: "SUCCEEDED" }, 3, { phase: "RUNNING", updatedAt: 1 }),
      false,
      "stale updated_at",
    );
    assert.equal(await repo.update(row.id, { state: 1 }, 4), true);
    const after = (await repo.getById(row.id))!;
    assert.equal(after.phase, "RUNNING");
    assert.equal(after.state, 1);
    assert.equal(after.updated_at, 4);
  });

  test("lists join launch plans, workflows and tags only when filtered on them; tags never repeat a row", async () => {
    await repo.create(
      executionRow("a", { launch_plan_id: lpIds[0]!, workflow_id: wfId, phase: "RUNNING" }),
      [
        { key: "k", value: "1" },
        { key: "k", value: "2" },
      ],
      1,
    );
    await repo.create(executionRow("b", { launch_plan_id: lpIds[2]!, workflow_id: wfId, phase: "SUCCEEDED" }), [], 2);
    await repo.create(executionRow("c", { phase: "RUNNING" }), [], 3);
    assert.deepEqual(await names(""), ["a", "b", "c"]);
    assert.deepEqual(await names("eq(phase,RUNNING)"), ["a", "c"]);
    assert.deepEqual(await names("eq(launch_plan.name,lp)"), ["a"]);
    assert.deepEqual(await names("eq(workflow.name,wf)+ne(launch_plan.name,lp)"), ["b"]);
    assert.deepEqual(await names("eq(execution_tag.key,k)"), ["a"]);
    assert.deepEqual(await names("eq(admin_tag.name,k)"), ["a"]);
    const page = params("");
    const second = await repo.list({ ...page, limit: 1, offset: 1, filters: [] });
    assert.deepEqual(
      second.map((r) => r.execution_name),
      ["b"],
    );
  });

  test("name filters read the names copied at creation, and still join for the entity's other columns", async () => {
    const a = await repo.create(executionRow("a", { launch_plan_id: lpIds[1]!, workflow_id: wfId }), [], 1);
    assert.equal(a.launch_plan_name, "lp");
    assert.equal(a.workflow_name, "wf");
    const c = await repo.create(executionRow("c"), [], 2);
    assert.equal(c.launch_plan_name, null);
    assert.deepEqual(await names("value_in(launch_plan.name,lp;other)"), ["a"]);
    assert.deepEqual(await names("contains(workflow.name,w)"), ["a"]);
    assert.deepEqual(await names("ne(launch_plan.name,other)"), ["a"], "no launch plan: no match, as with the join");
    assert.deepEqual(await names("eq(launch_plan.name,lp)+eq(launch_plan.version,v2)"), ["a"]);
    assert.deepEqual(await names("eq(launch_plan.name,lp)+eq(launch_plan.version,v1)"), []);
  });

  for (const [direction, filters, expected] of [
    [Sort_Direction.DESCENDING, "eq(phase,FAILED)", 15],
    [Sort_Direction.ASCENDING, "eq(phase,FAILED)", 15],
    [Sort_Direction.DESCENDING, "value_in(phase,FAILED;QUEUED;FAILED)", 23],
    [Sort_Direction.ASCENDING, "value_in(phase,QUEUED;FAILED)", 23],
  ] as const) {
    test(`${filters}: cursor tokens page through ties exactly as offsets do (${Sort_Direction[direction]})`, async () => {
      // 23 rows over 5 creation times: many ties, broken by id.
      for (let i = 0; i < 23; i++) {
        await repo.create(executionRow(`x${i}`, { phase: i % 3 === 0 ? "QUEUED" : "FAILED" }), [], 100 + (i % 5));
      }
      await repo.create(executionRow("other", { phase: "RUNNING" }), [], 100);
      const sortBy = create(SortSchema, { key: "created_at", direction });
      const page = async (token: string, position?: number) => {
        const p = parseListParams({
          entity: "execution",
          filters,
          sortBy,
          limit: 4,
          token,
          rpc: "ListExecutions",
          limitRequired: true,
          cursorScope: "/p/d/",
        });
        const rows = await repo.list({ ...p, filters: [makeFilter("execution", "eq", "project", "p"), ...p.filters] });
        // Pretend the first page sits deep in the list, so that its response token is already a cursor.
        return { rows, token: nextPageToken(position === undefined ? p : { ...p, position }, rows) };
      };
      const all = (await page("")).rows.length === 4 ? await offsetWalk() : [];
      async function offsetWalk() {
        const out: string[] = [];
        for (let off = 0; ; off += 4) {
          const r = await page(String(off));
          out.push(...r.rows.map((x) => x.execution_name));
          if (r.rows.length < 4) return out;
        }
      }
      assert.equal(all.length, expected);
      // The order worked out here: created_at in the requested direction, ties by id (= creation order).
      const sign = direction === Sort_Direction.ASCENDING ? 1 : -1;
      const oracle = [...Array(23).keys()]
        .filter((i) => expected === 23 || i % 3 !== 0)
        .sort((a, b) => sign * ((a % 5) - (b % 5)) || a - b)
        .map((i) => `x${i}`);
      assert.deepEqual(all, oracle);
      const walked: string[] = [];
      let r = await page("", 5000);
      walked.push(...r.rows.map((x) => x.execution_name));
      assert.match(r.token, /^c1\./);
      while (r.token !== "") {
        r = await page(r.token);
        walked.push(...r.rows.map((x) => x.execution_name));
      }
      assert.deepEqual(walked, all);
    });
  }

  test("a time range on either creation column selects the same rows in either sort (both hold the creation instant)", async () => {
    const day = (d: number) => Date.UTC(2026, 0, d) * 1000;
    const iso = (d: number) => new Date(day(d) / 1000).toISOString();
    for (let d = 1; d <= 10; d++) await repo.create(executionRow(`t${d}`), [], day(d));
    const row = await repo.get(key("t4"));
    assert.equal(row?.execution_created_at, day(4));
    assert.equal(row?.created_at, day(4));
    const list = async (filters: string, sortKey: string, direction: Sort_Direction) => {
      const p = parseListParams({
        entity: "execution",
        filters,
        sortBy: create(SortSchema, { key: sortKey, direction }),
        limit: 3,
        token: "",
        rpc: "ListExecutions",
        limitRequired: true,
      });
      const rows = await repo.list({ ...p, filters: [makeFilter("execution", "eq", "project", "p"), ...p.filters] });
      return rows.map((r) => r.execution_name);
    };
    const desc = Sort_Direction.DESCENDING;
    const asc = Sort_Direction.ASCENDING;
    const range = (col: string) => `gte(${col},${iso(3)})+lte(${col},${iso(6)})`;
    assert.deepEqual(await list(range("execution_created_at"), "created_at", desc), ["t6", "t5", "t4"]);
    assert.deepEqual(await list(range("created_at"), "execution_created_at", asc), ["t3", "t4", "t5"]);
    assert.deepEqual(await list(`gt(execution_created_at,${iso(8)})`, "created_at", asc), ["t9", "t10"]);
    assert.deepEqual(await list(`lt(created_at,${iso(3)})`, "created_at", desc), ["t2", "t1"]);
    assert.deepEqual(await list(`eq(execution_created_at,${iso(7)})`, "created_at", desc), ["t7"]);
    // Both columns filtered by the caller: nothing is mirrored over them.
    assert.deepEqual(await list(`gte(created_at,${iso(2)})+gte(execution_created_at,${iso(5)})`, "created_at", asc), [
      "t5",
      "t6",
      "t7",
    ]);
  });

  test("countActiveForLaunchPlan counts QUEUED and RUNNING executions of every version of a name", async () => {
    await repo.create(executionRow("a", { launch_plan_id: lpIds[0]!, phase: "RUNNING" }), [], 1);
    await repo.create(executionRow("b", { launch_plan_id: lpIds[1]!, phase: "QUEUED" }), [], 1);
    await repo.create(executionRow("c", { launch_plan_id: lpIds[1]!, phase: "UNDEFINED" }), [], 1);
    await repo.create(executionRow("d", { launch_plan_id: lpIds[2]!, phase: "RUNNING" }), [], 1);
    assert.equal(await repo.countActiveForLaunchPlan("p", "d", "lp"), 2);
    assert.equal(await repo.countActiveForLaunchPlan("p", "d", "none"), 0);
  });

  test("entityIds resolves registered launch plans and workflows", async () => {
    const ids = await repo.entityIds({
      launchPlan: { ...key("lp"), version: "v2" },
      workflow: { ...key("wf"), version: "v1" },
      task: { ...key("t"), version: "v1" },
    });
    assert.deepEqual(ids, { launchPlanId: lpIds[1], workflowId: wfId });
  });
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AloftError, Code } from "@aloft/core";
import { SortSchema, Sort_Direction } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { nextToken, parseListParams, parseSort, parseToken } from "./index.ts";

function isIA(message: string) {
  return (err: unknown) => err instanceof AloftError && err.code === Code.INVALID_ARGUMENT && err.message === message;
}

const base = {
  entity: "task" as const,
  filters: "",
  sortBy: undefined,
  limit: 10,
  token: "",
  rpc: "ListTasks",
  limitRequired: true,
};

test("sort: key must be a column of the primary entity; DESCENDING=0, ASCENDING=1", () => {
  assert.equal(parseSort(undefined, "task"), undefined);
  assert.deepEqual(parseSort(create(SortSchema, { key: "name" }), "task"), {
    table: "tasks",
    column: "name",
    direction: "desc",
  });
  assert.deepEqual(
    parseSort(create(SortSchema, { key: "created_at", direction: Sort_Direction.ASCENDING }), "project"),
    {
      table: "projects",
      column: "created_at",
      direction: "asc",
    },
  );
  assert.throws(() => parseSort(create(SortSchema, {}), "task"), isIA("invalid sort key ''"));
  assert.throws(
    () => parseSort(create(SortSchema, { key: "identifier" }), "task"),
    isIA("invalid sort key 'identifier'"),
  );
  assert.throws(
    () => parseSort(create(SortSchema, { key: "launch_plan.name" }), "execution"),
    isIA("invalid sort key 'launch_plan.name'"),
  );
  assert.throws(
    () => parseSort(create(SortSchema, { key: "name", direction: 7 as Sort_Direction }), "task"),
    AloftError,
  );
});

test("tokens are decimal offsets", () => {
  assert.equal(parseToken("", "ListTasks"), 0);
  assert.equal(parseToken("25", "ListTasks"), 25);
  assert.equal(parseToken("+3", "ListTasks"), 3);
  for (const bad of ["abc", "-1", "1.5", " 1", "0x10", "99999999999999999999"]) {
    assert.throws(() => parseToken(bad, "ListTasks"), isIA(`invalid pagination token ${bad} for ListTasks`), bad);
  }
});

test("next token iff the page is full", () => {
  assert.equal(nextToken(0, 10, 10), "10");
  assert.equal(nextToken(20, 10, 10), "30");
  assert.equal(nextToken(20, 10, 3), "");
  assert.equal(nextToken(0, 0, 0), "0"); // ListProjects, limit 0, no rows (upstream quirk)
  assert.equal(nextToken(0, 0, 5), "");
});

test("parseListParams", () => {
  assert.deepEqual(parseListParams({ ...base, filters: "eq(name,x)", token: "5" }), {
    filters: [{ entity: "task", table: "tasks", column: "name", fn: "eq", values: ["x"] }],
    sort: undefined,
    limit: 10,
    offset: 5,
    joins: [],
    position: 5,
  });
  assert.throws(() => parseListParams({ ...base, limit: 0 }), isIA("invalid value for limit"));
  // The limit is checked first, as upstream's request validation does.
  assert.throws(() => parseListParams({ ...base, limit: 0, filters: "bad" }), isIA("invalid value for limit"));
  assert.throws(() => parseListParams({ ...base, token: "x" }), isIA("invalid pagination token x for ListTasks"));
  const projects = parseListParams({ ...base, entity: "project", rpc: "ListProjects", limit: 0, limitRequired: false });
  assert.deepEqual(projects.sort, { table: "projects", column: "identifier", direction: "asc" });
  assert.equal(projects.limit, 0);
  const lp = parseListParams({
    ...base,
    entity: "launch_plan",
    rpc: "ListLaunchPlans",
    filters: "eq(workflow.name,w)",
  });
  assert.deepEqual(lp.joins, ["workflow"]);
});

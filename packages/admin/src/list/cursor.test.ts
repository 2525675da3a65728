// Cursor tokens: round trip through parseListParams / nextPageToken, numeric offsets unchanged, malformed and
// replayed-elsewhere cursors are INVALID_ARGUMENT. (The keyset queries themselves: repositories/execution-repo.test.ts.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AloftError, Code } from "@aloft/core";
import { SortSchema, Sort_Direction } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { nextPageToken, parseListParams, type ListParamsInput } from "./index.ts";

const newest = create(SortSchema, { key: "created_at", direction: Sort_Direction.DESCENDING });
const input = (over: Partial<ListParamsInput> = {}): ListParamsInput => ({
  entity: "execution",
  filters: "eq(phase,FAILED)",
  sortBy: newest,
  limit: 2,
  token: "",
  rpc: "ListExecutions",
  limitRequired: true,
  cursorScope: "/p/d/",
  ...over,
});
const rows = [
  { id: 7, created_at: 50 },
  { id: 9, created_at: 40 },
];

function isIA(id: string) {
  return (err: unknown) => err instanceof AloftError && err.code === Code.INVALID_ARGUMENT && err.id === id;
}

test("shallow pages keep upstream's decimal tokens; past 1000 rows the token is a cursor that round-trips", () => {
  assert.equal(nextPageToken(parseListParams(input()), rows), "2");
  assert.equal(nextPageToken(parseListParams(input()), rows.slice(0, 1)), "", "a short page ends the list");
  const deep = parseListParams(input({ token: "998" }));
  assert.equal(deep.offset, 998);
  const token = nextPageToken(deep, rows);
  assert.match(token, /^c1\.[A-Za-z0-9_-]+$/);
  const next = parseListParams(input({ token }));
  assert.equal(next.offset, 0);
  assert.equal(next.position, 1000);
  assert.deepEqual(next.after, { offset: 1000, value: 40, id: 9 });
  // After a cursor, always a cursor (with the position carried on).
  const again = parseListParams(input({ token: nextPageToken(next, [{ id: 3, created_at: 30 }, rows[1]!]) }));
  assert.equal(again.position, 1002);
});

test("a nullable sort column or a list without cursors keeps decimal tokens", () => {
  const started = create(SortSchema, { key: "started_at", direction: Sort_Direction.ASCENDING });
  assert.equal(nextPageToken(parseListParams(input({ sortBy: started, token: "1000" })), rows), "1002");
  const tasks = parseListParams(
    input({ entity: "task", rpc: "ListTasks", filters: "", cursorScope: undefined, token: "1000" }),
  );
  assert.equal(nextPageToken(tasks, rows), "1002");
});

test("malformed, foreign and replayed-elsewhere cursors are INVALID_ARGUMENT", () => {
  const token = nextPageToken(parseListParams(input({ token: "5000" })), rows);
  for (const bad of ["c1.", "c1.!!!", `c1.${Buffer.from("[1,2]").toString("base64url")}`, "c1.e30", "12x", "-1"]) {
    assert.throws(() => parseListParams(input({ token: bad })), isIA("pagination.invalid_token"), bad);
  }
  const forged = `c1.${Buffer.from(JSON.stringify(["x", -1, 1, 1])).toString("base64url")}`;
  assert.throws(() => parseListParams(input({ token: forged })), isIA("pagination.invalid_token"));
  assert.throws(() => parseListParams(input({ token, filters: "eq(phase,RUNNING)" })), isIA("pagination.stale_token"));
  assert.throws(() => parseListParams(input({ token, cursorScope: "/p/other/" })), isIA("pagination.stale_token"));
  assert.throws(() => parseListParams(input({ token, sortBy: undefined })), isIA("pagination.stale_token"));
  // A list that does not take cursors reads it as a bad offset.
  assert.throws(
    () => parseListParams(input({ entity: "task", rpc: "ListTasks", filters: "", cursorScope: undefined, token })),
    isIA("pagination.invalid_token"),
  );
});

// listAll over admin's offset tokens: every page, the exactly-full last page, `max`, and the caller's limit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { listAll, type AdminClient } from "./pagination.ts";

/** A ListProjects over `n` projects that pages like admin: token = offset + count iff the page is full. */
function fakeAdmin(n: number) {
  const calls: Array<{ limit: number; token: string }> = [];
  const client = {
    async listProjects(req: { limit: number; token: string }) {
      calls.push({ limit: req.limit, token: req.token });
      const offset = Number(req.token || "0");
      const projects = Array.from({ length: Math.max(0, Math.min(req.limit, n - offset)) }, (_, i) => ({
        id: `p${offset + i}`,
      }));
      return { projects, token: projects.length === req.limit ? String(offset + req.limit) : "" };
    },
  } as unknown as AdminClient;
  return { client, calls };
}

const ids = async (it: AsyncIterable<{ id: string }>) => {
  const out: string[] = [];
  for await (const p of it) out.push(p.id);
  return out;
};

test("every page, stopping at a short page", async () => {
  const f = fakeAdmin(5);
  assert.deepEqual(await ids(listAll(f.client, "listProjects", {}, { pageSize: 2 })), ["p0", "p1", "p2", "p3", "p4"]);
  assert.deepEqual(f.calls, [
    { limit: 2, token: "" },
    { limit: 2, token: "2" },
    { limit: 2, token: "4" },
  ]);
});

test("an exactly-full last page costs one empty page", async () => {
  const f = fakeAdmin(4);
  assert.equal((await ids(listAll(f.client, "listProjects", {}, { pageSize: 2 }))).length, 4);
  assert.deepEqual(
    f.calls.map((c) => c.token),
    ["", "2", "4"],
  );
});

test("max stops early without fetching more; the request's own limit and token are honoured", async () => {
  const f = fakeAdmin(10);
  assert.deepEqual(await ids(listAll(f.client, "listProjects", {}, { pageSize: 3, max: 3 })), ["p0", "p1", "p2"]);
  assert.equal(f.calls.length, 1);
  const g = fakeAdmin(10);
  assert.deepEqual(await ids(listAll(g.client, "listProjects", { limit: 4, token: "8" })), ["p8", "p9"]);
  assert.deepEqual(g.calls, [{ limit: 4, token: "8" }]);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  FIRST_PAGE,
  type FetchNodeExecutions,
  LOOK_BACK_MS,
  NodeExecutionCache,
  PAGE,
} from "./node-execution-cache.ts";
import type { NodeExecution } from "./types.ts";

const ne = (id: string, phase: string): NodeExecution => ({ id: { node_id: id }, closure: { phase } }) as NodeExecution;
const SERVER_TIME = Date.parse("2026-01-01T00:00:10Z");

/** A server of `rows` pages (by token) and, with `updatedSince`, the rows of `changed`. Records every request. */
function fakeServer(rows: NodeExecution[], changed: NodeExecution[] = []) {
  const asked: { token: string; limit: number; updatedSince?: string }[] = [];
  const fetchPage: FetchNodeExecutions = async (q) => {
    asked.push(q);
    if (q.updatedSince) return { items: changed, token: "", serverTime: SERVER_TIME + 1000 };
    const from = Number(q.token || "0");
    const items = rows.slice(from, from + q.limit);
    const next = from + q.limit < rows.length ? String(from + q.limit) : "";
    return { items, token: next, serverTime: SERVER_TIME };
  };
  return { asked, fetchPage };
}

test("the first refresh answers with the first page; the rest arrives in the background, then one done", async () => {
  const rows = Array.from({ length: FIRST_PAGE + PAGE + 7 }, (_, i) => ne(`n${i}`, "SUCCEEDED"));
  const server = fakeServer(rows);
  const events: boolean[] = [];
  let finished: () => void = () => {};
  const allThere = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const cache = new NodeExecutionCache(server.fetchPage, (done) => {
    events.push(done);
    if (done) finished();
  });
  const first = await cache.refresh();
  assert.equal(first.length, FIRST_PAGE);
  assert.equal(cache.complete, false);
  await allThere;
  assert.deepEqual(events, [false, true]);
  assert.equal(cache.complete, true);
  assert.deepEqual(
    cache.list().map((n) => n.id.node_id),
    rows.map((n) => n.id.node_id),
  );
  assert.deepEqual(
    server.asked.map((q) => q.limit),
    [FIRST_PAGE, PAGE, PAGE],
  );
});

test("once complete, a refresh asks only for what changed since the previous answer, and merges it by node id", async () => {
  const server = fakeServer([ne("a", "RUNNING"), ne("b", "QUEUED")], [ne("b", "RUNNING"), ne("c", "QUEUED")]);
  const cache = new NodeExecutionCache(server.fetchPage, () => {});
  await cache.refresh();
  assert.equal(cache.complete, true);
  const before = cache.list();
  assert.equal(cache.list(), before, "the same array while nothing changed");
  const after = await cache.refresh();
  assert.equal(server.asked[1]?.updatedSince, new Date(SERVER_TIME - LOOK_BACK_MS).toISOString());
  assert.deepEqual(
    after.map((n) => [n.id.node_id, n.closure?.phase]),
    [
      ["a", "RUNNING"],
      ["b", "RUNNING"],
      ["c", "QUEUED"],
    ],
  );
  await cache.refresh();
  assert.equal(server.asked[2]?.updatedSince, new Date(SERVER_TIME + 1000 - LOOK_BACK_MS).toISOString());
});

test("a failed background page starts the load over on the next refresh, keeping what arrived", async () => {
  const rows = Array.from({ length: FIRST_PAGE + 3 }, (_, i) => ne(`n${i}`, "SUCCEEDED"));
  const server = fakeServer(rows);
  let fail = true;
  let settled: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    settled = resolve;
  });
  const cache = new NodeExecutionCache(
    async (q) => {
      if (q.token !== "" && fail) throw new Error("network");
      return server.fetchPage(q);
    },
    (d) => d && settled(),
  );
  await cache.refresh();
  await done;
  assert.equal(cache.complete, false);
  fail = false;
  await cache.refresh();
  assert.equal(cache.list().length, FIRST_PAGE);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(cache.complete, true);
  assert.equal(cache.list().length, rows.length);
});

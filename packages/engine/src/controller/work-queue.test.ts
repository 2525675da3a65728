import { test } from "node:test";
import assert from "node:assert/strict";
import { WorkQueue } from "./work-queue.ts";

test("keys are deduplicated, processed by one worker at a time, re-queued if added meanwhile", async () => {
  const q = new WorkQueue();
  q.add("a");
  q.add("a");
  q.add("b");
  assert.equal(q.length, 2);
  assert.equal(await q.get(), "a");
  q.add("a"); // while processing: not handed out twice
  assert.equal(await q.get(), "b");
  assert.equal(q.length, 0);
  q.done("a");
  assert.equal(await q.get(), "a");
  q.done("a");
  q.done("b");
  const waiting = q.get();
  q.add("c");
  assert.equal(await waiting, "c");
});

test("delayed adds keep the earliest timer; shutdown releases waiting workers", async () => {
  const q = new WorkQueue();
  q.addAfter("x", 60_000);
  q.addAfter("x", 1);
  assert.equal(await q.get(), "x");
  const waiting = q.get();
  q.shutdown();
  assert.equal(await waiting, undefined);
  q.add("y");
  assert.equal(await q.get(), undefined);
});

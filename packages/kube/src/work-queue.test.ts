import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock } from "@aloft/core/testing";
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter } from "./rate-limiters.ts";
import { WorkQueue } from "./work-queue.ts";

test("keys are deduplicated while waiting", async () => {
  const q = new WorkQueue();
  q.add("a");
  q.add("b");
  q.add("a");
  assert.equal(q.length, 2);
  assert.equal(await q.get(), "a");
  assert.equal(await q.get(), "b");
});

test("a key re-added while processing is processed again after done, never concurrently", async () => {
  const q = new WorkQueue();
  q.add("a");
  const first = await q.get();
  q.add("a");
  q.add("a");
  assert.equal(q.length, 0, "not handed out while being processed");
  let second: string | undefined;
  void q.get().then((k) => {
    second = k;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(second, undefined);
  q.done(first!);
  await new Promise((r) => setImmediate(r));
  assert.equal(second, "a", "processed once more after done");
  q.done("a");
  assert.equal(q.length, 0);
});

test("concurrent workers never hold the same key", async () => {
  const q = new WorkQueue();
  const holding = new Set<string>();
  let overlaps = 0;
  let processed = 0;
  const worker = async () => {
    for (;;) {
      const key = await q.get();
      if (key === undefined) return;
      if (holding.has(key)) overlaps++;
      holding.add(key);
      await new Promise((r) => setImmediate(r));
      if (processed++ < 200) q.add(key === "x" ? "y" : "x");
      holding.delete(key);
      q.done(key);
    }
  };
  q.add("x");
  q.add("y");
  const workers = [worker(), worker(), worker()];
  while (processed < 200) await new Promise((r) => setImmediate(r));
  q.shutDown();
  await Promise.all(workers);
  assert.equal(overlaps, 0);
});

test("per-item exponential backoff, forget, and the overall token bucket", () => {
  const exp = new ItemExponentialFailureRateLimiter(5, 1000);
  assert.deepEqual([exp.when("a"), exp.when("a"), exp.when("a"), exp.when("b")], [5, 10, 20, 5]);
  assert.equal(exp.numRequeues("a"), 3);
  for (let i = 0; i < 20; i++) exp.when("a");
  assert.equal(exp.when("a"), 1000, "capped");
  exp.forget("a");
  assert.equal(exp.when("a"), 5);

  const clock = new ManualClock();
  const bucket = new BucketRateLimiter(10, 3, clock);
  assert.deepEqual([bucket.when(), bucket.when(), bucket.when()], [0, 0, 0], "the burst is free");
  assert.equal(bucket.when(), 100, "then one token per 1/qps");
  assert.equal(bucket.when(), 200);
  clock.advance(1000);
  assert.equal(bucket.when(), 0, "refilled");

  const max = new MaxOfRateLimiter(new ItemExponentialFailureRateLimiter(5, 1000), new BucketRateLimiter(1, 1, clock));
  assert.deepEqual([max.when("k"), max.when("k")], [5, 1000]);
});

test("addRateLimited delays by the limiter; addAfter keeps the earliest; shutDown wakes getters", async () => {
  const q = new WorkQueue(new ItemExponentialFailureRateLimiter(1, 10));
  q.addRateLimited("a");
  assert.equal(q.length, 0);
  assert.equal(await q.get(), "a");
  q.done("a");
  assert.equal(q.numRequeues("a"), 1);
  q.forget("a");
  assert.equal(q.numRequeues("a"), 0);
  q.addAfter("b", 60_000);
  q.addAfter("b", 1);
  assert.equal(await q.get(), "b", "the earlier add wins");
  q.done("b");
  const waiting = q.get();
  q.shutDown();
  assert.equal(await waiting, undefined);
  q.add("c");
  assert.equal(q.length, 0, "no adds after shut-down");
});

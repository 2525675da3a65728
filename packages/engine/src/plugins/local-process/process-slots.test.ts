import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock } from "@aloft/core/testing";
import { ProcessSlots } from "./process-slots.ts";

test("slots go to waiters in the order they first asked, not to whoever asks right after a release", () => {
  const slots = new ProcessSlots(1, new ManualClock());
  assert.deepEqual(slots.acquire("a"), { granted: true });
  assert.deepEqual(slots.acquire("b"), { granted: false, place: 1, inUse: 1 });
  assert.deepEqual(slots.acquire("c"), { granted: false, place: 2, inUse: 1 });
  assert.deepEqual(slots.acquire("b"), { granted: false, place: 1, inUse: 1 }, "asking again keeps the place");
  slots.release("a");
  assert.deepEqual(slots.acquire("c"), { granted: false, place: 2, inUse: 0 }, "c may not jump the line");
  assert.deepEqual(slots.acquire("b"), { granted: true });
  assert.deepEqual(slots.acquire("c"), { granted: false, place: 1, inUse: 1 });
  assert.deepEqual(slots.acquire("b"), { granted: true }, "a holder asking again keeps its slot");
  assert.equal(slots.heldCount, 1);
});

test("a release wakes exactly the waiters the freed slots admit", () => {
  const slots = new ProcessSlots(2, new ManualClock());
  const woken: string[] = [];
  slots.acquire("a");
  slots.acquire("b");
  for (const n of ["c", "d", "e"]) slots.acquire(n, () => woken.push(n));
  slots.release("a");
  assert.deepEqual(woken, ["c"]);
  slots.release("b");
  assert.deepEqual(woken, ["c", "c", "d"], "both free slots: the first two in line");
  assert.deepEqual(slots.acquire("d"), { granted: true }, "d is admitted: two free, one waiter ahead of it");
  assert.deepEqual(slots.acquire("e"), { granted: false, place: 2, inUse: 1 });
  assert.deepEqual(slots.acquire("c"), { granted: true });
});

test("a waiter that stops asking loses its place; one that leaves (aborted) frees it at once", () => {
  const clock = new ManualClock();
  const slots = new ProcessSlots(1, clock, 1000);
  slots.acquire("a");
  slots.acquire("gone");
  slots.acquire("left");
  slots.acquire("b");
  slots.release("left");
  assert.equal(slots.waitingCount, 2);
  clock.advance(600);
  slots.acquire("b");
  clock.advance(600);
  assert.deepEqual(slots.acquire("b"), { granted: false, place: 1, inUse: 1 }, "'gone' was not seen for 1.2 s");
  slots.release("a");
  assert.deepEqual(slots.acquire("b"), { granted: true });
});

test("an adopted process counts against the limit even over it; no limit grants everything", () => {
  const slots = new ProcessSlots(1, new ManualClock());
  slots.acquire("a");
  slots.adopt("found-after-restart");
  assert.equal(slots.heldCount, 2);
  assert.equal(slots.acquire("b").granted, false);
  slots.release("a");
  assert.equal(slots.acquire("b").granted, false, "still one over the limit");
  slots.release("found-after-restart");
  assert.equal(slots.acquire("b").granted, true);
  const open = new ProcessSlots(undefined, new ManualClock());
  for (let i = 0; i < 100; i++) assert.equal(open.acquire(`t${i}`).granted, true);
  assert.equal(open.heldCount, 100);
});

// The bound on device authorizations per client address: 20 in any 10 minutes, then a wait until the oldest leaves
// the window; addresses are counted apart, and the table forgets the least recently used beyond its size.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock } from "@aloft/core/testing";
import { StartLimiter } from "./device-endpoint.ts";

test("at most `max` starts per address in the window; the wait is until the oldest leaves it", () => {
  const clock = new ManualClock();
  const limiter = new StartLimiter({ clock, max: 3, windowMs: 60_000 });
  assert.equal(limiter.take("a"), 0);
  clock.advance(10_000);
  assert.equal(limiter.take("a"), 0);
  assert.equal(limiter.take("a"), 0);
  assert.equal(limiter.take("a"), 50_000, "the first start leaves the window in 50 s");
  assert.equal(limiter.take("b"), 0, "another address has its own count");
  clock.advance(50_000);
  assert.equal(limiter.take("a"), 0);
  assert.equal(limiter.take("a"), 10_000, "refusals were not counted");
});

test("the table is bounded: the least recently used address is forgotten", () => {
  const clock = new ManualClock();
  const limiter = new StartLimiter({ clock, max: 1, maxAddresses: 2 });
  limiter.take("a");
  limiter.take("b");
  limiter.take("c");
  assert.equal(limiter.take("a"), 0, "a was forgotten");
  assert.ok(limiter.take("c") > 0, "c is still known");
});

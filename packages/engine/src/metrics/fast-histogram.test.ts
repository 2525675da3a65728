// FastHistogram renders exactly what prom-client's Histogram renders for the same observations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Histogram, Registry } from "prom-client";
import { FastHistogram } from "./fast-histogram.ts";

const lines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .sort();

test("same exposition as prom-client's histogram: le inclusive, +Inf, sum, count, label sets by value", async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const buckets = [1, 5, 10];
  const fast = new FastHistogram({ name: "h", help: "h", buckets, labelNames: ["project", "wf"], registers: [ours] });
  const ref = new Histogram({ name: "h", help: "h", buckets, labelNames: ["project", "wf"], registers: [theirs] });
  const a = { project: "p", wf: "w" };
  const aAgain = { project: "p", wf: "w" };
  const b = { project: "q", wf: 'w,"x"' };
  for (const [labels, v] of [
    [a, 0.5],
    [a, 1],
    [aAgain, 5.5],
    [b, 10],
    [b, 11],
    [a, 1000],
  ] as const) {
    fast.observe(labels, v);
    ref.observe({ ...labels }, v);
  }
  assert.deepEqual(lines(await ours.metrics()), lines(await theirs.metrics()));
  assert.match(
    await ours.metrics(),
    /^h_count\{project="p",wf="w"\} 4$/m,
    "two objects with the same values are one series",
  );
});

test("unlabeled: an empty series exists before any observation, as prom-client's; reset empties it", async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const fast = new FastHistogram({ name: "u", help: "u", buckets: [1, 2], registers: [ours] });
  new Histogram({ name: "u", help: "u", buckets: [1, 2], registers: [theirs] });
  assert.deepEqual(lines(await ours.metrics()), lines(await theirs.metrics()));
  fast.observe({}, 1.5);
  assert.match(await ours.metrics(), /^u_bucket\{le="2"\} 1$/m);
  ours.resetMetrics();
  assert.deepEqual(lines(await ours.metrics()), lines(await theirs.metrics()));
});

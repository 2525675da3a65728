import { test } from "node:test";
import assert from "node:assert/strict";
import { launchPlan, t, task, workflow, when } from "@aloft/sdk";
import { AloftError } from "@aloft/core";
import { fixtureTasks as fixtures } from "@aloft/sdk/testing";
import { runLocal } from "./run-local.ts";

const double = task({ name: "double", inputs: { a: t.int() }, outputs: { b: t.int() } }, async ({ a }) => ({
  b: a * 2,
}));
const sum = task({ name: "sum", inputs: { xs: t.list(t.int()) }, outputs: { total: t.int() } }, ({ xs }) => ({
  total: xs.reduce((s, x) => s + x, 0),
}));
const Stats = t.record({ mean: t.float(), label: t.string(), tags: t.list(t.string()) }, { name: "Stats" });
const stats = task({ name: "stats", inputs: { xs: t.list(t.int()) }, outputs: { s: Stats } }, ({ xs }) => ({
  s: { mean: xs.reduce((a, b) => a + b, 0) / xs.length, label: `n=${xs.length}`, tags: ["a", "b"] },
}));
const describe = task(
  {
    name: "describe",
    inputs: { label: t.string(), when: t.datetime(), took: t.duration(), maybe: t.optional(t.string()) },
    outputs: { text: t.string() },
  },
  ({ label, when: at, took, maybe }) => ({ text: `${label}@${at.toISOString()} in ${took}ms ${maybe ?? "-"}` }),
);
const order: string[] = [];
const mark = task({ name: "mark", inputs: { tag: t.string() }, outputs: {} }, ({ tag }) => {
  order.push(tag);
  return {};
});

test("a single task runs through the engine and returns typed outputs", async () => {
  assert.deepEqual(await runLocal(double, { a: 21 }), { b: 42 });
});

test("data dependencies, a list of promises, a record output and a field of it, primitives of every kind", async () => {
  const inner = workflow({ name: "inner", inputs: { x: t.int() }, outputs: { y: t.int() } }, (b, { x }) => ({
    y: b.call(double, { a: x }).b,
  }));
  const wf = workflow(
    { name: "shapes", inputs: { x: t.int() }, outputs: { total: t.int(), s: Stats, text: t.string() } },
    (b, { x }) => {
      const d1 = b.call(double, { a: x });
      const d2 = b.call(inner, { x: d1.b }); // a sub-workflow
      const s = b.call(sum, { xs: [d1.b, d2.y, 1] });
      const st = b.call(stats, { xs: [x, d1.b] });
      const text = b.call(describe, {
        label: st.s.field("label"),
        when: new Date("2024-01-02T03:04:05.006Z"),
        took: 1500,
        maybe: null,
      });
      return { total: s.total, s: st.s, text: text.text };
    },
  );
  const out = await runLocal(wf, { x: 3 });
  assert.deepEqual(out, {
    total: 6 + 12 + 1,
    s: { mean: 4.5, label: "n=2", tags: ["a", "b"] },
    text: "n=2@2024-01-02T03:04:05.006Z in 1500ms -",
  });
});

test("branch: the first case that holds runs; otherwise the else node; a fail-else fails the workflow", async () => {
  const wf = workflow({ name: "br", inputs: { x: t.int() }, outputs: { y: t.int() } }, (b, { x }) => {
    const r = b.branch({
      cases: [
        [when(x, ">", 10), (b) => b.call(double, { a: x })],
        [when(x, "==", 5).or(when(x, "==", 6)), (b) => b.call(double, { a: 100 })],
      ],
      otherwise: (b) => b.call(double, { a: 0 }),
    });
    return { y: r.b };
  });
  assert.deepEqual(await runLocal(wf, { x: 11 }), { y: 22 });
  assert.deepEqual(await runLocal(wf, { x: 6 }), { y: 200 });
  assert.deepEqual(await runLocal(wf, { x: 1 }), { y: 0 });
  const strict = workflow({ name: "strict", inputs: { x: t.int() }, outputs: { y: t.int() } }, (b, { x }) => ({
    y: b.branch({
      cases: [[when(x, ">", 0), (b) => b.call(double, { a: x })]],
      otherwise: { fail: "x must be positive" },
    }).b,
  }));
  await assert.rejects(runLocal(strict, { x: -1 }), /x must be positive/);
});

test("explicit ordering with after: no data dependency, still sequential", async () => {
  order.length = 0;
  const wf = workflow({ name: "ordered", inputs: {}, outputs: {} }, (b) => {
    const second = b.call(mark, { tag: "second" });
    const first = b.call(mark, { tag: "first" });
    b.after(second, first);
    return {};
  });
  await runLocal(wf, {});
  assert.deepEqual(order, ["first", "second"]);
});

test("a task error fails the run with the user's message; RecoverableError is retried; checkpoints survive the retry", async () => {
  await assert.rejects(
    runLocal(fixtures.boom, {}),
    (e: unknown) => e instanceof AloftError && /USER/.test(e.message) && /boom went the task/.test(e.message),
  );
  assert.deepEqual(await runLocal(fixtures.flaky, {}), { attempt: 1 });
  assert.deepEqual(await runLocal(fixtures.resumable, {}), { resumedFrom: "step-41" });
});

test("files and datasets written by one task are read by the next", async () => {
  const Row = { k: t.string(), v: t.int() };
  const write = task(
    { name: "write", inputs: {}, outputs: { d: t.dataset(Row), f: t.file("txt") } },
    async (_, ctx) => ({
      d: await ctx.writeRows("rows.jsonl", [
        { k: "a", v: 1 },
        { k: "b", v: 2 },
      ]),
      f: await ctx.writeFile("note.txt", "hello"),
    }),
  );
  const read = task(
    { name: "read", inputs: { d: t.dataset(Row), f: t.file("txt") }, outputs: { s: t.string() } },
    async ({ d, f }, ctx) => {
      const rows = await ctx.readRows(d);
      return { s: `${Buffer.from(await ctx.readFile(f)).toString()}:${rows.map((r) => `${r.k}${r.v}`).join(",")}` };
    },
  );
  const wf = workflow({ name: "io", inputs: {}, outputs: { s: t.string() } }, (b) => {
    const w = b.call(write, {});
    return { s: b.call(read, { d: w.d, f: w.f }).s };
  });
  assert.deepEqual(await runLocal(wf, {}), { s: "hello:a1,b2" });
});

test("inputs are checked against the declared types before anything runs", async () => {
  await assert.rejects(runLocal(double, { a: 1.5 }), /input a: expected a value of type int/);
});

test("gates with signals given up front, a sleep, and a launch plan run as a child execution", async () => {
  const inner = workflow(
    { name: "inner-lp-wf", inputs: { a: t.int(), k: t.int() }, outputs: { b: t.int() } },
    (b, { a, k }) => ({
      b: b.call(sum, { xs: [a, k] }).total,
    }),
  );
  const plan = launchPlan(inner, { name: "inner-plan", fixed: { k: 100 } });
  const withDefault = launchPlan(inner, { name: "inner-plan-default", defaults: { k: 1000 } });
  const wf = workflow(
    { name: "gated-local", inputs: { x: t.int() }, outputs: { y: t.int(), note: t.string() } },
    (b, { x }) => {
      const d = b.call(double, { a: x });
      const ok = b.approve(d.b, { signalId: "ok-to-continue" });
      const note = b.waitForInput("note", t.string());
      const nap = b.sleep(5);
      const child = b.call(plan, { a: ok }, { after: [nap] }); // k is fixed: not bindable
      const other = b.call(withDefault, { a: child.b }); // k has a default: may be left out
      return { y: other.b, note };
    },
  );
  const exports = { plan, withDefault };
  const out = await runLocal(wf, { x: 4 }, { signals: { "ok-to-continue": true, note: "shipped" }, exports });
  assert.deepEqual(out, { y: 1108, note: "shipped" });
  await assert.rejects(
    runLocal(wf, { x: 4 }, { signals: { "ok-to-continue": false, note: "x" }, exports }),
    /ReceivedRejectSignal/,
  );
});

test("a dynamic task: its body runs with real values, the nodes it adds run as the node's sub-workflow", async () => {
  assert.deepEqual(await runLocal(fixtures.fanOut, { n: 3 }, { exports: fixtures }), { total: [1, 2, 3] });
  assert.deepEqual(await runLocal(fixtures.fanOut, { n: 0 }, { exports: fixtures }), { total: [] });
});

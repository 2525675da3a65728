import assert from "node:assert/strict";
import { test } from "node:test";
import { sameJson } from "./same-json.ts";

const withoutState = (k: string, v: unknown) => (k === "state" ? undefined : v);

test("sameJson agrees with comparing the JSON of plain data", () => {
  const cases: [unknown, unknown][] = [
    [null, null],
    [null, { phase: "Running" }],
    [
      { phase: "Running", attempts: 0 },
      { phase: "Running", attempts: 0 },
    ],
    [{ phase: "Running" }, { phase: "Running", attempts: 1 }],
    [{ phase: "Running", error: undefined }, { phase: "Running" }],
    [{ a: [1, 2, { b: "x" }] }, { a: [1, 2, { b: "x" }] }],
    [{ a: [1, 2, { b: "x" }] }, { a: [1, 2, { b: "y" }] }],
    [{ a: [1, 2] }, { a: [1, 2, 3] }],
    [{ a: [undefined] }, { a: [null] }],
    [{ a: {} }, { a: [] }],
    [{ t: new Date(0) }, { t: new Date(0) }],
    [{ t: new Date(0) }, { t: new Date(1) }],
    [{ n: 1 }, { n: "1" }],
    [{ n: Number.NaN }, { n: null }],
    [{ n: Number.NaN }, { n: Number.POSITIVE_INFINITY }],
    [{ n: true }, { n: false }],
    [{ n: "a" }, { n: "b" }],
    [{ n: null }, { n: "null" }],
    [
      [undefined, 1],
      [null, 1],
    ],
  ];
  for (const [a, b] of cases)
    assert.equal(sameJson(a, b), JSON.stringify(a) === JSON.stringify(b), JSON.stringify([a, b]));
});

test("sameJson leaves out the skipped key at any depth, as a replacer does", () => {
  const before = { phase: "Running", task: { phase: "Running", version: 0, state: { started: true } } };
  const after = { phase: "Running", task: { phase: "Running", version: 0, state: { started: true, n: 1 } } };
  assert.equal(
    sameJson(before, after, "state"),
    JSON.stringify(before, withoutState) === JSON.stringify(after, withoutState),
  );
  assert.equal(sameJson(before, after, "state"), true);
  assert.equal(sameJson(before, after), false);
  assert.equal(sameJson({ ...after, phase: "Succeeded" }, before, "state"), false);
});

test("sameJson does not compare key order", () => {
  assert.equal(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 }), true);
});

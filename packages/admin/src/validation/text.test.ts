import assert from "node:assert/strict";
import { test } from "node:test";
import { AloftError, Code } from "@aloft/core";
import { exceedsCodePoints, textProblem, validateText } from "./text.ts";

test("code-point limits count as Go's RuneCountInString", () => {
  assert.equal(exceedsCodePoints("", 0), false);
  assert.equal(exceedsCodePoints("abc", 3), false);
  assert.equal(exceedsCodePoints("abcd", 3), true);
  // Astral characters are one code point in two UTF-16 units.
  assert.equal(exceedsCodePoints("😀😀😀", 3), false);
  assert.equal(exceedsCodePoints("😀😀😀a", 3), true);
  assert.equal(exceedsCodePoints("é".repeat(300), 300), false);
  // A lone surrogate counts as one.
  assert.equal(exceedsCodePoints("\ud800\ud800\ud800", 3), false);
  for (let i = 0; i < 200; i++) {
    const s = Array.from({ length: i }, (_, k) => (k % 3 === 0 ? "😀" : "x")).join("");
    for (const max of [0, 1, i >> 1, i - 1, i, i + 1])
      assert.equal(exceedsCodePoints(s, max), [...s].length > max, `${i} ${max}`);
  }
});

test("a huge string is judged without walking or copying it", () => {
  const huge = "a".repeat(64 * 1024 * 1024);
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 10; i++) assert.equal(exceedsCodePoints(huge, 300), true);
  // [...huge] would allocate an array of 64 Mi one-character strings (gigabytes).
  assert.ok(process.memoryUsage().heapUsed - before < 16 * 1024 * 1024);
});

test("NUL and lone surrogates are refused as INVALID_ARGUMENT naming the field", () => {
  assert.equal(textProblem("plain ü 😀"), undefined);
  assert.match(textProblem("a\u0000b") ?? "", /NUL/);
  assert.match(textProblem("a\ud800b") ?? "", /UTF-8/);
  assert.match(textProblem("\udc00") ?? "", /UTF-8/);
  assert.throws(
    () => validateText("x\u0000", "project_description"),
    (e: unknown) =>
      e instanceof AloftError && e.code === Code.INVALID_ARGUMENT && /project_description/.test(e.message),
  );
});

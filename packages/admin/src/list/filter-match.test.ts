import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { matchFilterExpression } from "./filter-match.ts";

// The upstream Go regexp `(.+)\((.+),\s?(.+)\)` written for JavaScript with Go's meaning of `.` and `\s`.
const GO_REGEX = /([^\n]+)\(([^\n]+),[\t\n\f\r ]?([^\n]+)\)/;

function viaRegex(s: string) {
  const m = GO_REGEX.exec(s);
  return m ? { fn: m[1], field: m[2], value: m[3] } : undefined;
}

test("simple expressions", () => {
  assert.deepEqual(matchFilterExpression("eq(name,foo)"), { fn: "eq", field: "name", value: "foo" });
  assert.deepEqual(matchFilterExpression("eq(name, foo)"), { fn: "eq", field: "name", value: "foo" });
  assert.deepEqual(matchFilterExpression("eq(name,  foo)"), { fn: "eq", field: "name", value: " foo" });
  assert.deepEqual(matchFilterExpression("eq( phase,X)"), { fn: "eq", field: " phase", value: "X" });
  assert.equal(matchFilterExpression("eq(name)"), undefined);
  assert.equal(matchFilterExpression("eq(,x)"), undefined);
  assert.equal(matchFilterExpression(""), undefined);
});

test("greedy groups: last '(' and last ',' win, text after the last ')' is ignored", () => {
  assert.deepEqual(matchFilterExpression("eq(a,b,c)"), { fn: "eq", field: "a,b", value: "c" });
  assert.deepEqual(matchFilterExpression("f(g(a,b)"), { fn: "f(g", field: "a", value: "b" });
  assert.deepEqual(matchFilterExpression("eq(a,b)x)tail"), { fn: "eq", field: "a", value: "b)x" });
  assert.deepEqual(matchFilterExpression("x\neq(a,b)"), { fn: "eq", field: "a", value: "b" });
  assert.deepEqual(matchFilterExpression("eq(a,\nb)"), { fn: "eq", field: "a", value: "b" });
});

test("agrees with the regular expression on random strings", () => {
  const alphabet = fc.constantFrom("e", "q", "(", ")", ",", " ", "\n", "\t", "\r", "a", ";", "\u2028");
  fc.assert(
    fc.property(
      fc.array(alphabet, { maxLength: 14 }).map((a) => a.join("")),
      (s) => {
        assert.deepEqual(matchFilterExpression(s), viaRegex(s), JSON.stringify(s));
      },
    ),
    { numRuns: 20000 },
  );
});

test("is linear on hostile input", () => {
  const s = `${"(".repeat(20000) + ",".repeat(20000)}\n`;
  assert.equal(matchFilterExpression(s), undefined);
});

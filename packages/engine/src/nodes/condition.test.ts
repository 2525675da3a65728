import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  BooleanExpressionSchema,
  ComparisonExpression_Operator as Op,
  ConjunctionExpression_LogicalOperator as Logical,
  type BooleanExpression,
} from "@aloft/idl/flyteidl/core/condition_pb.js";
import { LiteralMapSchema, PrimitiveSchema, type Primitive } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { ConditionError, evaluateBoolean } from "./condition.ts";
import { b } from "../testing/workflows.ts";

type P = Primitive["value"];
const prim = (v: P) => ({ val: { case: "primitive" as const, value: create(PrimitiveSchema, { value: v }) } });
const cmp = (l: P | string, op: Op, r: P): BooleanExpression =>
  create(BooleanExpressionSchema, {
    expr: {
      case: "comparison",
      value: {
        operator: op,
        leftValue: typeof l === "string" ? { val: { case: "var", value: l } } : prim(l),
        rightValue: prim(r),
      },
    },
  });
const conj = (op: Logical, l: BooleanExpression, r: BooleanExpression) =>
  create(BooleanExpressionSchema, {
    expr: { case: "conjunction", value: { operator: op, leftExpression: l, rightExpression: r } },
  });

const inputs = create(LiteralMapSchema, {
  literals: {
    i: b.literalOf({ case: "integer", value: 5n }),
    s: b.literalOf({ case: "stringValue", value: "abc" }),
  },
});
const ev = (e: BooleanExpression) => evaluateBoolean(e, inputs);
const int = (n: number): P => ({ case: "integer", value: BigInt(n) });
const ts = (seconds: number, nanos = 0): P => ({
  case: "datetime",
  value: { seconds: BigInt(seconds), nanos } as never,
});
const dur = (seconds: number, nanos = 0): P => ({
  case: "duration",
  value: { seconds: BigInt(seconds), nanos } as never,
});

test("integer, float and string comparisons", () => {
  assert.equal(ev(cmp("i", Op.EQ, int(5))), true);
  assert.equal(ev(cmp("i", Op.NEQ, int(5))), false);
  assert.equal(ev(cmp("i", Op.GT, int(4))), true);
  assert.equal(ev(cmp("i", Op.GTE, int(5))), true);
  assert.equal(ev(cmp("i", Op.LT, int(5))), false);
  assert.equal(ev(cmp("i", Op.LTE, int(5))), true);
  assert.equal(ev(cmp({ case: "floatValue", value: 1.5 }, Op.LT, { case: "floatValue", value: 2 })), true);
  assert.equal(ev(cmp("s", Op.GT, { case: "stringValue", value: "abb" })), true);
});

test("datetime and duration compare seconds only", () => {
  assert.equal(ev(cmp(ts(10, 5), Op.EQ, ts(10, 999))), true);
  assert.equal(ev(cmp(ts(11), Op.GT, ts(10, 999999999))), true);
  assert.equal(ev(cmp(dur(3, 1), Op.LTE, dur(3))), true);
});

test("booleans support only EQ/NEQ; kinds must match; only primitives compare", () => {
  const t: P = { case: "boolean", value: true };
  assert.equal(ev(cmp(t, Op.EQ, t)), true);
  assert.equal(ev(cmp(t, Op.NEQ, t)), false);
  assert.throws(
    () => ev(cmp(t, Op.GT, t)),
    (e: unknown) => e instanceof ConditionError && e.code === "MalformedBranchUserError",
  );
  assert.throws(() => ev(cmp("i", Op.EQ, { case: "floatValue", value: 5 })), /different primitives/);
  assert.throws(() => ev(cmp("missing", Op.EQ, int(1))), /not found/);
});

test("conjunctions evaluate both sides (errors propagate)", () => {
  const yes = cmp("i", Op.EQ, int(5));
  const no = cmp("i", Op.EQ, int(6));
  const bad = cmp("i", Op.EQ, { case: "stringValue", value: "5" });
  assert.equal(ev(conj(Logical.AND, yes, no)), false);
  assert.equal(ev(conj(Logical.OR, no, yes)), true);
  assert.throws(() => ev(conj(Logical.OR, yes, bad)), ConditionError);
  assert.throws(() => ev(conj(Logical.AND, no, bad)), ConditionError);
});

// The branch condition language (upstream flytepropeller/pkg/controller/nodes/branch/handler.go): comparisons of primitives of the same kind (no
// int/float coercion), datetime/duration compared by seconds only, AND/OR evaluating both sides.
import {
  ComparisonExpression_Operator as Op,
  ConjunctionExpression_LogicalOperator as Logical,
  type BooleanExpression,
  type ComparisonExpression,
  type Operand,
} from "@aloft/idl/flyteidl/core/condition_pb.js";
import type { LiteralMap, Primitive } from "@aloft/idl/flyteidl/core/literals_pb.js";

/** An evaluation error; `code` MalformedBranchUserError is a USER error, anything else SYSTEM. */
export class ConditionError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "ConditionError";
    this.code = code;
  }
}

const malformed = (m: string) => new ConditionError("MalformedBranchUserError", m);

export function evaluateBoolean(expr: BooleanExpression, inputs: LiteralMap): boolean {
  const e = expr.expr;
  if (e.case === "comparison") return evaluateComparison(e.value, inputs);
  if (e.case === "conjunction") {
    const c = e.value;
    if (!c.leftExpression || !c.rightExpression) throw malformed("conjunction is missing an operand");
    const left = evaluateBoolean(c.leftExpression, inputs);
    const right = evaluateBoolean(c.rightExpression, inputs);
    return c.operator === Logical.OR ? left || right : left && right;
  }
  throw malformed("empty boolean expression");
}

function primitiveOf(op: Operand | undefined, inputs: LiteralMap): Primitive {
  const v = op?.val;
  if (!v || v.case === undefined) throw malformed("empty operand");
  if (v.case === "primitive") return v.value;
  if (v.case === "var") {
    const lit = inputs.literals[v.value];
    if (!lit) throw malformed(`variable ${v.value} not found in the branch node's inputs`);
    if (lit.value.case === "scalar" && lit.value.value.value.case === "primitive") return lit.value.value.value.value;
    throw malformed("Only primitives can be compared");
  }
  if (v.value.value.case === "primitive") return v.value.value.value;
  throw malformed("Only primitives can be compared");
}

/** -1/0/1 for ordered kinds, or only equality for booleans. */
function compare(l: Primitive, r: Primitive): number {
  const a = l.value;
  const b = r.value;
  if (a.case !== b.case || a.case === undefined) {
    throw malformed(
      `Comparison between different primitives types. left [${String(a.case)}], right [${String(b.case)}]`,
    );
  }
  switch (a.case) {
    case "integer": {
      const y = b.value as bigint;
      return a.value === y ? 0 : a.value > y ? 1 : -1;
    }
    case "floatValue": {
      const y = b.value as number;
      return a.value === y ? 0 : a.value > y ? 1 : -1;
    }
    case "stringValue": {
      const y = b.value as string;
      return a.value === y ? 0 : a.value > y ? 1 : -1;
    }
    case "boolean":
      return a.value === (b.value as boolean) ? 0 : NaN;
    case "datetime":
    case "duration": {
      const x = a.value.seconds;
      const y = (b.value as { seconds: bigint }).seconds;
      return x === y ? 0 : x > y ? 1 : -1;
    }
  }
}

function evaluateComparison(c: ComparisonExpression, inputs: LiteralMap): boolean {
  const l = primitiveOf(c.leftValue, inputs);
  const r = primitiveOf(c.rightValue, inputs);
  const cmp = compare(l, r);
  const isBool = l.value.case === "boolean";
  if (isBool && c.operator !== Op.EQ && c.operator !== Op.NEQ) {
    throw malformed(`[${Op[c.operator]}] not defined for boolean operands.`);
  }
  switch (c.operator) {
    case Op.EQ:
      return cmp === 0;
    case Op.NEQ:
      return cmp !== 0;
    case Op.GT:
      return cmp > 0;
    case Op.GTE:
      return cmp >= 0;
    case Op.LT:
      return cmp < 0;
    case Op.LTE:
      return cmp <= 0;
    default:
      throw malformed(`unsupported operator ${String(c.operator)}`);
  }
}

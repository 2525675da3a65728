// Branch conditions: comparisons of promises of primitives with each other or with constants, and conjunctions.
// A promise used in a condition becomes an input of the branch node named `<nodeId>.<var>` (as flytekit does).
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  type BooleanExpressionSchema,
  ComparisonExpression_Operator as Op,
  ConjunctionExpression_LogicalOperator as Logic,
  type OperandSchema,
} from "@aloft/idl/flyteidl/core/condition_pb.js";
import { invalidArgument } from "@aloft/core";
import { Ref } from "./refs.ts";

type Primitive = number | string | boolean | Date;
export type Operand<T extends Primitive> = Ref<T> | T;
export type Comparator = "==" | "!=" | ">" | ">=" | "<" | "<=";

const OPS: Record<Comparator, Op> = { "==": Op.EQ, "!=": Op.NEQ, ">": Op.GT, ">=": Op.GTE, "<": Op.LT, "<=": Op.LTE };

/**
 * A branch condition: comparisons of node outputs or workflow inputs with each other or with constants, joined with
 * `and` / `or`. Made with `when`.
 * @example
 * ```ts
 * const c = when(score, ">=", 0.9).and(when(kind, "==", "linear"));
 * ```
 */
export class Condition {
  private constructor(
    /** Builds the expression, registering the refs it reads. */
    readonly build: (use: (r: Ref<unknown>) => string) => MessageInitShape<typeof BooleanExpressionSchema>,
  ) {}

  /**
   * The comparison `left op right`; what `when` builds.
   * @example
   * ```ts
   * const c = Condition.compare(score, "<", 0.5);
   * ```
   */
  static compare<T extends Primitive>(left: Operand<T>, op: Comparator, right: Operand<T>): Condition {
    const typeRef = left instanceof Ref ? left : right instanceof Ref ? right : undefined;
    if (!typeRef) throw invalidArgument("sdk.bad_condition", "a condition must compare at least one promise");
    const operand = (x: Operand<T>, use: (r: Ref<unknown>) => string): MessageInitShape<typeof OperandSchema> => {
      if (x instanceof Ref) return { val: { case: "var", value: use(x as Ref<unknown>) } };
      const lit = typeRef.type.toLiteral(x as T);
      const s = lit.value.case === "scalar" ? lit.value.value.value : undefined;
      if (s?.case !== "primitive")
        throw invalidArgument("sdk.bad_condition", `only primitives can be compared, not ${typeRef.type.name}`);
      return { val: { case: "primitive", value: s.value } };
    };
    return new Condition((use) => ({
      expr: {
        case: "comparison",
        value: { operator: OPS[op], leftValue: operand(left, use), rightValue: operand(right, use) },
      },
    }));
  }

  /**
   * Both conditions hold.
   * @example
   * ```ts
   * when(a, ">", 0).and(when(b, ">", 0))
   * ```
   */
  and(other: Condition): Condition {
    return this.#join(Logic.AND, other);
  }

  /**
   * Either condition holds.
   * @example
   * ```ts
   * when(a, "==", 0).or(when(b, "==", 0))
   * ```
   */
  or(other: Condition): Condition {
    return this.#join(Logic.OR, other);
  }

  #join(operator: Logic, other: Condition): Condition {
    return new Condition((use) => ({
      expr: {
        case: "conjunction",
        value: { operator, leftExpression: this.build(use), rightExpression: other.build(use) },
      },
    }));
  }
}

/**
 * A comparison for `b.branch`; the constant takes the promise's type (so an int promise compares with an int
 * constant).
 * @example
 * ```ts
 * b.branch({ cases: [[when(acc, ">", 0.9), (b) => b.call(deploy, { acc })]], otherwise: { fail: "accuracy too low" } });
 * ```
 */
export function when<T extends Primitive>(left: Operand<T>, op: Comparator, right: Operand<T>): Condition {
  return Condition.compare(left, op, right);
}

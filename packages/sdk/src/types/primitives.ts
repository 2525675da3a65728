// Primitive types. Decisions: `int` is a JavaScript number (flyteidl int64; values outside ±2^53 are refused rather
// than silently rounded — use `t.bigint()` for the full range); `datetime` is a Date (millisecond precision);
// `duration` is a number of milliseconds (fractions keep sub-millisecond nanos).
import { SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import type { JsonValue, MessageInitShape } from "@bufbuild/protobuf";
import type { Literal, PrimitiveSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { badValue, literalType, mismatch, scalarLiteral, scalarOf, type JsonCodec, type Type } from "./type.ts";

function primitive<T>(
  name: string,
  simple: SimpleType,
  to: (v: T) => Literal,
  from: (l: Literal) => T,
  json: JsonCodec<T>,
): Type<T> {
  return {
    name,
    literalType: literalType({ type: { case: "simple", value: simple } }),
    toLiteral: to,
    fromLiteral: from,
    json,
  };
}

function jsonOf<T>(
  schema: JsonValue,
  check: (j: JsonValue) => T | undefined,
  out: (v: T) => JsonValue = (v) => v as JsonValue,
): JsonCodec<T> {
  return {
    schema,
    to: (v, where) => {
      if (check(out(v)) === undefined) throw badValue(where, v);
      return out(v);
    },
    from: (j, where) => {
      const v = check(j);
      if (v === undefined) throw badValue(where, j);
      return v;
    },
  };
}

function primitiveOf(l: Literal, name: string) {
  const s = scalarOf(l, name);
  if (s.value.case !== "primitive") throw mismatch(name, l);
  return s.value.value.value;
}

const prim = (value: MessageInitShape<typeof PrimitiveSchema>["value"]): Literal =>
  scalarLiteral({ value: { case: "primitive", value: { value } } });

/**
 * A 64-bit integer (flyteidl INTEGER) valued as a `number`: only safe integers; larger values are refused, not rounded.
 * @example
 * ```ts
 * const count = t.int();
 * task({ inputs: { n: t.int() }, outputs: { twice: t.int() } }, async ({ n }) => ({ twice: 2 * n }));
 * ```
 */
export function int(): Type<number> {
  return primitive<number>(
    "int",
    SimpleType.INTEGER,
    (v) => {
      if (typeof v !== "number" || !Number.isSafeInteger(v)) throw badValue("int (a safe integer)", v);
      return prim({ case: "integer", value: BigInt(v) });
    },
    (l) => {
      const p = primitiveOf(l, "int");
      if (p.case !== "integer") throw mismatch("int", l);
      const n = Number(p.value);
      if (!Number.isSafeInteger(n)) throw badValue("int (a safe integer; declare t.bigint() for int64)", p.value);
      return n;
    },
    jsonOf<number>({ type: "integer" }, (j) => (typeof j === "number" && Number.isSafeInteger(j) ? j : undefined)),
  );
}

/**
 * int64 as `bigint`: the whole range (flyteidl INTEGER).
 * @example
 * ```ts
 * const big = t.bigint();
 * task({ inputs: { id: t.bigint() }, outputs: { next: t.bigint() } }, async ({ id }) => ({ next: id + 1n }));
 * ```
 */
export function bigint(): Type<bigint> {
  return primitive<bigint>(
    "bigint",
    SimpleType.INTEGER,
    (v) => {
      if (typeof v !== "bigint") throw badValue("bigint", v);
      return prim({ case: "integer", value: v });
    },
    (l) => {
      const p = primitiveOf(l, "bigint");
      if (p.case !== "integer") throw mismatch("bigint", l);
      return p.value;
    },
    jsonOf<bigint>(
      { type: "string" },
      (j) => (typeof j === "string" && /^-?\d+$/.test(j) ? BigInt(j) : undefined),
      (v) => String(v),
    ),
  );
}

/**
 * A double (flyteidl FLOAT) valued as a `number`.
 * @example
 * ```ts
 * task({ inputs: { x: t.float() }, outputs: { half: t.float() } }, async ({ x }) => ({ half: x / 2 }));
 * ```
 */
export function float(): Type<number> {
  return primitive<number>(
    "float",
    SimpleType.FLOAT,
    (v) => {
      if (typeof v !== "number") throw badValue("float", v);
      return prim({ case: "floatValue", value: v });
    },
    (l) => {
      const p = primitiveOf(l, "float");
      if (p.case !== "floatValue") throw mismatch("float", l);
      return p.value;
    },
    jsonOf<number>({ type: "number" }, (j) => (typeof j === "number" ? j : undefined)),
  );
}

/**
 * A string (flyteidl STRING).
 * @example
 * ```ts
 * task({ inputs: { name: t.string() }, outputs: { greeting: t.string() } }, async ({ name }) => ({ greeting: `hi ${name}` }));
 * ```
 */
export function string(): Type<string> {
  return primitive<string>(
    "string",
    SimpleType.STRING,
    (v) => {
      if (typeof v !== "string") throw badValue("string", v);
      return prim({ case: "stringValue", value: v });
    },
    (l) => {
      const p = primitiveOf(l, "string");
      if (p.case !== "stringValue") throw mismatch("string", l);
      return p.value;
    },
    jsonOf<string>({ type: "string" }, (j) => (typeof j === "string" ? j : undefined)),
  );
}

/**
 * A boolean (flyteidl BOOLEAN).
 * @example
 * ```ts
 * task({ inputs: { on: t.bool() }, outputs: { off: t.bool() } }, async ({ on }) => ({ off: !on }));
 * ```
 */
export function bool(): Type<boolean> {
  return primitive<boolean>(
    "bool",
    SimpleType.BOOLEAN,
    (v) => {
      if (typeof v !== "boolean") throw badValue("bool", v);
      return prim({ case: "boolean", value: v });
    },
    (l) => {
      const p = primitiveOf(l, "bool");
      if (p.case !== "boolean") throw mismatch("bool", l);
      return p.value;
    },
    jsonOf<boolean>({ type: "boolean" }, (j) => (typeof j === "boolean" ? j : undefined)),
  );
}

/**
 * A point in time (flyteidl DATETIME) valued as a `Date`, to the millisecond.
 * @example
 * ```ts
 * task({ inputs: { at: t.datetime() }, outputs: { year: t.int() } }, async ({ at }) => ({ year: at.getUTCFullYear() }));
 * ```
 */
export function datetime(): Type<Date> {
  return primitive<Date>(
    "datetime",
    SimpleType.DATETIME,
    (v) => {
      if (!(v instanceof Date) || Number.isNaN(v.getTime())) throw badValue("datetime (a valid Date)", v);
      const ms = v.getTime();
      const seconds = Math.floor(ms / 1000);
      return prim({ case: "datetime", value: { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 } });
    },
    (l) => {
      const p = primitiveOf(l, "datetime");
      if (p.case !== "datetime") throw mismatch("datetime", l);
      return new Date(Number(p.value.seconds) * 1000 + Math.floor(p.value.nanos / 1_000_000));
    },
    {
      schema: { type: "string", format: "date-time" },
      to: (v, where) => {
        if (!(v instanceof Date) || Number.isNaN(v.getTime())) throw badValue(where, v);
        return v.toISOString();
      },
      from: (j, where) => {
        const d = typeof j === "string" ? new Date(j) : undefined;
        if (!d || Number.isNaN(d.getTime())) throw badValue(where, j);
        return d;
      },
    },
  );
}

/**
 * A duration (flyteidl DURATION) valued as a `number` of milliseconds.
 * @example
 * ```ts
 * task({ inputs: { timeout: t.duration() }, outputs: { seconds: t.float() } }, async ({ timeout }) => ({ seconds: timeout / 1000 }));
 * ```
 */
export function duration(): Type<number> {
  return primitive<number>(
    "duration",
    SimpleType.DURATION,
    (v) => {
      if (typeof v !== "number" || !Number.isFinite(v)) throw badValue("duration (milliseconds)", v);
      const totalNanos = BigInt(Math.round(v * 1_000_000));
      const seconds = totalNanos / 1_000_000_000n;
      return prim({ case: "duration", value: { seconds, nanos: Number(totalNanos - seconds * 1_000_000_000n) } });
    },
    (l) => {
      const p = primitiveOf(l, "duration");
      if (p.case !== "duration") throw mismatch("duration", l);
      return Number(p.value.seconds) * 1000 + p.value.nanos / 1_000_000;
    },
    jsonOf<number>({ type: "number", description: "milliseconds" }, (j) => (typeof j === "number" ? j : undefined)),
  );
}

/**
 * The NONE type (a task with no meaningful value; also a union variant of `optional`), valued as `null`.
 * @example
 * ```ts
 * const nothing = t.union(t.int(), t.none());   // number | null
 * ```
 */
export function none(): Type<null> {
  return {
    name: "none",
    literalType: literalType({ type: { case: "simple", value: SimpleType.NONE } }),
    toLiteral: () => scalarLiteral({ value: { case: "noneType", value: {} } }),
    json: { schema: { type: "null" }, to: () => null, from: () => null },
    fromLiteral: (l) => {
      const s = scalarOf(l, "none");
      if (s.value.case !== "noneType") throw mismatch("none", l);
      return null;
    },
  };
}

// The runtime type contract: one object per declared input/output type, carrying the flyteidl LiteralType and the
// converters between TypeScript values and flyteidl Literals. `T` is the TypeScript value type (inferred by handlers).
import { create, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import { LiteralSchema, type ScalarSchema, type Literal, type Scalar } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, type LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { invalidArgument } from "@aloft/core";

export interface Type<T> {
  /** A short name for messages ("int", "list<string>"). */
  readonly name: string;
  readonly literalType: LiteralType;
  toLiteral(value: T): Literal;
  fromLiteral(literal: Literal): T;
  /** How the value is written inside a record (a JSON document); absent for types a record cannot hold. */
  readonly json?: JsonCodec<T>;
  /** Phantom: carries T for inference; never set at runtime. */
  readonly __value?: T;
}

/** The TypeScript value type of a Type. */
export type ValueOf<X> = X extends Type<infer T> ? T : never;

/** A record of named types (an interface side). */
export type TypeMap = Record<string, Type<any>>;

/** The values of a TypeMap: `{ a: Type<number> }` → `{ a: number }`. */
export type ValuesOf<M extends TypeMap> = { [K in keyof M]: ValueOf<M[K]> };

export interface JsonCodec<T> {
  /** JSON schema of the value (for the record's metadata). */
  schema: JsonValue;
  to(value: T, where: string): JsonValue;
  from(json: JsonValue, where: string): T;
}

export function literalType(init: MessageInitShape<typeof LiteralTypeSchema>): LiteralType {
  return create(LiteralTypeSchema, init);
}

export function scalarLiteral(init: MessageInitShape<typeof ScalarSchema>): Literal {
  return create(LiteralSchema, { value: { case: "scalar", value: init } });
}

/** The scalar of a literal, unwrapping a union; INVALID_ARGUMENT naming `what` otherwise. */
export function scalarOf(literal: Literal, what: string): Scalar {
  if (literal.value.case !== "scalar") throw mismatch(what, literal);
  const s = literal.value.value;
  if (s.value.case === "union" && s.value.value.value) return scalarOf(s.value.value.value, what);
  return s;
}

export function mismatch(what: string, literal: Literal | unknown): Error {
  const got =
    literal && typeof literal === "object" && "value" in literal
      ? describeLiteral(literal as Literal)
      : typeof literal === "bigint"
        ? `${literal}n`
        : JSON.stringify(literal);
  return invalidArgument("sdk.type_mismatch", `expected a value of type ${what}, got ${got}`);
}

function describeLiteral(l: Literal): string {
  if (l.value.case !== "scalar") return `a ${l.value.case ?? "empty"} literal`;
  const s = l.value.value.value;
  if (s.case === "primitive") return `a ${s.value.value.case ?? "empty"} primitive`;
  return `a ${s.case ?? "empty"} scalar`;
}

export function badValue(what: string, value: unknown): Error {
  return mismatch(what, value);
}

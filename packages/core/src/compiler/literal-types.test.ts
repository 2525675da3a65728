import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { create, equals } from "@bufbuild/protobuf";
import { LiteralSchema, ScalarSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, type LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { VariableSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { isOptionalType, literalTypeForLiteral, literalTypeForScalar, validateLiteralType } from "./literal-types.ts";
import { literalTypeText } from "./proto-text.ts";
import { BOOL, FLOAT, INT, NONE, STR, STRUCT, listOf, literalOf, mapOf, unionOf } from "./testing/builders.ts";

const collection = (...literals: Literal[]): Literal =>
  create(LiteralSchema, { value: { case: "collection", value: { literals } } });
const map = (entries: Record<string, Literal>): Literal =>
  create(LiteralSchema, { value: { case: "map", value: { literals: entries } } });
const i = (n: number) => literalOf({ case: "integer", value: BigInt(n) });
const s = (v: string) => literalOf({ case: "stringValue", value: v });

function assertType(actual: LiteralType | undefined, expected: LiteralType): void {
  assert.ok(actual);
  assert.ok(equals(LiteralTypeSchema, actual, expected), `${literalTypeText(actual)} != ${literalTypeText(expected)}`);
}

describe("literalTypeForLiteral", () => {
  it("types primitives", () => {
    assertType(literalTypeForLiteral(i(1)), INT);
    assertType(literalTypeForLiteral(literalOf({ case: "floatValue", value: 1.5 })), FLOAT);
    assertType(literalTypeForLiteral(s("x")), STR);
    assertType(literalTypeForLiteral(literalOf({ case: "boolean", value: true })), BOOL);
  });

  it("types none, generic and msgpack binary", () => {
    const none = create(LiteralSchema, {
      value: { case: "scalar", value: { value: { case: "noneType", value: {} } } },
    });
    assertType(literalTypeForLiteral(none), NONE);
    assertType(literalTypeForScalar(create(ScalarSchema, { value: { case: "generic", value: {} } })), STRUCT);
    const msgpack = create(ScalarSchema, { value: { case: "binary", value: { tag: "msgpack" } } });
    assertType(literalTypeForScalar(msgpack), STRUCT);
  });

  it("cannot type a blob without metadata or an empty scalar", () => {
    assert.equal(literalTypeForScalar(create(ScalarSchema, { value: { case: "blob", value: {} } })), undefined);
    assert.equal(literalTypeForScalar(create(ScalarSchema)), undefined);
  });

  it("types homogeneous and empty collections", () => {
    assertType(literalTypeForLiteral(collection(i(1), i(2))), listOf(INT));
    assertType(literalTypeForLiteral(collection()), listOf(NONE));
  });

  it("types mixed collections as a sorted union", () => {
    const t = literalTypeForLiteral(collection(s("a"), i(1), s("b")));
    // "simple:INTEGER" sorts before "simple:STRING"
    assertType(t, listOf(unionOf(INT, STR)));
  });

  it("an empty nested collection does not widen the element type", () => {
    assertType(literalTypeForLiteral(collection(collection(i(1)), collection())), listOf(listOf(INT)));
  });

  it("types maps by their values", () => {
    assertType(literalTypeForLiteral(map({ a: i(1), b: i(2) })), mapOf(INT));
  });
});

describe("validateLiteralType", () => {
  it("rejects an unknown type; a present (even empty) element type is known", () => {
    assert.equal(validateLiteralType(INT), undefined);
    assert.match(validateLiteralType(undefined) ?? "", /unknown literal type/);
    const unknownElement = create(LiteralTypeSchema, {
      type: { case: "collectionType", value: create(LiteralTypeSchema) },
    });
    assert.equal(validateLiteralType(unknownElement), undefined);
  });
});

describe("isOptionalType", () => {
  const v = (type: LiteralType) => create(VariableSchema, { type });
  it("is true for a union with NONE", () => assert.equal(isOptionalType(v(unionOf(INT, NONE))), true));
  it("is false for a plain type", () => assert.equal(isOptionalType(v(INT)), false));
  it("is false for a union without NONE", () => assert.equal(isOptionalType(v(unionOf(INT, STR))), false));
  it("keeps upstream's quirk: a non-simple variant counts as NONE", () =>
    assert.equal(isOptionalType(v(unionOf(listOf(INT), STR))), true));
});

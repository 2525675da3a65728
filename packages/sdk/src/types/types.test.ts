import { test } from "node:test";
import assert from "node:assert/strict";
import { toJson } from "@bufbuild/protobuf";
import { LiteralSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { areTypesCastable, literalTypeForLiteral } from "@aloft/core";
import * as t from "./index.ts";

const roundTrip = <T>(ty: t.Type<T>, v: T) => ty.fromLiteral(ty.toLiteral(v));

test("every builder round-trips its values, and the literal's inferred type casts to the declared type", () => {
  const Rec = t.record({
    a: t.int(),
    b: t.optional(t.string()),
    c: t.list(t.datetime()),
    d: t.map(t.bool()),
    e: t.enumOf(["x", "y"]),
  });
  const cases: [t.Type<any>, unknown][] = [
    [t.int(), -42],
    [t.bigint(), 2n ** 62n],
    [t.float(), 0.25],
    [t.string(), "héllo"],
    [t.bool(), true],
    [t.datetime(), new Date("2024-05-06T07:08:09.123Z")],
    [t.duration(), 1500.5],
    [t.list(t.list(t.int())), [[1], [2, 3], []]],
    [t.map(t.float()), { a: 1.5, b: 2 }],
    [t.enumOf(["red", "green"]), "green"],
    [t.union(t.int(), t.string()), "s"],
    [t.union(t.int(), t.string()), 7],
    [t.optional(t.int()), null],
    [t.optional(t.int()), 3],
    [Rec, { a: 1, b: null, c: [new Date(0)], d: { k: false }, e: "y" }],
    [t.file("csv"), { uri: "s3://b/k.csv" }],
    [t.directory(), { uri: "file:///tmp/d" }],
    [t.dataset({ x: t.float() }), { uri: "s3://b/rows.jsonl" }],
  ];
  for (const [ty, v] of cases) {
    assert.deepEqual(roundTrip(ty, v), v, ty.name);
    const inferred = literalTypeForLiteral(ty.toLiteral(v));
    assert.ok(
      inferred && areTypesCastable(inferred, ty.literalType),
      `${ty.name}: ${JSON.stringify(toJson(LiteralTypeSchema, inferred!))}`,
    );
  }
});

test("literal types: simple types, collections, maps, enums, unions with tags, structs with a schema and field types", () => {
  assert.deepEqual(t.int().literalType.type, { case: "simple", value: SimpleType.INTEGER });
  assert.equal(t.list(t.string()).literalType.type.case, "collectionType");
  assert.deepEqual(t.enumOf(["a", "b"]).literalType.type.value, {
    $typeName: "flyteidl.core.EnumType",
    values: ["a", "b"],
  });
  const u = t.optional(t.float()).literalType;
  assert.equal(u.type.case, "unionType");
  const variants = u.type.case === "unionType" ? u.type.value.variants : [];
  assert.deepEqual(
    variants.map((v) => v.structure?.tag),
    ["float", "none"],
  );
  const r = t.record({ a: t.int() }, { name: "R" }).literalType;
  assert.deepEqual(r.type, { case: "simple", value: SimpleType.STRUCT });
  assert.equal(r.structure?.tag, "R");
  assert.deepEqual(Object.keys(r.structure?.dataclassType ?? {}), ["a"]);
  assert.deepEqual((r.metadata as { required: string[] }).required, ["a"]);
  const sd = t.dataset({ x: t.float() }).literalType;
  assert.equal(sd.type.case === "structuredDatasetType" && sd.type.value.format, "jsonl");
});

test("values of the wrong type are refused with the type's name", () => {
  assert.throws(() => t.int().toLiteral(1.5), /int/);
  assert.throws(() => t.int().toLiteral(2 ** 60), /safe integer/);
  assert.throws(() => t.enumOf(["a"]).toLiteral("b" as "a"), /enum<a>: "b" is not one of the allowed values "a"/);
  // A string outside the symbols (admin accepts any string for an enum input) names the allowed values.
  const outside = t.string().toLiteral("purple");
  assert.throws(
    () => t.enumOf(["red", "green"]).fromLiteral(outside),
    /"purple" is not one of the allowed values "red", "green"/,
  );
  assert.throws(() => t.enumOf(["red"]).fromLiteral(t.int().toLiteral(1)), /got a integer primitive/);
  assert.throws(
    () => t.string().fromLiteral(t.int().toLiteral(1)),
    /expected a value of type string, got a integer primitive/,
  );
  assert.throws(() => t.union(t.int(), t.bool()).toLiteral("x" as never), /int \| bool/);
  assert.throws(() => t.record({ f: t.file() }), /cannot be held in a record/);
  assert.throws(() => t.toLiteralMap({ a: t.int() }, {} as never), /a is missing/);
  assert.deepEqual(t.fromLiteralMap({ a: t.optional(t.int()) }, undefined), { a: null });
  assert.equal(toJson(LiteralSchema, t.datetime().toLiteral(new Date("2024-01-01T00:00:00Z"))) !== undefined, true);
});

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  LiteralTypeSchema,
  SchemaType_SchemaColumn_SchemaColumnType as Col,
  SimpleType,
  type LiteralType,
} from "@aloft/idl/flyteidl/core/types_pb.js";
import { areTypesCastable } from "./castability.ts";
import {
  BOOL,
  FLOAT,
  INT,
  NONE,
  STR,
  STRUCT,
  blob,
  enumOf,
  listOf,
  mapOf,
  simple,
  unionOf,
} from "./testing/builders.ts";

const schema = (...cols: [string, Col][]): LiteralType =>
  create(LiteralTypeSchema, {
    type: { case: "schema", value: { columns: cols.map(([name, type]) => ({ name, type })) } },
  });
const sd = (format: string, ...cols: [string, LiteralType][]): LiteralType =>
  create(LiteralTypeSchema, {
    type: {
      case: "structuredDatasetType",
      value: { format, columns: cols.map(([name, literalType]) => ({ name, literalType })) },
    },
  });
const tagged = (t: LiteralType, tag: string): LiteralType =>
  create(LiteralTypeSchema, { type: t.type, structure: { tag } });
const withMeta = (t: LiteralType, metadata: Record<string, unknown>): LiteralType =>
  create(LiteralTypeSchema, { type: t.type, metadata: metadata as never });
const annotated = (t: LiteralType): LiteralType =>
  create(LiteralTypeSchema, { type: t.type, annotation: { annotations: { k: "v" } } });

// [name, upstream, downstream, castable]
const matrix: [string, LiteralType, LiteralType, boolean][] = [
  ["int -> int", INT, INT, true],
  ["int -> float", INT, FLOAT, false],
  ["float -> int", FLOAT, INT, false],
  ["none -> int", NONE, INT, false],
  ["none -> none", NONE, NONE, true],
  ["int -> none", INT, NONE, false],
  ["str -> bool", STR, BOOL, false],
  ["metadata ignored", withMeta(INT, { a: 1 }), INT, true],
  ["annotation ignored", annotated(INT), INT, true],
  ["enum -> string", enumOf("a", "b"), STR, true],
  ["string -> enum", STR, enumOf("a", "b"), true],
  ["enum -> same enum", enumOf("a", "b"), enumOf("a", "b"), true],
  ["enum -> other enum", enumOf("a", "b"), enumOf("c"), false],
  ["tag mismatch", tagged(STR, "x"), tagged(STR, "y"), false],
  ["tag match", tagged(STR, "x"), tagged(STR, "x"), true],
  ["untagged upstream ignores downstream tag", STR, tagged(STR, "y"), true],
  ["[int] -> [int]", listOf(INT), listOf(INT), true],
  ["[int] -> [float]", listOf(INT), listOf(FLOAT), false],
  ["[] (none) -> [int]", listOf(NONE), listOf(INT), true],
  ["[int] -> int", listOf(INT), INT, false],
  ["int -> [int] (no auto-wrap)", INT, listOf(INT), false],
  ["[int] -> [[int]]", listOf(INT), listOf(listOf(INT)), false],
  ["none -> [[int]]", NONE, listOf(listOf(INT)), false],
  ["{int} -> {int}", mapOf(INT), mapOf(INT), true],
  ["{int} -> {float}", mapOf(INT), mapOf(FLOAT), false],
  ["{none} -> {float}", mapOf(NONE), mapOf(FLOAT), true],
  ["{int} -> int", mapOf(INT), INT, false],
  ["{int} -> [int]", mapOf(INT), listOf(INT), false],
  ["blob csv -> blob csv", blob("csv"), blob("csv"), true],
  ["blob csv -> blob any", blob("csv"), blob(""), true],
  ["blob any -> blob csv", blob(""), blob("csv"), true],
  ["blob csv -> blob parquet", blob("csv"), blob("parquet"), false],
  ["none -> blob", NONE, blob(""), false],
  ["str -> blob", STR, blob(""), false],
  ["schema -> schema (generic)", schema(["a", Col.INTEGER]), schema(), true],
  ["schema -> schema subset", schema(["a", Col.INTEGER], ["b", Col.STRING]), schema(["a", Col.INTEGER]), true],
  ["schema -> schema wrong column type", schema(["a", Col.INTEGER]), schema(["a", Col.FLOAT]), false],
  ["schema -> schema missing column", schema(["a", Col.INTEGER]), schema(["b", Col.INTEGER]), false],
  ["sd parquet -> schema", sd("parquet", ["a", INT]), schema(["a", Col.INTEGER]), true],
  ["sd PARQUET -> schema", sd("PARQUET"), schema(), true],
  ["sd csv -> schema", sd("csv"), schema(), false],
  ["sd -> schema wrong column", sd("", ["a", INT]), schema(["a", Col.STRING]), false],
  ["none -> sd (nullable)", NONE, sd(""), true],
  ["sd -> sd same format", sd("parquet"), sd("parquet"), true],
  ["sd -> sd format case-insensitive", sd("Parquet"), sd("parquet"), true],
  ["sd -> sd empty format", sd(""), sd("csv"), true],
  ["sd -> sd other format", sd("csv"), sd("parquet"), false],
  ["sd -> sd column subset", sd("", ["a", INT], ["b", STR]), sd("", ["b", STR]), true],
  ["sd -> sd column type mismatch", sd("", ["a", INT]), sd("", ["a", FLOAT]), false],
  ["schema -> sd", schema(["a", Col.FLOAT]), sd("", ["a", FLOAT]), true],
  ["schema -> sd csv", schema(), sd("csv"), false],
  ["int -> sd", INT, sd(""), false],
  ["str -> str|int", STR, unionOf(tagged(INT, "int"), tagged(STR, "str")), true],
  ["str -> str|str (ambiguous)", STR, unionOf(tagged(STR, "a"), tagged(STR, "b")), false],
  ["float -> str|int", FLOAT, unionOf(INT, STR), false],
  ["none -> optional int", NONE, unionOf(INT, NONE), true],
  ["int -> optional int", INT, unionOf(INT, NONE), true],
  ["union -> superset union", unionOf(tagged(STR, "a")), unionOf(tagged(STR, "a"), tagged(INT, "i")), true],
  ["union -> union missing variant", unionOf(STR, INT), unionOf(STR), false],
  ["single-variant union -> its variant", unionOf(tagged(STR, "s")), tagged(STR, "s"), true],
  ["single-variant union -> other type", unionOf(STR), INT, false],
  ["[int|str] -> [int|str]", listOf(unionOf(INT, STR)), listOf(unionOf(INT, STR)), true],
  ["struct -> struct (no schema)", STRUCT, STRUCT, true],
  ["struct -> struct (one schema)", withMeta(STRUCT, { type: "object" }), STRUCT, true],
  ["struct -> int", STRUCT, INT, false],
  ["error -> error", simple(SimpleType.ERROR), simple(SimpleType.ERROR), true],
];

describe("areTypesCastable", () => {
  for (const [name, up, down, expected] of matrix) {
    it(`${name}: ${expected}`, () => {
      assert.equal(areTypesCastable(up, down), expected);
    });
  }

  describe("dataclass JSON schemas", () => {
    const point = {
      type: "object",
      properties: { x: { type: "integer" }, y: { type: "integer" } },
      required: ["x", "y"],
    };
    const point3 = {
      type: "object",
      properties: { x: { type: "integer" }, y: { type: "integer" }, z: { type: "integer" } },
      required: ["x", "y", "z"],
    };
    const other = { type: "object", properties: { x: { type: "string" } }, required: ["x"] };

    it("identical schemas", () => {
      assert.equal(areTypesCastable(withMeta(STRUCT, point), withMeta(STRUCT, { ...point })), true);
    });
    it("an upstream with more fields fits a downstream with fewer", () => {
      assert.equal(areTypesCastable(withMeta(STRUCT, point3), withMeta(STRUCT, point)), true);
    });
    it("an upstream missing a required field does not fit", () => {
      assert.equal(areTypesCastable(withMeta(STRUCT, point), withMeta(STRUCT, point3)), false);
    });
    it("ignores additionalProperties: false (as upstream)", () => {
      const closed = { ...point, additionalProperties: false };
      assert.equal(areTypesCastable(withMeta(STRUCT, point3), withMeta(STRUCT, closed)), true);
    });
    it("a field of another type does not fit", () => {
      assert.equal(areTypesCastable(withMeta(STRUCT, other), withMeta(STRUCT, point)), false);
    });
    it("follows local $refs", () => {
      const up = { $defs: { P: point3 }, $ref: "#/$defs/P" };
      const down = { $defs: { Q: point }, $ref: "#/$defs/Q" };
      assert.equal(areTypesCastable(withMeta(STRUCT, up), withMeta(STRUCT, down)), true);
      assert.equal(areTypesCastable(withMeta(STRUCT, down), withMeta(STRUCT, up)), false);
    });
  });
});

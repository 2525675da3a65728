import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { LiteralTypeSchema, SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { formatGoFloat, identifierText, literalTypeText, literalTypeToStr } from "./proto-text.ts";
import { INT, NONE, enumOf, id, listOf, unionOf } from "./testing/builders.ts";

describe("Go text format", () => {
  it("renders identifiers in field order, omitting empty fields", () => {
    assert.equal(
      identifierText(id(ResourceType.TASK, "t")),
      'resource_type:TASK project:"p" domain:"d" name:"t" version:"v1"',
    );
    assert.equal(identifierText(undefined), "");
  });

  it("renders nested and repeated fields", () => {
    assert.equal(literalTypeText(listOf(INT)), "collection_type:{simple:INTEGER}");
    assert.equal(literalTypeText(enumOf("a", "b")), 'enum_type:{values:"a" values:"b"}');
    assert.equal(literalTypeText(unionOf(INT, NONE)), "union_type:{variants:{simple:INTEGER} variants:{simple:NONE}}");
  });

  it("renders an explicitly set zero enum inside a oneof", () => {
    assert.equal(literalTypeText(NONE), "simple:NONE");
  });

  it("renders maps sorted by key", () => {
    const t = create(LiteralTypeSchema, {
      type: { case: "simple", value: SimpleType.STRUCT },
      structure: { dataclassType: { b: INT, a: INT } },
    });
    assert.equal(
      literalTypeText(t),
      'simple:STRUCT structure:{dataclass_type:{key:"a" value:{simple:INTEGER}} dataclass_type:{key:"b" value:{simple:INTEGER}}}',
    );
    assert.equal(literalTypeToStr(t).startsWith("Simple: STRUCT structure{dataclass_type:{key:"), true);
  });

  it("escapes strings", () => {
    assert.equal(literalTypeText(enumOf('a"b\\c\n')), 'enum_type:{values:"a\\"b\\\\c\\n"}');
    assert.equal(literalTypeText(enumOf("é")), 'enum_type:{values:"é"}');
  });

  it("formats floats like strconv 'g' -1", () => {
    assert.equal(formatGoFloat(0.1), "0.1");
    assert.equal(formatGoFloat(1), "1");
    assert.equal(formatGoFloat(123456), "123456");
    assert.equal(formatGoFloat(1000000), "1e+06");
    assert.equal(formatGoFloat(1234567.5), "1.2345675e+06");
    assert.equal(formatGoFloat(0.00001), "1e-05");
    assert.equal(formatGoFloat(Number.NaN), "nan");
  });
});

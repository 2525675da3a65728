// Attribute paths on promises (`o.a[0].b`): map keys and collection indexes on literals; inside a Struct (`generic`)
// the rest of the path walks the JSON document and the result becomes a literal again; inside a msgpack binary it
// walks the decoded value and the result stays a msgpack binary (upstream flytepropeller/pkg/controller/nodes/resolve.go).
import { create } from "@bufbuild/protobuf";
import { LiteralSchema, PrimitiveSchema, ScalarSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { PromiseAttribute } from "@aloft/idl/flyteidl/core/types_pb.js";
import { decodeMsgpack, encodeMsgpack, type MsgpackValue } from "@aloft/core";
import type { JsonValue, MessageInitShape } from "@bufbuild/protobuf";

export async function applyAttrPath(
  literal: Literal,
  path: readonly PromiseAttribute[],
  readOffloaded: (uri: string) => Promise<Literal>,
): Promise<Literal> {
  let current = literal;
  for (let i = 0; i < path.length; i++) {
    const attr = path[i]!.value;
    if (current.value.case === "offloadedMetadata") current = await readOffloaded(current.value.value.uri);
    const v = current.value;
    if (v.case === "map" && attr.case === "stringValue") {
      const next = v.value.literals[attr.value];
      if (!next) throw new Error(`key ${attr.value} not found in map`);
      current = next;
    } else if (v.case === "collection" && attr.case === "intValue") {
      const next = v.value.literals[attr.value];
      if (!next) throw new Error(`index ${attr.value} out of range (${v.value.literals.length})`);
      current = next;
    } else if (v.case === "scalar" && v.value.value.case === "generic") {
      const doc: JsonValue = v.value.value.value;
      return jsonToLiteral(walkJson(doc, path.slice(i)));
    } else if (v.case === "scalar" && v.value.value.case === "binary") {
      const bin = v.value.value.value;
      if (bin.tag !== "msgpack") throw new Error(`cannot apply attribute paths to a binary literal tagged ${bin.tag}`);
      const value = walkMsgpack(decodeMsgpack(bin.value), path.slice(i));
      return scalarOf({ value: { case: "binary", value: { value: encodeMsgpack(value), tag: "msgpack" } } });
    } else {
      throw new Error(`cannot apply attribute ${String(attr.value)} to a ${v.case ?? "empty"} literal`);
    }
  }
  return current;
}

function walkMsgpack(doc: MsgpackValue, path: readonly PromiseAttribute[]): MsgpackValue {
  let cur = doc;
  for (const p of path) {
    const a = p.value;
    if (a.case === "stringValue" && cur instanceof Map) {
      if (!cur.has(a.value)) throw new Error(`key ${a.value} not found`);
      cur = cur.get(a.value)!;
    } else if (a.case === "intValue" && Array.isArray(cur)) {
      if (a.value < 0 || a.value >= cur.length) throw new Error(`index ${a.value} out of range (${cur.length})`);
      cur = cur[a.value]!;
    } else {
      throw new Error(`cannot apply attribute ${String(a.value)}`);
    }
  }
  return cur;
}

const scalarOf = (s: MessageInitShape<typeof ScalarSchema>) =>
  create(LiteralSchema, { value: { case: "scalar", value: create(ScalarSchema, s) } });

function walkJson(doc: JsonValue, path: readonly PromiseAttribute[]): JsonValue {
  let cur: JsonValue = doc;
  for (const p of path) {
    const a = p.value;
    if (a.case === "stringValue" && cur !== null && typeof cur === "object" && !Array.isArray(cur)) {
      if (!(a.value in cur)) throw new Error(`key ${a.value} not found`);
      cur = cur[a.value]!;
    } else if (a.case === "intValue" && Array.isArray(cur)) {
      if (a.value < 0 || a.value >= cur.length) throw new Error(`index ${a.value} out of range (${cur.length})`);
      cur = cur[a.value]!;
    } else {
      throw new Error(`cannot apply attribute ${String(a.value)}`);
    }
  }
  return cur;
}

function jsonToLiteral(v: JsonValue): Literal {
  const scalar = scalarOf;
  if (typeof v === "string")
    return scalar({ value: { case: "primitive", value: { value: { case: "stringValue", value: v } } } });
  if (typeof v === "boolean")
    return scalar({ value: { case: "primitive", value: { value: { case: "boolean", value: v } } } });
  if (typeof v === "number") {
    const prim: MessageInitShape<typeof PrimitiveSchema> = Number.isInteger(v)
      ? { value: { case: "integer", value: BigInt(v) } }
      : { value: { case: "floatValue", value: v } };
    return scalar({ value: { case: "primitive", value: create(PrimitiveSchema, prim) } });
  }
  if (Array.isArray(v)) {
    return create(LiteralSchema, { value: { case: "collection", value: { literals: v.map(jsonToLiteral) } } });
  }
  if (v === null) return scalar({ value: { case: "noneType", value: {} } });
  return scalar({ value: { case: "generic", value: v } });
}

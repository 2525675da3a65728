// Input values typed against a launch plan's expected inputs: every literal kind, and errors that name the input,
// the value and the type.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { create, toJson } from "@bufbuild/protobuf";
import { LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import {
  BlobType_BlobDimensionality,
  LiteralTypeSchema,
  SimpleType,
  type LiteralType,
} from "@aloft/idl/flyteidl/core/types_pb.js";
import { AloftError } from "@aloft/core";
import { buildInputs, inputLiteral, readInputsFile, typeName } from "./inputs.ts";

const dir = mkdtempSync(join(tmpdir(), "aloft-inputs-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const simple = (s: SimpleType) => create(LiteralTypeSchema, { type: { case: "simple", value: s } });
const list = (t: LiteralType) => create(LiteralTypeSchema, { type: { case: "collectionType", value: t } });
const map = (t: LiteralType) => create(LiteralTypeSchema, { type: { case: "mapValueType", value: t } });
const union = (...v: LiteralType[]) =>
  create(LiteralTypeSchema, { type: { case: "unionType", value: { variants: v } } });
const INT = simple(SimpleType.INTEGER);
const FLOAT = simple(SimpleType.FLOAT);
const STR = simple(SimpleType.STRING);
const json = (l: Literal) => toJson(LiteralSchema, l);
const prim = (l: Literal) => (json(l) as { scalar: { primitive: Record<string, unknown> } }).scalar.primitive;

function usage(fn: () => unknown, message: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof AloftError && message.test(e.message));
}

test("scalars: int, float, string, bool, datetime, duration", () => {
  assert.deepEqual(prim(inputLiteral("x", INT, "-42")), { integer: "-42" });
  assert.deepEqual(prim(inputLiteral("x", INT, 7)), { integer: "7" });
  assert.deepEqual(prim(inputLiteral("f", FLOAT, "2.5")), { floatValue: 2.5 });
  assert.deepEqual(prim(inputLiteral("s", STR, "hello world")), { stringValue: "hello world" });
  assert.deepEqual(prim(inputLiteral("b", simple(SimpleType.BOOLEAN), "yes")), { boolean: true });
  assert.deepEqual(prim(inputLiteral("b", simple(SimpleType.BOOLEAN), false)), { boolean: false });
  assert.deepEqual(prim(inputLiteral("t", simple(SimpleType.DATETIME), "2024-01-31T12:00:00Z")), {
    datetime: "2024-01-31T12:00:00Z",
  });
  assert.deepEqual(prim(inputLiteral("d", simple(SimpleType.DURATION), "1h30m")), { duration: "5400s" });
  assert.deepEqual(prim(inputLiteral("d", simple(SimpleType.DURATION), "1.5")), { duration: "1.500s" });
  assert.deepEqual(prim(inputLiteral("d", simple(SimpleType.DURATION), "250ms")), { duration: "0.250s" });
});

test("bad scalars name the input, the value and the type", () => {
  usage(() => inputLiteral("x", INT, "1.5"), /^input x \(integer\): "1.5" is not an integer$/);
  usage(() => inputLiteral("f", FLOAT, "abc"), /^input f \(float\): "abc" is not a number$/);
  usage(() => inputLiteral("b", simple(SimpleType.BOOLEAN), "maybe"), /is not a boolean \(true or false\)$/);
  usage(() => inputLiteral("t", simple(SimpleType.DATETIME), "yesterday"), /is not a date-time/);
  usage(() => inputLiteral("d", simple(SimpleType.DURATION), "5 parsecs"), /is not a duration/);
});

test("lists and maps as JSON, nested errors point at the element", () => {
  const l = json(inputLiteral("xs", list(INT), "[1, 2, 3]")) as { collection: { literals: unknown[] } };
  assert.equal(l.collection.literals.length, 3);
  const m = json(inputLiteral("m", map(list(FLOAT)), '{"a": [1.5], "b": []}')) as {
    map: { literals: Record<string, unknown> };
  };
  assert.deepEqual(Object.keys(m.map.literals), ["a", "b"]);
  usage(() => inputLiteral("xs", list(INT), '[1, "x"]'), /^input xs \(list<integer>\): .* \[1\] is not an integer$/);
  usage(() => inputLiteral("xs", list(INT), "1,2"), /is not valid JSON for a list$/);
  usage(() => inputLiteral("m", map(INT), "[1]"), /is not a JSON object$/);
});

test("optional values, enums, structs, files and directories", () => {
  const opt = union(INT, simple(SimpleType.NONE));
  assert.equal(typeName(opt), "optional<integer>");
  const some = json(inputLiteral("o", opt, "5")) as { scalar: { union: { value: unknown } } };
  assert.deepEqual(some.scalar.union.value, { scalar: { primitive: { integer: "5" } } });
  const none = json(inputLiteral("o", opt, "none")) as { scalar: { union: { value: unknown } } };
  assert.deepEqual(none.scalar.union.value, { scalar: { noneType: {} } });
  usage(() => inputLiteral("o", opt, "five"), /matches none of optional<integer>$/);
  const color = create(LiteralTypeSchema, { type: { case: "enumType", value: { values: ["red", "green"] } } });
  assert.deepEqual(prim(inputLiteral("c", color, "green")), { stringValue: "green" });
  usage(() => inputLiteral("c", color, "blue"), /is not one of red, green$/);
  assert.deepEqual(
    (json(inputLiteral("s", simple(SimpleType.STRUCT), '{"a": {"b": 1}}')) as { scalar: { generic: unknown } }).scalar
      .generic,
    { a: { b: 1 } },
  );
  const file = create(LiteralTypeSchema, {
    type: { case: "blob", value: { dimensionality: BlobType_BlobDimensionality.SINGLE } },
  });
  const dirType = create(LiteralTypeSchema, {
    type: { case: "blob", value: { dimensionality: BlobType_BlobDimensionality.MULTIPART } },
  });
  const local = join(dir, "data.csv");
  writeFileSync(local, "a,b\n");
  assert.equal((json(inputLiteral("f", file, local)) as { scalar: { blob: { uri: string } } }).scalar.blob.uri, local);
  assert.equal(
    (json(inputLiteral("f", file, "s3://bucket/key.csv")) as { scalar: { blob: { uri: string } } }).scalar.blob.uri,
    "s3://bucket/key.csv",
  );
  assert.equal((json(inputLiteral("d", dirType, dir)) as { scalar: { blob: { uri: string } } }).scalar.blob.uri, dir);
  usage(() => inputLiteral("f", file, join(dir, "nope.csv")), /^input f \(file\): ".*nope.csv": no such file /);
});

test("buildInputs: pairs over the file, unknown and missing inputs", () => {
  const expected = { x: { type: INT, required: false }, label: { type: STR, required: true } };
  const m = buildInputs(expected, ["x=3", "label=a=b"], { x: 1 });
  assert.deepEqual(Object.keys(m.literals).sort(), ["label", "x"]);
  assert.deepEqual(prim(m.literals.x!), { integer: "3" });
  assert.deepEqual(prim(m.literals.label!), { stringValue: "a=b" }, "only the first = separates");
  usage(() => buildInputs(expected, ["y=1", "label=a"]), /^unknown input y \(expected inputs: label, x\)$/);
  usage(() => buildInputs(expected, []), /^missing required input: label \(string\)/);
  const file = join(dir, "in.yaml");
  writeFileSync(file, "x: 9\nlabel: from file\n");
  assert.deepEqual(prim(buildInputs(expected, [], readInputsFile(file)).literals.x!), { integer: "9" });
  usage(() => readInputsFile(join(dir, "missing.yaml")), /does not exist$/);
});

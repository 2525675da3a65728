import assert from "node:assert/strict";
import { test } from "node:test";
import { literalSummary, literalView, typeLabel } from "./literals.ts";

test("type labels name primitives, containers, enums, unions and blobs", () => {
  assert.equal(typeLabel({ simple: "INTEGER" }), "int");
  assert.equal(typeLabel({ collection_type: { map_value_type: { simple: "FLOAT" } } }), "list<map<str, float>>");
  assert.equal(typeLabel({ enum_type: { values: ["a", "b"] } }), "enum(a|b)");
  assert.equal(typeLabel({ union_type: { variants: [{ simple: "INTEGER" }, { simple: "NONE" }] } }), "int | none");
  assert.equal(typeLabel({ blob: { dimensionality: "MULTIPART" } }), "directory");
  assert.equal(typeLabel(undefined), "unknown");
});

test("literals render by type: primitives, lists, sorted maps, blobs, errors, structs", () => {
  assert.deepEqual(literalView({ scalar: { primitive: { integer: "3" } } }), { kind: "value", type: "int", text: "3" });
  assert.deepEqual(literalView({ scalar: { primitive: { boolean: false } } }), {
    kind: "value",
    type: "bool",
    text: "false",
  });
  const map = literalView({
    map: {
      literals: {
        b: { scalar: { primitive: { string_value: "x" } } },
        a: { collection: { literals: [{ scalar: { primitive: { float_value: 1.5 } } }] } },
      },
    },
  });
  assert.equal(literalSummary(map), '{a: [1.5], b: "x"}');
  assert.deepEqual(literalView({ scalar: { blob: { uri: "s3://b/k", metadata: { type: {} } } } }), {
    kind: "uri",
    type: "file",
    uri: "s3://b/k",
  });
  assert.deepEqual(literalView({ scalar: { error: { failed_node_id: "n1", message: "boom" } } }), {
    kind: "error",
    message: "boom",
    node: "n1",
  });
  assert.equal(literalSummary(literalView({ scalar: { generic: { k: [1, 2] } } })), '{ "k": [ 1, 2 ] }');
  assert.equal(literalView({ scalar: { union: { value: { scalar: { none_type: {} } } } } }).kind, "none");
  assert.equal(
    literalSummary(literalView({ scalar: { primitive: { string_value: "y".repeat(200) } } }), 10).length,
    10,
  );
});

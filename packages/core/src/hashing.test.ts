import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { LabelsSchema } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { canonicalJson, messageDiff, messageDigest } from "./hashing.ts";

test("digests ignore map insertion order and change with content", () => {
  const a = create(LabelsSchema, { values: { x: "1", y: "2" } });
  const b = create(LabelsSchema, { values: { y: "2", x: "1" } });
  const c = create(LabelsSchema, { values: { x: "1", y: "3" } });
  assert.equal(messageDigest(LabelsSchema, a), messageDigest(LabelsSchema, b));
  assert.notEqual(messageDigest(LabelsSchema, a), messageDigest(LabelsSchema, c));
  assert.equal(canonicalJson({ b: 1, a: [2, { d: 1, c: 0 }] }), '{"a":[2,{"c":0,"d":1}],"b":1}');
});

test("diff names the changed paths", () => {
  const a = create(LabelsSchema, { values: { x: "1", y: "2" } });
  const c = create(LabelsSchema, { values: { x: "1", y: "3", z: "4" } });
  assert.deepEqual(messageDiff(LabelsSchema, a, c), ['values.y: "2" -> "3"', 'values.z: <unset> -> "4"']);
});

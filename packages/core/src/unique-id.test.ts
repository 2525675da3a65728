import { test } from "node:test";
import assert from "node:assert/strict";
import { fixedLengthUniqueIdForParts, fixedLengthUniqueId } from "./unique-id.ts";

test("upstream vectors", () => {
  assert.equal(fixedLengthUniqueId(20, "x".repeat(24)), "fuaa3aji");
  assert.equal(fixedLengthUniqueIdForParts(4, ["x", "y", "z"]), "fxzsoqrq");
  const parts = ["x", "y", "z", "m", "n", "y", "z", "m", "n", "y", "z", "m", "n"];
  assert.equal(fixedLengthUniqueIdForParts(15, parts), "fe63sz6y");
  assert.equal(fixedLengthUniqueIdForParts(15, parts, "fnv64a"), "fwp4bky2kucex5");
  assert.equal(fixedLengthUniqueIdForParts(20, ["first-name-is-pretty-large", "hello-world", "1"]), "fav2uxxi");
});

test("short ids are joined, empty leading parts skipped", () => {
  assert.equal(fixedLengthUniqueIdForParts(20, ["", "", "n1"]), "n1");
  assert.equal(fixedLengthUniqueIdForParts(20, ["n2", "0", "n0"]), "n2-0-n0");
});

// Shared immutable messages: encodings made once per format, only for marked messages; the size-bounded LRU cache.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { IdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { BoundedCache, encodeOnce, markImmutable } from "./immutable-messages.ts";

test("encodeOnce: a marked message is encoded once per format; any other message every time", () => {
  let calls = 0;
  const encoder = (b: number) => () => {
    calls++;
    return new Uint8Array([b]);
  };
  const shared = markImmutable(create(IdentifierSchema, { name: "a" }));
  assert.deepEqual(encodeOnce(shared, "grpc", encoder(1)), new Uint8Array([1]));
  assert.deepEqual(encodeOnce(shared, "grpc", encoder(2)), new Uint8Array([1]));
  assert.deepEqual(encodeOnce(shared, "json", encoder(3)), new Uint8Array([3]));
  assert.equal(calls, 2);
  const plain = create(IdentifierSchema, { name: "a" });
  encodeOnce(plain, "grpc", encoder(4));
  encodeOnce(plain, "grpc", encoder(4));
  assert.equal(calls, 4);
});

test("BoundedCache: least recently used entries go first when the size or the count bound is passed", () => {
  const c = new BoundedCache<string>(10, 3);
  c.set("a", "A", 4);
  c.set("b", "B", 4);
  assert.equal(c.get("a"), "A"); // a is now the most recently used
  c.set("c", "C", 4); // 12 > 10: b goes
  assert.equal(c.get("b"), undefined);
  assert.equal(c.get("a"), "A");
  assert.equal(c.get("c"), "C");
  c.set("huge", "H", 11); // larger than the bound alone: not stored, nothing evicted
  assert.equal(c.get("huge"), undefined);
  assert.equal(c.size, 2);
  c.set("d", "D", 1);
  c.set("e", "E", 1); // 4 entries > 3: the least recently used (a) goes
  assert.equal(c.get("a"), undefined);
  assert.deepEqual(
    ["c", "d", "e"].map((k) => c.get(k)),
    ["C", "D", "E"],
  );
  c.set("c", "C2", 2); // replacing keeps the total right
  assert.equal(c.get("c"), "C2");
});

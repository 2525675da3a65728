import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { TypedInterfaceSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { LiteralMapSchema, LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { AloftError, Code } from "@aloft/core";
import { builders as b } from "@aloft/core/testing";
import { artifactTagOf, datasetVersion, hashLiteralMap, stripInterface, catalogKeyOf } from "./catalog-key.ts";
import { normalizeFloat, objectHash } from "./objecthash.ts";

const int = (n: number): Literal => b.literalOf({ case: "integer", value: BigInt(n) });
const lmap = (literals: Record<string, Literal>) => create(LiteralMapSchema, { literals });

// Golden values from upstream flytepropeller/pkg/controller/nodes/cache.go, flyteplugins/go/tasks/pluginmachinery/catalog/hashing.go (computed by upstream's Go code).
test("dataset version of an empty interface", () => {
  assert.equal(datasetVersion(create(TypedInterfaceSchema, {}), "1.0.0"), "1.0.0-GKw-c0Pw-GKw-c0Pw");
  // nil and empty variable maps hash alike
  assert.equal(datasetVersion(b.iface({}, {}), "1.0.0"), "1.0.0-GKw-c0Pw-GKw-c0Pw");
});

test("dataset version of inputs {1: INTEGER, 2: INTEGER} and no outputs; descriptions do not count", () => {
  assert.equal(
    datasetVersion(stripInterface(b.iface({ "1": b.INT, "2": b.INT }, {})), "1.0.0"),
    "1.0.0-UxVtPm0k-GKw-c0Pw",
  );
  // the cache version is trimmed of spaces
  assert.equal(
    datasetVersion(stripInterface(b.iface({ "1": b.INT, "2": b.INT }, {})), "  1.0.0 "),
    "1.0.0-UxVtPm0k-GKw-c0Pw",
  );
  // an unstripped interface (descriptions set) hashes differently: stripping matters
  assert.notEqual(datasetVersion(b.iface({ "1": b.INT, "2": b.INT }, {}), "1.0.0"), "1.0.0-UxVtPm0k-GKw-c0Pw");
});

test("an empty cache version is an error", () => {
  assert.throws(
    () => datasetVersion(b.iface({}, {}), "  "),
    (e) => e instanceof AloftError && e.code === Code.INVALID_ARGUMENT,
  );
});

test("artifact tag of {1: 1, 2: 2}, also with an ignored variable 3", () => {
  const golden = "GQid5LjHbakcW68DS3P2jp80QLbiF0olFHF2hTh5bg8";
  assert.equal(hashLiteralMap(lmap({ "1": int(1), "2": int(2) })), golden);
  assert.equal(hashLiteralMap(lmap({ "1": int(1), "2": int(2), "3": int(3) }), ["3"]), golden);
  assert.notEqual(hashLiteralMap(lmap({ "1": int(1), "2": int(2), "3": int(3) })), golden);
  assert.notEqual(hashLiteralMap(lmap({ "1": int(1), "2": int(3) })), golden);
  const task = b.task("t", { "1": b.INT, "2": b.INT, "3": b.INT }, {}).template!;
  task.metadata = { discoverable: true, discoveryVersion: "1", cacheIgnoreInputVars: ["3"] } as never;
  assert.equal(
    artifactTagOf(catalogKeyOf(task, lmap({ "1": int(1), "2": int(2), "3": int(9) }))),
    `flyte_cached-${golden}`,
  );
});

test("literals with a hash are hashed by their hash alone, inside collections and maps too", () => {
  const withHash = (l: Literal, hash: string) => create(LiteralSchema, { ...l, hash });
  const coll = (ls: Literal[]) => create(LiteralSchema, { value: { case: "collection", value: { literals: ls } } });
  const map = (ls: Record<string, Literal>) =>
    create(LiteralSchema, { value: { case: "map", value: { literals: ls } } });
  assert.equal(hashLiteralMap(lmap({ a: withHash(int(1), "h") })), hashLiteralMap(lmap({ a: withHash(int(2), "h") })));
  assert.notEqual(
    hashLiteralMap(lmap({ a: withHash(int(1), "h") })),
    hashLiteralMap(lmap({ a: withHash(int(1), "g") })),
  );
  assert.equal(
    hashLiteralMap(lmap({ a: coll([withHash(int(1), "h"), int(5)]) })),
    hashLiteralMap(lmap({ a: coll([withHash(int(7), "h"), int(5)]) })),
  );
  assert.notEqual(
    hashLiteralMap(lmap({ a: coll([withHash(int(1), "h"), int(5)]) })),
    hashLiteralMap(lmap({ a: coll([withHash(int(1), "h"), int(6)]) })),
  );
  assert.equal(
    hashLiteralMap(lmap({ a: map({ k: withHash(int(1), "h") }) })),
    hashLiteralMap(lmap({ a: map({ k: withHash(int(3), "h") }) })),
  );
});

test("stripping keeps cache-key-metadata annotations and drops other type metadata, recursively", () => {
  const annotated = (key: string) =>
    create(LiteralTypeSchema, {
      type: { case: "simple", value: SimpleType.STRUCT },
      metadata: { title: "x" },
      annotation: { annotations: { [key]: { a: 1 } } },
    });
  const iface = b.iface({ a: b.listOf(annotated("other")), c: annotated("cache-key-metadata") }, {});
  const s = stripInterface(iface);
  const a = s.inputs!.variables["a"]!;
  assert.equal(a.description, "");
  assert.ok(a.type?.type.case === "collectionType");
  assert.equal(a.type.type.value.metadata, undefined);
  assert.equal(a.type.type.value.annotation, undefined);
  const c = s.inputs!.variables["c"]!.type!;
  assert.equal(c.metadata, undefined);
  assert.deepEqual(c.annotation?.annotations, { "cache-key-metadata": { a: 1 } });
  // the original is untouched
  assert.equal(iface.inputs!.variables["a"]!.description, "a");
});

test("objecthash: floats are normalised, dict order does not matter, types are tagged", () => {
  assert.equal(normalizeFloat(1), "+0:1");
  assert.equal(normalizeFloat(0.5), "+-1:1");
  assert.equal(normalizeFloat(-3), "-2:011");
  assert.equal(normalizeFloat(0), "+0:");
  // Test vectors of the reference implementation (common JSON: every number a float).
  const hex = (v: Parameters<typeof objectHash>[0]) => objectHash(v).toString("hex");
  assert.equal(hex([]), "acac86c0e609ca906f632b0e2dacccb2b77d22b0621f20ebece1a4835b93f6f0");
  assert.equal(hex(["foo", "bar"]), "32ae896c413cfdc79eec68be9139c86ded8b279238467c216cf2bec4d5f1e4a2");
  assert.equal(
    hex(["foo", { bar: ["baz", null, 1, 1.5, 0.0001, 1000, 2, -23.1234, 2] }]),
    "783a423b094307bcb28d005bc2f026ff44204442ef3513585e7e73b66e3c2213",
  );
  assert.equal(
    hex(["foo", { b4r: ["baz", null, 1, 1.5, 0.0001, 1000, 2, -23.1234, 2] }]),
    "7e01f8b45da35386e4f9531ff1678147a215b8d2b1d047e690fd9ade6151e431",
  );
  assert.equal(
    hex({ k2: "v2", k1: "v1", k3: "v3" }),
    "ddd65f1f7568269a30df7cafc26044537dc2f02a1a0d830da61762fc3e687057",
  );
  assert.equal(hex({ Foo: "abc", Bar: 1.5 }), "edd3ec3058d604abcba6c4944b2a05ca1104cd1911cb78f93732634530f1e003");
  assert.equal(hex(9007199254740992), "9e7d7d02dacab24905c2dc23391bd61d4081a9d541dfafd2469c881cc6c748e4");
  assert.deepEqual(objectHash({ a: 1, b: [true, null] }), objectHash({ b: [true, null], a: 1 }));
  assert.notDeepEqual(objectHash("1"), objectHash(1));
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { LiteralMapSchema, LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { MemoryBlobStore } from "../blob/memory-blob-store.ts";
import { AloftError, Code } from "../errors.ts";
import { offloadLargeLiterals, type LiteralOffloadingConfig } from "./literal-offloading.ts";

const int = (n: number): Literal =>
  create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "integer", value: BigInt(n) } } } },
    },
  });
const ints = (n: number) =>
  create(LiteralSchema, {
    value: { case: "collection", value: { literals: Array.from({ length: n }, (_, i) => int(i)) } },
  });
const str = (s: string) =>
  create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "stringValue", value: s } } } },
    },
  });
/** Thresholds in MB: 0.01 MB ≈ 10 KB. */
const on = (minSizeInMb: number, maxSizeInMb = 1000): LiteralOffloadingConfig => ({
  enabled: true,
  minSizeInMb,
  maxSizeInMb,
});

test("a literal at or above the threshold is written once and replaced by its reference; small ones stay", async () => {
  const store = new MemoryBlobStore({ container: "c" });
  const big = ints(5000);
  const map = create(LiteralMapSchema, { literals: { xs: big, n: int(1) } });
  const out = await offloadLargeLiterals(store, map, "exec/a", on(0.01));
  assert.equal(out.literals["n"], map.literals["n"]);
  const ref = out.literals["xs"]!;
  assert.equal(ref.value.case, "offloadedMetadata");
  if (ref.value.case !== "offloadedMetadata") return;
  const md = ref.value.value;
  assert.equal(md.uri, store.uri("exec/a/xs_offloaded_metadata.pb"));
  assert.equal(md.sizeBytes, BigInt(toBinary(LiteralSchema, big).byteLength));
  assert.ok(md.inferredType?.type.case === "collectionType" && md.inferredType.type.value.type.case === "simple");
  assert.equal(md.inferredType.type.value.type.value, SimpleType.INTEGER);
  assert.match(ref.hash, /^[A-Za-z0-9_-]{43}$/);
  const stored = fromBinary(LiteralSchema, await store.get("exec/a/xs_offloaded_metadata.pb"));
  assert.equal(stored.value.case === "collection" && stored.value.value.literals.length, 5000);
});

test("many medium strings add up: the estimate sums elements instead of judging each alone", async () => {
  const store = new MemoryBlobStore({ container: "c" });
  const list = create(LiteralSchema, {
    value: { case: "collection", value: { literals: Array.from({ length: 40 }, () => str("x".repeat(1000))) } },
  });
  const out = await offloadLargeLiterals(store, create(LiteralMapSchema, { literals: { s: list } }), "d", on(0.03));
  assert.equal(out.literals["s"]!.value.case, "offloadedMetadata");
});

test("off, or nothing large: the same map comes back and nothing is written", async () => {
  const store = new MemoryBlobStore({ container: "c" });
  const map = create(LiteralMapSchema, { literals: { xs: ints(5000) } });
  assert.equal(await offloadLargeLiterals(store, map, "d", { enabled: false, minSizeInMb: 0, maxSizeInMb: 1 }), map);
  assert.equal(await offloadLargeLiterals(store, map, "d", on(10)), map);
  assert.deepEqual((await store.list("")).items, []);
});

test("a literal at or above the maximum is RESOURCE_EXHAUSTED; a shared literal is written once", async () => {
  const store = new MemoryBlobStore({ container: "c" });
  await assert.rejects(
    offloadLargeLiterals(store, create(LiteralMapSchema, { literals: { xs: ints(5000) } }), "d", on(0.001, 0.01)),
    (e: unknown) => e instanceof AloftError && e.code === Code.RESOURCE_EXHAUSTED,
  );
  const big = ints(5000);
  const seen = new Map<Literal, Literal>();
  const a = await offloadLargeLiterals(
    store,
    create(LiteralMapSchema, { literals: { xs: big } }),
    "one",
    on(0.01),
    seen,
  );
  const b = await offloadLargeLiterals(
    store,
    create(LiteralMapSchema, { literals: { xs: big } }),
    "two",
    on(0.01),
    seen,
  );
  assert.equal(a.literals["xs"], b.literals["xs"]);
  assert.equal((await store.list("two")).items.length, 0);
});

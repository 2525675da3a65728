import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ExecutionCreateRequestSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { MemoryBlobStore } from "../blob/memory-blob-store.ts";
import { literalTypeForLiteral } from "../compiler/literal-types.ts";
import { AloftError, Code } from "../errors.ts";
import { cutLargeMapEntries, offloadCutLiterals, typeOfLiteralInSlices } from "./large-inputs.ts";

const int = (n: number): Literal =>
  create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "integer", value: BigInt(n) } } } },
    },
  });
const str = (s: string): Literal =>
  create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "stringValue", value: s } } } },
    },
  });
const ints = (n: number) =>
  create(LiteralSchema, {
    value: { case: "collection", value: { literals: Array.from({ length: n }, (_, i) => int(i)) } },
  });

test("large inputs entries are cut out of the request bytes; everything else decodes as before", () => {
  const req = create(ExecutionCreateRequestSchema, {
    project: "p",
    domain: "d",
    name: "n",
    org: "o",
    spec: { launchPlan: { name: "lp" } },
    inputs: { literals: { big: ints(3000), small: int(5) } },
  });
  const bytes = toBinary(ExecutionCreateRequestSchema, req);
  const cut = cutLargeMapEntries(bytes, 5, 1000)!;
  assert.deepEqual(
    cut.large.map((l) => l.name),
    ["big"],
  );
  assert.deepEqual(fromBinary(LiteralSchema, cut.large[0]!.bytes), ints(3000));
  const rest = fromBinary(ExecutionCreateRequestSchema, cut.rest);
  assert.deepEqual(Object.keys(rest.inputs!.literals), ["small"]);
  assert.equal(rest.name, "n");
  assert.equal(rest.org, "o");
  assert.equal(rest.spec?.launchPlan?.name, "lp");
  assert.equal(cutLargeMapEntries(bytes, 5, 1_000_000), undefined, "nothing that large");
  assert.equal(
    cutLargeMapEntries(Uint8Array.of(0x2a, 0x7f), 5, 1),
    undefined,
    "truncated bytes are left to the decoder",
  );
});

test("a cut literal is decoded in slices, typed, stored as sent and referenced", async () => {
  const big = ints(50_000);
  const bytes = toBinary(LiteralSchema, big);
  assert.deepEqual(await typeOfLiteralInSlices(bytes, "xs"), literalTypeForLiteral(big));
  // Slices that disagree (ints, then strings past the first slice): the union the whole collection infers.
  const mixed = create(LiteralSchema, {
    value: { case: "collection", value: { literals: [...Array.from({ length: 25_000 }, (_, i) => int(i)), str("a")] } },
  });
  assert.deepEqual(await typeOfLiteralInSlices(toBinary(LiteralSchema, mixed), "m"), literalTypeForLiteral(mixed));
  const store = new MemoryBlobStore({ container: "c" });
  const map = await offloadCutLiterals(store, "dir", undefined, [{ name: "xs", bytes }], {
    enabled: true,
    minSizeInMb: 0,
    maxSizeInMb: 10,
  });
  const ref = map.literals["xs"]!;
  assert.ok(ref.value.case === "offloadedMetadata");
  assert.equal(ref.value.value.uri, store.uri("dir/0_offloaded_metadata.pb"));
  assert.equal(ref.value.value.inferredType?.type.case, "collectionType");
  assert.deepEqual(await store.get("dir/0_offloaded_metadata.pb"), bytes);
  await assert.rejects(
    offloadCutLiterals(store, "dir2", undefined, [{ name: "xs", bytes }], {
      enabled: true,
      minSizeInMb: 0,
      maxSizeInMb: 0.1,
    }),
    (e: unknown) => e instanceof AloftError && e.code === Code.RESOURCE_EXHAUSTED,
  );
});

test("invalid UTF-8 inside a cut literal is INVALID_ARGUMENT, as the ordinary decoder would refuse it", async () => {
  const s = create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "stringValue", value: "abc" } } } },
    },
  });
  const good = toBinary(
    LiteralSchema,
    create(LiteralSchema, { value: { case: "collection", value: { literals: [s, s] } } }),
  );
  const bad = Uint8Array.from(good);
  bad[bad.length - 1] = 0xff; // the last character of the last string
  await assert.rejects(
    typeOfLiteralInSlices(bad, "xs"),
    (e: unknown) => e instanceof AloftError && e.code === Code.INVALID_ARGUMENT && /xs/.test(e.message),
  );
});

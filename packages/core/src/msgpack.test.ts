import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeMsgpack, decodeMsgpackWithFloatWidths, encodeMsgpack, type MsgpackValue } from "./msgpack.ts";

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));

test("decodes the spec's formats", () => {
  // {"a": 1, "b": [true, null, -1, 1.5], "c": "x"}
  const v = decodeMsgpack(hex("83 a161 01 a162 94 c3 c0 ff cb3ff8000000000000 a163 a178"));
  assert.ok(v instanceof Map);
  assert.equal(v.get("a"), 1);
  assert.deepEqual(v.get("b"), [true, null, -1, 1.5]);
  assert.equal(v.get("c"), "x");
  assert.equal(decodeMsgpack(hex("cd 0100")), 256);
  assert.equal(decodeMsgpack(hex("d0 80")), -128);
  assert.equal(decodeMsgpack(hex("cf ffffffffffffffff")), 18446744073709551615n);
  assert.deepEqual(decodeMsgpack(hex("c4 02 0102")), new Uint8Array([1, 2]));
  assert.throws(() => decodeMsgpack(hex("a5 61")), /truncated/);
});

test("decodes floats with their width when asked (how Go prints them depends on it)", () => {
  // [1.5 as float32, 1.5 as float64, 2 as an integer, {"f": 0.5 as float32}]
  const v = decodeMsgpackWithFloatWidths(hex("94 ca3fc00000 cb3ff8000000000000 02 81 a166 ca3f000000"));
  assert.deepEqual(v, [
    { float: 1.5, bits: 32 },
    { float: 1.5, bits: 64 },
    2,
    new Map([["f", { float: 0.5, bits: 32 }]]),
  ]);
  assert.equal(decodeMsgpack(hex("ca3fc00000")), 1.5);
  assert.throws(() => decodeMsgpackWithFloatWidths(hex("c3 c3")), /trailing bytes/);
});

test("round-trips values", () => {
  const values: MsgpackValue[] = [
    null,
    true,
    0,
    127,
    128,
    255,
    65535,
    65536,
    2 ** 32,
    -1,
    -32,
    -33,
    -200,
    -40000,
    -(2 ** 31),
    -(2 ** 40),
    1.25,
    "",
    "a".repeat(40),
    "é".repeat(200),
    new Uint8Array([9, 8]),
    [1, [2, "x"]],
    new Map<MsgpackValue, MsgpackValue>([
      ["k", [1.5]],
      [1, null],
    ]),
    2n ** 63n,
    -(2n ** 63n),
  ];
  for (const v of values)
    assert.deepEqual(
      decodeMsgpack(encodeMsgpack(v)),
      typeof v === "bigint" && v < 2n ** 53n && v > -(2n ** 53n) ? Number(v) : v,
    );
});

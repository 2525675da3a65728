import { test } from "node:test";
import assert from "node:assert/strict";
import {
  durationParts,
  GoParseError,
  parseGoBool,
  parseGoBytes,
  parseGoDuration,
  parseGoFloat,
  parseGoInt,
  parseGoRfc3339,
  parseGoUint,
} from "./go-parse.ts";

test("bools as strconv.ParseBool", () => {
  for (const t of ["1", "t", "T", "true", "TRUE", "True"]) assert.equal(parseGoBool(t), true);
  for (const f of ["0", "f", "F", "false", "FALSE", "False"]) assert.equal(parseGoBool(f), false);
  for (const bad of ["", "yes", "tRuE", " true"]) assert.throws(() => parseGoBool(bad), GoParseError);
});

test("ints are decimal and range-checked", () => {
  assert.equal(parseGoInt("-2147483648", 32), -2147483648n);
  assert.equal(parseGoInt("+7", 32), 7n);
  assert.throws(() => parseGoInt("2147483648", 32), /value out of range/);
  assert.equal(parseGoInt("9223372036854775807", 64), 9223372036854775807n);
  assert.throws(() => parseGoInt("9223372036854775808", 64), /value out of range/);
  assert.equal(parseGoUint("4294967295", 32), 4294967295n);
  assert.throws(() => parseGoUint("4294967296", 32), /value out of range/);
  assert.throws(() => parseGoUint("-1", 32), /invalid syntax/);
  for (const bad of ["", "1.0", "0x10", "1_000", " 1", "1e3"])
    assert.throws(() => parseGoInt(bad, 64), /invalid syntax/, bad);
});

test("floats", () => {
  assert.equal(parseGoFloat("1.5", 64), 1.5);
  assert.equal(parseGoFloat(".5", 64), 0.5);
  assert.equal(parseGoFloat("1e3", 64), 1000);
  assert.equal(parseGoFloat("-Inf", 64), -Infinity);
  assert.ok(Number.isNaN(parseGoFloat("NaN", 64)));
  assert.throws(() => parseGoFloat("1e400", 64), /out of range/);
  assert.throws(() => parseGoFloat("1e39", 32), /out of range/);
  assert.throws(() => parseGoFloat("abc", 64), /invalid syntax/);
});

test("durations as time.ParseDuration", () => {
  assert.equal(parseGoDuration("1h"), 3_600_000_000_000n);
  assert.equal(parseGoDuration("1.5s"), 1_500_000_000n);
  assert.equal(parseGoDuration("1h30m"), 5_400_000_000_000n);
  assert.equal(parseGoDuration("-300ms"), -300_000_000n);
  assert.equal(parseGoDuration("2us"), 2_000n);
  assert.equal(parseGoDuration("2µs"), 2_000n);
  assert.equal(parseGoDuration("0"), 0n);
  assert.equal(parseGoDuration(".5m"), 30_000_000_000n);
  for (const bad of ["", "1", "s", "1x", "1.5", "+", "9999999999h", "1h-2m"])
    assert.throws(() => parseGoDuration(bad), GoParseError, bad);
  assert.deepEqual(durationParts(-1_500_000_000n), { seconds: -1n, nanos: -500_000_000 });
});

test("timestamps as RFC 3339", () => {
  assert.deepEqual(parseGoRfc3339("2024-01-01T00:00:00Z"), { seconds: 1704067200n, nanos: 0 });
  assert.deepEqual(parseGoRfc3339("2024-01-01T01:00:00.25+01:00"), { seconds: 1704067200n, nanos: 250_000_000 });
  assert.deepEqual(parseGoRfc3339("1970-01-01T00:00:00.000000001Z"), { seconds: 0n, nanos: 1 });
  assert.deepEqual(parseGoRfc3339("0001-01-01T00:00:00Z"), { seconds: -62135596800n, nanos: 0 });
  for (const bad of [
    "2024-01-01",
    "2024-13-01T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T00:00:60Z",
    "2024-01-01 00:00:00Z",
    "2024-01-01T00:00:00",
  ]) {
    assert.throws(() => parseGoRfc3339(bad), GoParseError, bad);
  }
});

test("bytes as standard, then URL-safe base64", () => {
  assert.deepEqual(parseGoBytes("aGk="), new Uint8Array([104, 105]));
  assert.deepEqual(parseGoBytes("-_8="), new Uint8Array([251, 255]));
  assert.deepEqual(parseGoBytes(""), new Uint8Array([]));
  for (const bad of ["aGk", "a=Gk", "!!!!"]) assert.throws(() => parseGoBytes(bad), GoParseError, bad);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { AloftError, Code } from "@aloft/core";
import { formatGoFloat, parseDurationNanos, parseGoDuration, parseTimestampMicros } from "./values.ts";

function isIA(message: string) {
  return (err: unknown) => err instanceof AloftError && err.code === Code.INVALID_ARGUMENT && err.message === message;
}

test("timestamps: RFC 3339 with any fraction and offset, to microseconds", () => {
  assert.equal(parseTimestampMicros("1970-01-01T00:00:00Z"), 0);
  assert.equal(parseTimestampMicros("2024-01-02T03:04:05Z"), Date.UTC(2024, 0, 2, 3, 4, 5) * 1000);
  assert.equal(parseTimestampMicros("2024-01-02T03:04:05.123456789Z"), Date.UTC(2024, 0, 2, 3, 4, 5) * 1000 + 123456);
  assert.equal(parseTimestampMicros("2024-01-02T03:04:05.5Z"), Date.UTC(2024, 0, 2, 3, 4, 5) * 1000 + 500000);
  assert.equal(parseTimestampMicros("2024-01-02T05:04:05+02:00"), Date.UTC(2024, 0, 2, 3, 4, 5) * 1000);
  assert.equal(parseTimestampMicros("2024-01-01T23:30:00-01:00"), Date.UTC(2024, 0, 2, 0, 30, 0) * 1000);
  assert.equal(parseTimestampMicros("0050-03-01T00:00:00Z"), new Date("0050-03-01T00:00:00Z").getTime() * 1000);
  assert.equal(parseTimestampMicros("2024-02-29T00:00:00Z"), Date.UTC(2024, 1, 29) * 1000);
  for (const bad of [
    "2024-02-30T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2024-01-01",
    "2024-01-01 00:00:00Z",
    "2024-13-01T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T00:00:60Z",
    "2024-01-01T00:00:00",
    "2024-01-01T00:00:00+2:00",
    "yesterday",
    "",
  ]) {
    assert.throws(() => parseTimestampMicros(bad), isIA(`Timestamp ${bad} must conform to RFC3339 Nano spec`), bad);
  }
});

test("Go float formatting as %v", () => {
  assert.equal(formatGoFloat(60), "60");
  assert.equal(formatGoFloat(1.5), "1.5");
  assert.equal(formatGoFloat(123456), "123456");
  assert.equal(formatGoFloat(1e6), "1e+06");
  assert.equal(formatGoFloat(1234567), "1.234567e+06");
  assert.equal(formatGoFloat(0.0001), "0.0001");
  assert.equal(formatGoFloat(0.00001), "1e-05");
  assert.equal(formatGoFloat(1e100), "1e+100");
});

test("Go durations", () => {
  assert.equal(parseGoDuration("0"), 0n);
  assert.equal(parseGoDuration("1h30m"), 5_400_000_000_000n);
  assert.equal(parseGoDuration("1.5s"), 1_500_000_000n);
  assert.equal(parseGoDuration("-2m"), -120_000_000_000n);
  assert.equal(parseGoDuration("300ms"), 300_000_000n);
  assert.equal(parseGoDuration("1µs1us1μs1ns"), 3001n);
  assert.equal(parseGoDuration(".5h"), 1_800_000_000_000n);
  for (const bad of ["", "1", "h", "1x", ".s", "1.2.3s", "10000000000000h", "1 s"])
    assert.equal(parseGoDuration(bad), undefined, bad);
});

test("duration filter values: numbers are seconds, strings Go durations, result in ns", () => {
  assert.equal(parseDurationNanos("60"), 60e9);
  assert.equal(parseDurationNanos("1.5"), 1.5e9);
  assert.equal(parseDurationNanos("1h30m"), 5400e9);
  assert.equal(parseDurationNanos("0"), 0);
  assert.throws(() => parseDurationNanos("abc"), isIA("Failed to parse duration [abc]"));
  // Upstream formats large floats with an exponent, which Go's duration parser then rejects.
  assert.throws(() => parseDurationNanos("1000000"), isIA("Failed to parse duration [1e+06s]"));
  assert.throws(() => parseDurationNanos("NaN"), isIA("Failed to parse duration [NaNs]"));
});

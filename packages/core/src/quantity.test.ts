// Kubernetes quantity parsing, rounding, comparing and printing as apimachinery's resource.Quantity does.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compareQuantities, parseQuantity, quantityMilliValue, quantityString, quantityValue } from "./quantity.ts";

describe("parseQuantity / quantityString", () => {
  const cases: Array<[string, string, bigint, bigint]> = [
    // input, String(), Value(), MilliValue()
    ["0", "0", 0n, 0n],
    ["1", "1", 1n, 1000n],
    ["250m", "250m", 1n, 250n],
    ["0.5", "500m", 1n, 500n],
    ["1000m", "1", 1n, 1000n],
    ["2000", "2k", 2000n, 2000000n],
    ["1.5", "1500m", 2n, 1500n],
    ["1Gi", "1Gi", 1073741824n, 1073741824000n],
    ["500Mi", "500Mi", 524288000n, 524288000000n],
    ["1024Mi", "1Gi", 1073741824n, 1073741824000n],
    ["1.5Gi", "1536Mi", 1610612736n, 1610612736000n],
    ["512", "512", 512n, 512000n],
    ["1e3", "1e3", 1000n, 1000000n],
    ["1E3", "1E3", 1000n, 1000000n],
    ["1.5e3", "1500", 1500n, 1500000n],
    ["1n", "1n", 1n, 1n],
    ["0.1m", "100u", 1n, 1n],
    ["0.1n", "1n", 1n, 1n],
    ["+2", "+2", 2n, 2000n],
    ["-1", "-1", -1n, -1000n],
    ["007", "007", 7n, 7000n], // the fast path keeps the input text (leading zeros are stripped before the check)
    ["10M", "10M", 10000000n, 10000000000n],
  ];
  for (const [input, text, value, milli] of cases) {
    test(`${input} → ${text}`, () => {
      const q = parseQuantity(input);
      assert.equal(quantityString(q), text);
      assert.equal(quantityValue(q), value);
      assert.equal(quantityMilliValue(q), milli);
    });
  }

  test("invalid quantities fail with Kubernetes' messages", () => {
    const format = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    for (const bad of ["", "abc", "1Q", "1Mb", "1 Gi", "1.2.3"]) {
      assert.throws(() => parseQuantity(bad), { message: format }, bad);
    }
    for (const bad of ["1Ki3", "1ee", "1mm"]) {
      assert.throws(() => parseQuantity(bad), { message: "unable to parse quantity's suffix" }, bad);
    }
  });
});

test("compareQuantities compares exactly across suffixes and scales", () => {
  const cmp = (a: string, b: string) => compareQuantities(parseQuantity(a), parseQuantity(b));
  assert.equal(cmp("1Gi", "1024Mi"), 0);
  assert.equal(cmp("1G", "1Gi"), -1);
  assert.equal(cmp("500m", "0.5"), 0);
  assert.equal(cmp("1n", "0"), 1);
  assert.equal(cmp("-1", "1m"), -1);
  assert.equal(cmp("1e3", "999"), 1);
});

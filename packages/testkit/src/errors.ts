// Assertions on AloftError for tests: the gRPC code and the exact message (or a pattern) of a thrown or rejected error.
import assert from "node:assert/strict";
import { AloftError, Code } from "@aloft/core";

/**
 * A validator for `assert.rejects` / `assert.throws`: the error is an AloftError with this code and this message
 * (equal to a string, matching a RegExp).
 */
export function aloftErrorIs(code: Code, message: string | RegExp): (e: unknown) => true {
  return (e) => {
    assert.ok(e instanceof AloftError, `AloftError expected, got ${String(e)}`);
    assert.equal(e.code, code, `code ${Code[e.code]}: ${e.message}`);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  };
}

import assert from "node:assert/strict";
import { test } from "node:test";
import { AloftError, Code, httpStatusOf, messageTooLarge, resourceExhausted, toAloftError } from "./errors.ts";

const errno = (code: string) => Object.assign(new Error(`${code}: something`), { code });

test("OS resource errors say so: a full disk or no file descriptors is RESOURCE_EXHAUSTED", () => {
  assert.equal(toAloftError(errno("ENOSPC")).code, Code.RESOURCE_EXHAUSTED);
  assert.equal(toAloftError(errno("EDQUOT")).code, Code.RESOURCE_EXHAUSTED);
  assert.equal(toAloftError(errno("EMFILE")).code, Code.RESOURCE_EXHAUSTED);
  assert.match(
    resourceExhausted(errno("ENOSPC"), "write file:///x")?.message ?? "",
    /^write file:\/\/\/x: out of disk space/,
  );
  assert.equal(resourceExhausted(errno("EACCES"), "x"), undefined);
  assert.equal(toAloftError(errno("EACCES")).code, Code.INTERNAL);
  assert.equal(toAloftError(new Error("plain")).code, Code.INTERNAL);
});

test("an oversized request is RESOURCE_EXHAUSTED on gRPC and 413 on HTTP; other codes keep the gateway's table", () => {
  const e = messageTooLarge(4194304, 104857600);
  assert.equal(e.code, Code.RESOURCE_EXHAUSTED);
  assert.equal(e.message, "grpc: received message larger than max (104857600 vs. 4194304)");
  assert.equal(httpStatusOf(e), 413);
  assert.equal(httpStatusOf(new AloftError(Code.RESOURCE_EXHAUSTED, "x", "y")), 429);
  assert.equal(httpStatusOf(new AloftError(Code.UNAVAILABLE, "x", "y")), 503);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { PassThrough } from "node:stream";
import { AloftError, Code } from "@aloft/core/errors.ts";
import { readBody } from "./body.ts";

/** A stream standing in for an IncomingMessage (`complete` is set when the body ended). */
function fakeRequest(): PassThrough & { complete: boolean } {
  const s = Object.assign(new PassThrough(), { complete: false });
  s.on("end", () => (s.complete = true));
  return s;
}
const asReq = (s: PassThrough) => s as unknown as IncomingMessage;
const code = (c: Code) => (err: unknown) => err instanceof AloftError && err.code === c;

test("reads the whole body", async () => {
  const req = fakeRequest();
  const p = readBody(asReq(req), 10);
  req.write("abc");
  req.end("def");
  assert.equal((await p).toString(), "abcdef");
});

test("over the cap: drains to the end, then RESOURCE_EXHAUSTED", async () => {
  const req = fakeRequest();
  const p = readBody(asReq(req), 4);
  req.write("abc");
  req.write("defgh");
  req.end("ij");
  await assert.rejects(p, code(Code.RESOURCE_EXHAUSTED));
  assert.equal(req.readableEnded, true);
});

test("a client that goes away: CANCELLED, never hangs", async () => {
  const req = fakeRequest();
  const p = readBody(asReq(req), 100);
  req.write("partial");
  req.destroy();
  await assert.rejects(p, code(Code.CANCELLED));
  await assert.rejects(readBody(asReq(req), 100), code(Code.CANCELLED));
});

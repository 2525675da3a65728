import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { PassThrough } from "node:stream";
import { AloftError, Code } from "@aloft/core";
import { readBody } from "./body.ts";

/** A stream standing in for an IncomingMessage (`complete` is set when the body ended). */
function fakeRequest(): PassThrough & { complete: boolean; headers: Record<string, string> } {
  const s = Object.assign(new PassThrough(), { complete: false, headers: {} });
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

test("over the cap: refused at the chunk that crosses it, without waiting for (or reading) the rest", async () => {
  const req = fakeRequest();
  const p = readBody(asReq(req), 4);
  req.write("abc");
  req.write("defgh");
  // The body never ends: the refusal must not wait for it.
  await assert.rejects(
    p,
    (err: unknown) => code(Code.RESOURCE_EXHAUSTED)(err) && (err as AloftError).id === "request.too_large",
  );
  // The rest is read and dropped, never kept.
  assert.equal(req.readableFlowing, true);
});

test("a Content-Length over the cap is refused before a byte is read", async () => {
  const req = Object.assign(fakeRequest(), { headers: { "content-length": String(100 * 1024 * 1024) } });
  let read = 0;
  req.on("data", (c: Buffer) => (read += c.length));
  await assert.rejects(readBody(asReq(req), 1024), code(Code.RESOURCE_EXHAUSTED));
  assert.equal(read, 0);
});

test("a client that goes away: CANCELLED, never hangs", async () => {
  const req = fakeRequest();
  const p = readBody(asReq(req), 100);
  req.write("partial");
  req.destroy();
  await assert.rejects(p, code(Code.CANCELLED));
  await assert.rejects(readBody(asReq(req), 100), code(Code.CANCELLED));
});

import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { test } from "node:test";
import { incomingMetadata } from "./headers.ts";

test("a header matcher decides which headers become metadata, and under which key", () => {
  const req = {
    headersDistinct: { "x-team": ["ml"], cookie: ["secret"], "grpc-metadata-trace": ["t1"] },
  } as unknown as IncomingMessage;
  const md = incomingMetadata(req, (h) => (h === "cookie" ? false : h.startsWith("grpc-metadata-") ? h.slice(14) : h));
  assert.equal(md.get("x-team"), "ml");
  assert.equal(md.get("cookie"), null);
  assert.equal(md.get("trace"), "t1");
  assert.equal(md.get("grpc-metadata-trace"), null);
});

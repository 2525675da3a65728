// Upstream's deterministic names: FNV-1 64, little-endian into a UUID, "f" + 19 hex digits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fnv1_64, scheduledExecutionName, scheduleName } from "./execution-name.ts";

test("FNV-1 64 (not 1a) test vectors", () => {
  assert.equal(fnv1_64("").toString(16), "cbf29ce484222325");
  assert.equal(fnv1_64("a").toString(16), "af63bd4c8601b7be");
  assert.equal(fnv1_64("foobar").toString(16), "340d8765a4dda9c2");
});

test("execution names: f + the hash's little-endian bytes in hex + 000; seconds only; per version", () => {
  const id = { project: "p", domain: "d", name: "lp", version: "v1" };
  const at = new Date(Date.UTC(2024, 0, 1, 0, 5));
  const name = scheduledExecutionName(id, at);
  const h = fnv1_64(`p:d:lp:v1:${at.getTime() / 1000}`);
  const le = Buffer.alloc(8);
  le.writeBigUInt64LE(h);
  assert.equal(name, `f${le.toString("hex")}000`);
  assert.match(name, /^f[0-9a-f]{19}$/);
  assert.equal(scheduledExecutionName(id, new Date(at.getTime() + 999)), name, "sub-second part ignored");
  assert.notEqual(scheduledExecutionName(id, new Date(at.getTime() + 60_000)), name);
  assert.notEqual(scheduledExecutionName({ ...id, version: "v2" }, at), name);
  assert.equal(scheduleName(id), fnv1_64("p:d:lp:v1").toString(10));
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { generateSecret, hashSecret, isSecretHash, verifySecret } from "./secret-hash.ts";

test("client secrets are stored hashed and verified", async () => {
  const secret = generateSecret();
  assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
  const hash = await hashSecret(secret);
  assert.ok(isSecretHash(hash));
  assert.ok(!hash.includes(secret));
  assert.notEqual(hash, await hashSecret(secret), "salted");
  assert.equal(await verifySecret(secret, hash), true);
  assert.equal(await verifySecret(`${secret}x`, hash), false);
  assert.equal(await verifySecret("", hash), false);
  assert.equal(await verifySecret(secret, undefined), false);
  assert.equal(await verifySecret(secret, "plaintext"), false);
});

// Rotating the signing key: the renamed old key keeps verifying (and is published) while the new one signs.
import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { systemClock } from "@aloft/core";
import { initSecrets, readSigningKeys } from "./secret-files.ts";
import { loadKeySet } from "./signing-keys.ts";
import { TokenIssuer } from "./token-issuer.ts";
import { localKeys, TokenVerifier } from "./token-verifier.ts";

test("after a rotation, tokens of the old key verify until its file is removed", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "aloft-rotate-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const url = () => "http://aloft.test";
  const issuerFor = async () =>
    new TokenIssuer({
      keys: await loadKeySet(readSigningKeys(dir)),
      clock: systemClock,
      issuer: url,
      audience: url,
      lifetimeSeconds: 60,
    });
  const verifierFor = async () =>
    new TokenVerifier({
      keys: localKeys((await loadKeySet(readSigningKeys(dir))).jwks),
      issuer: url,
      audience: url,
      requiredScope: "all",
      clock: systemClock,
    });

  await initSecrets({ dir });
  const oldToken = (await (await issuerFor()).issue("ci", ["all"])).accessToken;
  renameSync(join(dir, "token-signing-key.pem"), join(dir, "token-signing-key.2026-01-01.pem"));
  const written = await initSecrets({ dir });
  assert.deepEqual(written, ["token-signing-key.pem"], "only the missing key is generated");
  const keys = await loadKeySet(readSigningKeys(dir));
  assert.equal(keys.jwks.keys.length, 2);
  const newToken = (await (await issuerFor()).issue("ci", ["all"])).accessToken;
  const verifier = await verifierFor();
  assert.equal((await verifier.verify(oldToken)).subject, "ci");
  assert.equal((await verifier.verify(newToken)).subject, "ci");

  rmSync(join(dir, "token-signing-key.2026-01-01.pem"));
  const after = await verifierFor();
  await assert.rejects(after.verify(oldToken), /not signed by a trusted key/);
  assert.equal((await after.verify(newToken)).subject, "ci");
});

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { initSecrets } from "./secret-files.ts";
import { secretManifest } from "./secret-manifest.ts";

test("secret create -o yaml: every file of secret init but users' plain passwords, base64", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "aloft-manifest-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await initSecrets({ dir, users: ["alice"] });
  const doc = parse(secretManifest(dir, { name: "flyte-admin-secrets", namespace: "flyte" })) as {
    kind: string;
    metadata: { name: string };
    data: Record<string, string>;
  };
  assert.equal(doc.kind, "Secret");
  assert.equal(doc.metadata.name, "flyte-admin-secrets");
  assert.deepEqual(Object.keys(doc.data).sort(), [
    "cookie-block-key",
    "cookie-hash-key",
    "flytepropeller.secret",
    "flytepropeller.secret-hash",
    "token-signing-key.pem",
    "user-alice.password-hash",
  ]);
  assert.equal(
    Buffer.from(doc.data["token-signing-key.pem"]!, "base64").toString(),
    readFileSync(join(dir, "token-signing-key.pem"), "utf8"),
  );
  assert.throws(() => secretManifest(join(dir, "missing"), { name: "x", namespace: "y" }), /secret init/);
});

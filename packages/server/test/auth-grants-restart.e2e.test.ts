// A refresh token issued before an admin restart still works after it, on SQLite and PostgreSQL: the authorization
// server keeps its refresh tokens (hashed) in admin's database. Reuse detection survives the restart too.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { initSecrets } from "@aloft/admin";
import { loadConfig } from "@aloft/core";
import { startAdmin } from "@aloft/server/testing";
import { createTestDatabase, postgresAvailability, testServerDeps } from "@aloft/testkit";

const REDIRECT = "http://localhost:53593/callback";

/** Signs alice in at the authorization endpoint (form + PKCE) and exchanges the code: the token response. */
async function signIn(httpUrl: string, password: string): Promise<{ refresh_token: string; access_token: string }> {
  const verifier = randomBytes(32).toString("base64url");
  const query = new URLSearchParams({
    response_type: "code",
    client_id: "flytectl",
    redirect_uri: REDIRECT,
    scope: "all offline",
    state: "s",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  });
  const page = await fetch(`${httpUrl}/oauth2/authorize?${query}`);
  const cookie = page.headers.getSetCookie()[0]!.split(";")[0]!;
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(await page.text())![1]!;
  const form = await fetch(`${httpUrl}/oauth2/authorize`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: httpUrl },
    body: new URLSearchParams({ ...Object.fromEntries(query), csrf_token: csrf, username: "alice", password }),
    redirect: "manual",
  });
  assert.equal(form.status, 303, await form.clone().text());
  const code = new URL(form.headers.get("location")!).searchParams.get("code")!;
  const res = await tokenRequest(httpUrl, {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
  });
  assert.equal(res.status, 200);
  return (await res.json()) as { refresh_token: string; access_token: string };
}

const tokenRequest = (httpUrl: string, form: Record<string, string>) =>
  fetch(`${httpUrl}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: "flytectl", ...form }),
  });

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`refresh tokens across an admin restart (${kind})`, async () => {
    const skip = kind === "postgres" ? await postgresAvailability() : undefined;
    const dataDir = mkdtempSync(join(tmpdir(), "aloft-grants-restart-"));
    const pg = skip ? undefined : kind === "postgres" ? await createTestDatabase("postgres") : undefined;
    await pg?.database.close();
    after(async () => {
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test("a refresh token issued before the restart rotates after it; a reused one still revokes", {
      skip,
    }, async () => {
      const secrets = join(dataDir, "secrets");
      await initSecrets({ dir: secrets, users: ["alice"] });
      const password = readFileSync(join(secrets, "user-alice.password"), "utf8").trim();
      const config = loadConfig({
        env: {},
        overrides: {
          dataDir,
          database: pg
            ? { kind: "postgres", postgresUrl: pg.config.postgresUrl }
            : { kind: "sqlite", sqlitePath: "aloft.db" },
          server: { grpcPort: 0, httpPort: 0 },
          auth: { enabled: true, secretsDir: secrets, roles: { bindings: [{ subject: "alice", role: "viewer" }] } },
        },
      });
      let admin = await startAdmin(testServerDeps(config));
      let url = `http://127.0.0.1:${admin.httpPort}`;
      const first = await signIn(url, password);
      const rotated = await tokenRequest(url, { grant_type: "refresh_token", refresh_token: first.refresh_token });
      assert.equal(rotated.status, 200);
      const before = (await rotated.json()) as { refresh_token: string };
      await admin.close();

      admin = await startAdmin(testServerDeps(config));
      try {
        url = `http://127.0.0.1:${admin.httpPort}`;
        const after = await tokenRequest(url, { grant_type: "refresh_token", refresh_token: before.refresh_token });
        assert.equal(after.status, 200, await after.clone().text());
        const body = (await after.json()) as { access_token: string; refresh_token: string };
        const me = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${body.access_token}` } });
        assert.equal(me.status, 200);
        assert.equal(me.headers.get("x-user-subject"), "alice");
        // The token retired before the restart is a reuse after it: the whole login is revoked.
        const reused = await tokenRequest(url, { grant_type: "refresh_token", refresh_token: first.refresh_token });
        assert.equal(reused.status, 400);
        assert.match(await reused.text(), /already used/);
        const revoked = await tokenRequest(url, { grant_type: "refresh_token", refresh_token: body.refresh_token });
        assert.equal(revoked.status, 400);
      } finally {
        await admin.close();
      }
    });
  });
}

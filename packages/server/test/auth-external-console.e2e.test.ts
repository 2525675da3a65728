// The console signing in through an external OpenID Connect provider: a stand-in IdP on loopback (discovery,
// authorize that approves at once, token with client_secret_basic and PKCE, JWKS, revocation). Aloft's /login sends
// the browser there, /callback exchanges the code, checks the ID token's nonce, and the sealed cookies then
// authenticate API calls with the IdP's access token; /logout revokes the refresh token at the IdP.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { initSecrets } from "@aloft/admin";
import { CookieJar, startTestPlatform, type TestPlatform } from "@aloft/testkit";

const dir = mkdtempSync(join(tmpdir(), "aloft-ext-console-"));
let idp: Server;
let issuer: string;
let key: CryptoKey;
let platform: TestPlatform;
const pending = new Map<string, { challenge: string; nonce: string; redirectUri: string }>();
const revoked: string[] = [];
let wrongNonce = false;

before(async () => {
  const pair = await generateKeyPair("ES256");
  key = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  idp = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    let body = "";
    for await (const c of req) body += c;
    const form = new URLSearchParams(body);
    const clientOk =
      req.headers.authorization === `Basic ${Buffer.from("aloft-console:console-secret").toString("base64")}`;
    switch (url.pathname) {
      case "/.well-known/openid-configuration":
        return json(200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/keys`,
          revocation_endpoint: `${issuer}/revoke`,
        });
      case "/keys":
        return json(200, { keys: [jwk] });
      case "/authorize": {
        const q = url.searchParams;
        assert.equal(q.get("code_challenge_method"), "S256");
        const code = `code-${pending.size}`;
        pending.set(code, {
          challenge: q.get("code_challenge")!,
          nonce: q.get("nonce")!,
          redirectUri: q.get("redirect_uri")!,
        });
        res.writeHead(302, {
          location: `${q.get("redirect_uri")}?code=${code}&state=${encodeURIComponent(q.get("state")!)}`,
        });
        return res.end();
      }
      case "/token": {
        if (!clientOk) return json(401, { error: "invalid_client" });
        const p = pending.get(form.get("code") ?? "");
        const verifier = form.get("code_verifier") ?? "";
        if (
          !p ||
          createHash("sha256").update(verifier).digest("base64url") !== p.challenge ||
          form.get("redirect_uri") !== p.redirectUri
        )
          return json(400, { error: "invalid_grant" });
        const at = await new SignJWT({ scope: "all openid", roles: ["flytesnacks:viewer"] })
          .setProtectedHeader({ alg: "ES256", kid: "k1" })
          .setIssuer(issuer)
          .setAudience("aloft")
          .setSubject("carol@example.com")
          .setIssuedAt()
          .setExpirationTime("5m")
          .sign(key);
        const idt = await new SignJWT({ nonce: wrongNonce ? "not-it" : p.nonce })
          .setProtectedHeader({ alg: "ES256", kid: "k1" })
          .setIssuer(issuer)
          .setAudience("aloft-console")
          .setSubject("carol@example.com")
          .setIssuedAt()
          .setExpirationTime("5m")
          .sign(key);
        return json(200, {
          access_token: at,
          id_token: idt,
          refresh_token: "idp-refresh-1",
          token_type: "Bearer",
          expires_in: 300,
        });
      }
      case "/revoke":
        if (clientOk) revoked.push(form.get("token") ?? "");
        return json(200, {});
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => idp.listen(0, "127.0.0.1", r));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  await initSecrets({ dir });
  writeFileSync(join(dir, "console.secret"), "console-secret\n", { mode: 0o600 });
  platform = await startTestPlatform({
    overrides: {
      auth: {
        enabled: true,
        secretsDir: dir,
        authServerType: "external",
        external: {
          issuer,
          audience: "aloft",
          consoleClientId: "aloft-console",
          consoleClientSecretFile: join(dir, "console.secret"),
        },
      },
    },
  });
});
after(async () => {
  await platform?.close();
  await new Promise((r) => idp?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function signIn(): Promise<{ status: number; cookies: Map<string, string> }> {
  const jar = new CookieJar();
  const cookies = jar.cookies;
  const take = (res: Response) => jar.take(res);
  const login = await fetch(`${platform.httpUrl}/login?redirect_url=/console`, { redirect: "manual" });
  assert.equal(login.status, 302);
  assert.ok(login.headers.get("location")!.startsWith(`${issuer}/authorize?`));
  take(login);
  const approved = await fetch(login.headers.get("location")!, { redirect: "manual" });
  const cb = new URL(approved.headers.get("location")!);
  const done = await fetch(`${platform.httpUrl}/callback${cb.search}`, {
    headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    redirect: "manual",
  });
  take(done);
  return { status: done.status, cookies };
}

test("sign-in at the IdP: cookies carry its token; logout revokes its refresh token", async () => {
  const { status, cookies } = await signIn();
  assert.equal(status, 302);
  const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const me = await fetch(`${platform.httpUrl}/me`, { headers: { cookie } });
  assert.equal(((await me.json()) as { subject: string }).subject, "carol@example.com");
  const out = await fetch(`${platform.httpUrl}/logout`, { headers: { cookie } });
  assert.equal(out.status, 200);
  assert.deepEqual(revoked, ["idp-refresh-1"]);
});

test("an ID token whose nonce is not the sign-in request's is refused", async () => {
  wrongNonce = true;
  try {
    const { status, cookies } = await signIn();
    assert.equal(status, 401);
    assert.ok(!cookies.has("flyte_at"));
  } finally {
    wrongNonce = false;
  }
});

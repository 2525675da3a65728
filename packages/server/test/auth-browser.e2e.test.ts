// Signing in people at Aloft's own authorization server: the authorization code grant with PKCE (S256 only) for the
// public clients, refresh token rotation and revocation, the metadata that advertises them, and the console's browser
// flow (/login, /callback, /logout) with sealed cookies, the CSRF double submit, and the upstream hooks. The browser
// is played by plain HTTP requests with a hand-kept cookie jar; hostile pages by requests with a foreign Origin.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { initSecrets } from "@aloft/admin";
import { s256 } from "@aloft/admin/testing";
import { CookieJar, startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { grpc, loadPackage } from "@aloft/testkit";

const secrets = mkdtempSync(join(tmpdir(), "aloft-auth-browser-"));
let platform: TestPlatform;
const hookCalls: string[] = [];
const password = (user: string) => readFileSync(join(secrets, `user-${user}.password`), "utf8").trim();
const VERIFIER = `${"v".repeat(20)}-verifier-of-enough-length-0123456789`;
const CLI_REDIRECT = "http://127.0.0.1:40123/callback";

before(async () => {
  await initSecrets({ dir: secrets, users: ["alice", "victor"] });
  platform = await startTestPlatform({
    overrides: {
      auth: {
        enabled: true,
        secretsDir: secrets,
        roles: {
          bindings: [
            { subject: "alice", role: "admin" },
            { subject: "victor", role: "viewer" },
          ],
        },
      },
    },
    configurePlugins: (plugins) => {
      plugins.logoutHook = async () => {
        hookCalls.push("logout");
        return false;
      };
      plugins.preRedirectHook = async () => {
        hookCalls.push("preRedirect");
        return false;
      };
    },
  });
});
after(async () => {
  await platform?.close();
  rmSync(secrets, { recursive: true, force: true });
});

const authorizeQuery = (extra: Record<string, string> = {}) =>
  new URLSearchParams({
    response_type: "code",
    client_id: "flytectl",
    redirect_uri: CLI_REDIRECT,
    scope: "all offline",
    state: "st-1",
    code_challenge: s256(VERIFIER),
    code_challenge_method: "S256",
    ...extra,
  });

/** GET the sign-in form, POST the credentials: the 303 Location (the client's redirect with code or error). */
async function signIn(
  authorizeUrl: string,
  user: string,
  pass: string,
  jar = new CookieJar(),
): Promise<{ res: Response; jar: CookieJar }> {
  const page = await fetch(authorizeUrl, { headers: { cookie: jar.header() }, redirect: "manual" });
  assert.equal(page.status, 200, await page.clone().text());
  assert.equal(page.headers.get("x-frame-options"), "DENY");
  jar.take(page);
  const html = await page.text();
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    form.set(m[1]!, m[2]!.replace(/&amp;/g, "&").replace(/&quot;/g, '"'));
  form.set("username", user);
  form.set("password", pass);
  const res = await fetch(`${platform.httpUrl}/oauth2/authorize`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header(), origin: platform.httpUrl },
    body: form,
    redirect: "manual",
  });
  jar.take(res);
  return { res, jar };
}

async function token(form: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${platform.httpUrl}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

async function codeFor(user: string, extra: Record<string, string> = {}): Promise<string> {
  const { res } = await signIn(`${platform.httpUrl}/oauth2/authorize?${authorizeQuery(extra)}`, user, password(user));
  assert.equal(res.status, 303);
  const loc = new URL(res.headers.get("location")!);
  assert.equal(`${loc.origin}${loc.pathname}`, CLI_REDIRECT);
  assert.equal(loc.searchParams.get("state"), "st-1");
  return loc.searchParams.get("code")!;
}

describe("metadata", () => {
  test("RFC 8414 and OpenID discovery advertise the code grant with S256, refresh tokens and client credentials", async () => {
    const m = (await (
      await fetch(`${platform.httpUrl}/.well-known/oauth-authorization-server`, {
        headers: { accept: "application/json" },
      })
    ).json()) as Record<string, unknown>;
    assert.deepEqual(m.grant_types_supported, [
      "authorization_code",
      "refresh_token",
      "client_credentials",
      "urn:ietf:params:oauth:grant-type:device_code",
    ]);
    assert.deepEqual(m.code_challenge_methods_supported, ["S256"]);
    assert.equal(m.authorization_endpoint, `${platform.httpUrl}/oauth2/authorize`);
    const o = (await (await fetch(`${platform.httpUrl}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(o.issuer, m.issuer);
    assert.deepEqual(o.grant_types_supported, m.grant_types_supported);
    assert.ok(String(o.revocation_endpoint).endsWith("/oauth2/revoke"));
  });
});

describe("authorization code + PKCE", () => {
  test("a person signs in; the code is redeemed once, with the right verifier and redirect URI", async () => {
    const code = await codeFor("alice");
    const redeem = { grant_type: "authorization_code", client_id: "flytectl", code, redirect_uri: CLI_REDIRECT };
    const wrongVerifier = await token({ ...redeem, code_verifier: "w".repeat(43) });
    assert.equal(wrongVerifier.status, 400);
    assert.equal(wrongVerifier.body.error, "invalid_grant");
    // The failed attempt used the code up: a stolen code cannot be tried against verifiers.
    const after = await token({ ...redeem, code_verifier: VERIFIER });
    assert.equal(after.body.error, "invalid_grant");

    const code2 = await codeFor("alice");
    const wrongRedirect = await token({
      ...redeem,
      code: code2,
      redirect_uri: "http://127.0.0.1:1/callback",
      code_verifier: VERIFIER,
    });
    assert.equal(wrongRedirect.body.error, "invalid_grant");
    const code3 = await codeFor("alice");
    const ok = await token({ ...redeem, code: code3, code_verifier: VERIFIER });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.ok(ok.body.access_token && ok.body.refresh_token);
    const again = await token({ ...redeem, code: code3, code_verifier: VERIFIER });
    assert.equal(again.body.error, "invalid_grant");
    const me = await fetch(`${platform.httpUrl}/me`, { headers: { authorization: `Bearer ${ok.body.access_token}` } });
    assert.equal(((await me.json()) as { subject: string }).subject, "alice");
  });

  test("plain PKCE, a missing challenge, an unknown client and an unregistered redirect are refused", async () => {
    const noRedirect = await fetch(
      `${platform.httpUrl}/oauth2/authorize?${authorizeQuery({ redirect_uri: "https://evil.example/cb" })}`,
      { redirect: "manual" },
    );
    assert.equal(noRedirect.status, 400, "never redirects to an unregistered URI");
    const unknown = await fetch(`${platform.httpUrl}/oauth2/authorize?${authorizeQuery({ client_id: "nope" })}`, {
      redirect: "manual",
    });
    assert.equal(unknown.status, 400);
    for (const extra of <Record<string, string>[]>[{ code_challenge_method: "plain" }, { code_challenge: "" }]) {
      const res = await fetch(`${platform.httpUrl}/oauth2/authorize?${authorizeQuery(extra)}`, { redirect: "manual" });
      assert.equal(res.status, 303);
      assert.equal(new URL(res.headers.get("location")!).searchParams.get("error"), "invalid_request");
    }
  });

  test("a wrong password shows the form again (401) and issues no code; a form without its CSRF cookie is 403", async () => {
    const { res } = await signIn(`${platform.httpUrl}/oauth2/authorize?${authorizeQuery()}`, "alice", "wrong");
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("location"), null);
    const forged = await fetch(`${platform.httpUrl}/oauth2/authorize`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        ...Object.fromEntries(authorizeQuery()),
        username: "alice",
        password: password("alice"),
        csrf_token: "x",
      }),
      redirect: "manual",
    });
    assert.equal(forged.status, 403);
  });

  test("refresh tokens rotate; presenting a retired one revokes the whole login; revocation ends it", async () => {
    const code = await codeFor("alice");
    const first = await token({
      grant_type: "authorization_code",
      client_id: "flytectl",
      code,
      redirect_uri: CLI_REDIRECT,
      code_verifier: VERIFIER,
    });
    const second = await token({
      grant_type: "refresh_token",
      client_id: "flytectl",
      refresh_token: first.body.refresh_token!,
    });
    assert.equal(second.status, 200);
    assert.notEqual(second.body.refresh_token, first.body.refresh_token);
    const replay = await token({
      grant_type: "refresh_token",
      client_id: "flytectl",
      refresh_token: first.body.refresh_token!,
    });
    assert.equal(replay.body.error, "invalid_grant");
    const afterReplay = await token({
      grant_type: "refresh_token",
      client_id: "flytectl",
      refresh_token: second.body.refresh_token!,
    });
    assert.equal(afterReplay.body.error, "invalid_grant", "the reuse revoked the newer token too");

    const code2 = await codeFor("alice");
    const t = await token({
      grant_type: "authorization_code",
      client_id: "flytectl",
      code: code2,
      redirect_uri: CLI_REDIRECT,
      code_verifier: VERIFIER,
    });
    const revoke = await fetch(`${platform.httpUrl}/oauth2/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: t.body.refresh_token!, client_id: "flytectl" }),
    });
    assert.equal(revoke.status, 200);
    const dead = await token({
      grant_type: "refresh_token",
      client_id: "flytectl",
      refresh_token: t.body.refresh_token!,
    });
    assert.equal(dead.body.error, "invalid_grant");
  });
});

describe("the console's browser flow", () => {
  async function consoleSignIn(user: string): Promise<CookieJar> {
    const jar = new CookieJar();
    const login = await fetch(`${platform.httpUrl}/login?redirect_url=/console/projects`, { redirect: "manual" });
    assert.equal(login.status, 302);
    jar.take(login);
    const { res } = await signIn(login.headers.get("location")!, user, password(user), jar);
    assert.equal(res.status, 303);
    const cb = new URL(res.headers.get("location")!);
    assert.equal(cb.pathname, "/callback");
    const done = await fetch(`${platform.httpUrl}/callback${cb.search}`, {
      headers: { cookie: jar.header() },
      redirect: "manual",
    });
    assert.equal(done.status, 302, await done.clone().text());
    assert.equal(done.headers.get("location"), "/console/projects");
    for (const c of done.headers.getSetCookie().filter((c) => /^flyte_(at|rt|idt)=/.test(c)))
      assert.match(c, /HttpOnly/);
    jar.take(done);
    assert.ok(jar.cookies.has("flyte_at") && jar.cookies.has("flyte_csrf"));
    return jar;
  }

  const newProject = (id: string) => JSON.stringify({ project: { id, name: id } });

  test("cookies authenticate reads; a change needs the CSRF header or a trusted Origin/Referer; a hostile origin gets nowhere", async () => {
    const jar = await consoleSignIn("alice");
    assert.ok(hookCalls.includes("preRedirect"));
    const list = await fetch(`${platform.httpUrl}/api/v1/projects`, { headers: { cookie: jar.header() } });
    assert.equal(list.status, 200);
    const noCsrf = await fetch(`${platform.httpUrl}/api/v1/projects`, {
      method: "POST",
      headers: { cookie: jar.header(), "content-type": "application/json" },
      body: newProject("nocsrf"),
    });
    assert.equal(noCsrf.status, 403);
    assert.match(await noCsrf.text(), /X-CSRF-Token/);
    const wrongCsrf = await fetch(`${platform.httpUrl}/api/v1/projects`, {
      method: "POST",
      headers: { cookie: jar.header(), "content-type": "application/json", "x-csrf-token": "forged" },
      body: newProject("wrong"),
    });
    assert.equal(wrongCsrf.status, 403);
    for (const headers of <Record<string, string>[]>[
      {
        origin: "http://evil.example",
        "content-type": "application/json",
        "x-csrf-token": jar.cookies.get("flyte_csrf")!,
      },
      { origin: "http://evil.example", "content-type": "text/plain" },
    ]) {
      const hostile = await fetch(`${platform.httpUrl}/api/v1/projects`, {
        method: "POST",
        headers: { cookie: jar.header(), ...headers },
        body: newProject("evil"),
      });
      assert.equal(hostile.status, 403);
    }
    const preflight = await fetch(`${platform.httpUrl}/api/v1/projects`, {
      method: "OPTIONS",
      headers: {
        origin: "http://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-csrf-token",
      },
    });
    assert.equal(preflight.headers.get("access-control-allow-origin"), null);
    const ok = await fetch(`${platform.httpUrl}/api/v1/projects`, {
      method: "POST",
      headers: {
        cookie: jar.header(),
        "content-type": "application/json",
        "x-csrf-token": jar.cookies.get("flyte_csrf")!,
      },
      body: newProject("withcsrf"),
    });
    assert.equal(ok.status, 200, await ok.clone().text());
    // flyteconsole sends no X-CSRF-Token: its browser's Origin (or, without one, Referer) vouches for it instead.
    const byOrigin = await fetch(`${platform.httpUrl}/api/v1/projects`, {
      method: "POST",
      headers: { cookie: jar.header(), "content-type": "application/json", origin: platform.httpUrl },
      body: newProject("byorigin"),
    });
    assert.equal(byOrigin.status, 200, await byOrigin.clone().text());
    const byReferer = await fetch(`${platform.httpUrl}/api/v1/projects`, {
      method: "POST",
      headers: { cookie: jar.header(), "content-type": "application/json", referer: `${platform.httpUrl}/console/` },
      body: newProject("byreferer"),
    });
    assert.equal(byReferer.status, 200, await byReferer.clone().text());
    const badReferer = await fetch(`${platform.httpUrl}/api/v1/projects`, {
      method: "POST",
      headers: { cookie: jar.header(), "content-type": "application/json", referer: "http://evil.example/" },
      body: newProject("evilreferer"),
    });
    assert.equal(badReferer.status, 403);
    const projects = (await (
      await fetch(`${platform.httpUrl}/api/v1/projects`, { headers: { cookie: jar.header() } })
    ).json()) as { projects: { id: string }[] };
    const made = ["nocsrf", "wrong", "evil", "withcsrf", "byorigin", "byreferer", "evilreferer"];
    assert.deepEqual(
      projects.projects
        .map((p) => p.id)
        .filter((id) => made.includes(id))
        .sort(),
      ["byorigin", "byreferer", "withcsrf"],
    );
  });

  test("a tampered or renamed cookie is refused; a viewer's cookie cannot change anything", async () => {
    const jar = await consoleSignIn("victor");
    const at = jar.cookies.get("flyte_at")!;
    const tampered = `${at.slice(0, -2)}${at.endsWith("A") ? "B" : "A"}A`;
    const res = await fetch(`${platform.httpUrl}/api/v1/projects`, { headers: { cookie: `flyte_at=${tampered}` } });
    assert.equal(res.status, 401);
    const renamed = await fetch(`${platform.httpUrl}/api/v1/projects`, {
      headers: { cookie: `flyte_at=${jar.cookies.get("flyte_rt")}` },
    });
    assert.equal(renamed.status, 401);
    const denied = await fetch(`${platform.httpUrl}/api/v1/projects`, {
      method: "POST",
      headers: {
        cookie: jar.header(),
        "content-type": "application/json",
        "x-csrf-token": jar.cookies.get("flyte_csrf")!,
      },
      body: newProject("byviewer"),
    });
    assert.equal(denied.status, 403);
    assert.match(await denied.text(), /victor lacks permission \\"admin\\"/);
  });

  test("/login refuses a foreign redirect_url; /callback refuses a state from another browser", async () => {
    const res = await fetch(`${platform.httpUrl}/login?redirect_url=${encodeURIComponent("https://evil.example/")}`, {
      redirect: "manual",
    });
    assert.equal(res.status, 403);
    const res2 = await fetch(`${platform.httpUrl}/login?redirect_url=${encodeURIComponent("//evil.example/")}`, {
      redirect: "manual",
    });
    assert.equal(res2.status, 403);
    const cb = await fetch(`${platform.httpUrl}/callback?code=x&state=y`, { redirect: "manual" });
    assert.equal(cb.status, 403);
  });

  test("/login with a live refresh cookie renews the session without a sign-in; /logout revokes it and calls the hook", async () => {
    const jar = await consoleSignIn("alice");
    const renew = await fetch(`${platform.httpUrl}/login?redirect_url=/console`, {
      headers: { cookie: jar.header() },
      redirect: "manual",
    });
    assert.equal(renew.status, 302);
    assert.equal(renew.headers.get("location"), "/console");
    jar.take(renew);
    const rt = jar.cookies.get("flyte_rt")!;
    const out = await fetch(`${platform.httpUrl}/logout`, { headers: { cookie: jar.header() }, redirect: "manual" });
    assert.equal(out.status, 200);
    assert.ok(hookCalls.includes("logout"));
    const cleared = new CookieJar();
    cleared.cookies.set("flyte_rt", "x");
    cleared.take(out);
    assert.equal(cleared.cookies.size, 0, "every cookie is cleared");
    // The revoked refresh cookie no longer renews: /login starts a sign-in.
    const again = await fetch(`${platform.httpUrl}/login`, {
      headers: { cookie: `flyte_rt=${rt}` },
      redirect: "manual",
    });
    assert.match(again.headers.get("location")!, /\/oauth2\/authorize\?/);
  });
});

test("gRPC reflection is not served while auth is on (it would describe the API to anyone)", async () => {
  const pkg = loadPackage(["grpc/reflection/v1/reflection.proto"]);
  const Ctor = ((pkg.grpc as Record<string, unknown>).reflection as Record<string, Record<string, unknown>>).v1!
    .ServerReflection as grpc.ServiceClientConstructor;
  const client = new Ctor(platform.grpcAddress, grpc.credentials.createInsecure()) as unknown as {
    ServerReflectionInfo(): grpc.ClientDuplexStream<object, object>;
    close(): void;
  };
  const code = await new Promise<number>((resolve) => {
    const call = client.ServerReflectionInfo();
    call.on("data", () => resolve(-1));
    call.on("error", (e: grpc.ServiceError) => resolve(e.code));
    call.write({ list_services: "*" });
  });
  client.close();
  assert.equal(code, grpc.status.UNIMPLEMENTED);
});

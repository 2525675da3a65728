// The device authorization grant (RFC 8628) at Aloft's own authorization server, over HTTP as a device and a person
// would use it: advertised in the metadata, a user code entered on the verification page behind the console's sign-in,
// the device's polls answered authorization_pending, slow_down, access_denied, then tokens once; the page refuses a
// forged form, wrong codes are throttled.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { approveDevice, startSignInPlatform, type TestPlatform } from "@aloft/testkit";

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const secrets = mkdtempSync(join(tmpdir(), "aloft-auth-device-"));
let platform: TestPlatform;
const password = () => readFileSync(join(secrets, "user-alice.password"), "utf8").trim();

before(async () => {
  platform = await startSignInPlatform(secrets, [{ subject: "alice", role: "viewer" }]);
});
after(async () => {
  await platform?.close();
  rmSync(secrets, { recursive: true, force: true });
});

async function post(path: string, form: Record<string, string>) {
  const res = await fetch(`${platform.httpUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function startDevice(clientId = "flytectl") {
  const r = await post("/oauth2/device_authorization", { client_id: clientId, scope: "all offline" });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as {
    device_code: string;
    user_code: string;
    verification_uri: string;
    verification_uri_complete: string;
    interval: number;
    expires_in: number;
  };
}

const poll = (deviceCode: string, clientId = "flytectl") =>
  post("/oauth2/token", { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: clientId });

test("the metadata advertises the device authorization endpoint and grant", async () => {
  const m = (await (
    await fetch(`${platform.httpUrl}/.well-known/oauth-authorization-server`, {
      headers: { accept: "application/json" },
    })
  ).json()) as Record<string, unknown>;
  assert.equal(m.device_authorization_endpoint, `${platform.httpUrl}/oauth2/device_authorization`);
  assert.ok((m.grant_types_supported as string[]).includes(DEVICE_GRANT));
  const oidc = (await (await fetch(`${platform.httpUrl}/.well-known/openid-configuration`)).json()) as Record<
    string,
    unknown
  >;
  assert.equal(oidc.device_authorization_endpoint, m.device_authorization_endpoint);
});

test("a device gets tokens once a signed-in person approves its code, and only once", async () => {
  const d = await startDevice();
  assert.match(d.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
  assert.equal(d.verification_uri, `${platform.httpUrl}/oauth2/device`);
  assert.equal(d.interval, 1);
  assert.equal(d.expires_in, 600);
  assert.equal((await poll(d.device_code)).body.error, "authorization_pending");
  // Signed out, the page sends the person to the console's sign-in and back.
  const page = await fetch(d.verification_uri_complete, { redirect: "manual" });
  assert.equal(page.status, 302);
  assert.equal(
    page.headers.get("location"),
    `/login?redirect_url=${encodeURIComponent(`/oauth2/device?user_code=${d.user_code}`)}`,
  );
  const decided = await approveDevice({
    httpUrl: platform.httpUrl,
    verificationUrl: d.verification_uri_complete,
    user: "alice",
    password: password(),
  });
  assert.equal(decided.status, 200, decided.page);
  assert.match(decided.page, /Device approved/);
  assert.equal(decided.confirmations, 0, "the page opened with the code showed the request: Approve decided at once");
  await new Promise((r) => setTimeout(r, 1000)); // the device's interval
  const t = await poll(d.device_code);
  assert.equal(t.status, 200, JSON.stringify(t.body));
  assert.equal(typeof t.body.refresh_token, "string");
  const me = await fetch(`${platform.httpUrl}/me`, { headers: { authorization: `Bearer ${t.body.access_token}` } });
  assert.equal(((await me.json()) as { subject: string }).subject, "alice");
  const again = await poll(d.device_code);
  assert.equal(again.body.error, "invalid_grant", "a device code is redeemed once");
  const refreshed = await post("/oauth2/token", {
    grant_type: "refresh_token",
    client_id: "flytectl",
    refresh_token: String(t.body.refresh_token),
  });
  assert.equal(refreshed.status, 200, "the refresh token works as a browser login's");
});

test("polling faster than the interval is slow_down; a denied code is access_denied", async () => {
  const d = await startDevice();
  assert.equal((await poll(d.device_code)).body.error, "authorization_pending");
  const fast = await poll(d.device_code);
  assert.equal(fast.status, 400);
  assert.equal(fast.body.error, "slow_down");
  assert.equal((await poll(d.device_code, "flyte-cli")).body.error, "invalid_grant", "another client's code");

  const denied = await startDevice();
  const r = await approveDevice({
    httpUrl: platform.httpUrl,
    verificationUrl: denied.verification_uri_complete,
    user: "alice",
    password: password(),
    approve: false,
  });
  assert.match(r.page, /Device denied/);
  assert.equal((await poll(denied.device_code)).body.error, "access_denied");
});

test("a typed code is approved only after the page has shown who asks for what", async () => {
  const d = await startDevice();
  const typed = { httpUrl: platform.httpUrl, verificationUrl: d.verification_uri, user: "alice", password: password() };
  const shown = await approveDevice({ ...typed, userCode: d.user_code.toLowerCase(), confirm: false });
  assert.equal(shown.status, 200);
  assert.match(shown.page, /<b>flytectl<\/b> asks to act on your behalf \(scopes: all offline\)/);
  assert.equal((await poll(d.device_code)).body.error, "authorization_pending", "not approved yet");
  const confirmed = await approveDevice({ ...typed, userCode: d.user_code });
  assert.equal(confirmed.confirmations, 1);
  assert.match(confirmed.page, /Device approved/);
});

test("only public clients, known scopes and this server's audience", async () => {
  assert.equal((await post("/oauth2/device_authorization", { client_id: "nobody" })).body.error, "invalid_client");
  assert.equal(
    (await post("/oauth2/device_authorization", { client_id: "flytectl", client_secret: "x" })).body.error,
    "invalid_request",
  );
  assert.equal(
    (await post("/oauth2/device_authorization", { client_id: "flytectl", scope: "admin-everything" })).body.error,
    "invalid_scope",
  );
  assert.equal(
    (await post("/oauth2/device_authorization", { client_id: "flytectl", audience: "https://other.example" })).body
      .error,
    "invalid_target",
  );
});

test("the verification form refuses a forged CSRF token; wrong codes are counted and throttled", async () => {
  const d = await startDevice();
  // A wrong CSRF token with a real session: play the browser up to the form, then tamper with it.
  const forged = await approveDevice({
    httpUrl: platform.httpUrl,
    verificationUrl: `${platform.httpUrl}/oauth2/device?user_code=${d.user_code}`,
    user: "alice",
    password: password(),
    csrfToken: "forged",
  });
  assert.equal(forged.status, 403);
  assert.equal((await poll(d.device_code)).body.error, "authorization_pending", "nothing was approved");
  let last = 0;
  for (let i = 0; i < 5; i++) {
    const wrong = await approveDevice({
      httpUrl: platform.httpUrl,
      verificationUrl: `${platform.httpUrl}/oauth2/device`,
      user: "alice",
      password: password(),
      userCode: "BBBB-BBBB",
    });
    last = wrong.status;
  }
  assert.equal(last, 400);
  const locked = await approveDevice({
    httpUrl: platform.httpUrl,
    verificationUrl: `${platform.httpUrl}/oauth2/device`,
    user: "alice",
    password: password(),
    userCode: d.user_code,
  });
  assert.equal(locked.status, 429, "after 5 wrong codes even the right one waits");
  const still = await poll(d.device_code);
  assert.equal(still.status, 400, "not approved");
  assert.ok(["authorization_pending", "slow_down"].includes(String(still.body.error)));
});

// The device flow's client side against a scripted authorization server (as an external IdP would answer): the
// prompt, authorization_pending, slow_down (the interval grows by 5 s), success, and each terminal error. Sleeps are
// injected: nothing waits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { deviceLogin, type DevicePrompt } from "./device-login.ts";

const endpoints = {
  deviceAuthorizationEndpoint: "https://idp.example/oauth/device/code",
  tokenEndpoint: "https://idp.example/oauth/token",
  revocationEndpoint: "https://idp.example/oauth/revoke",
  clientId: "flytectl",
  scopes: ["all", "offline"],
  audience: "aloft",
};

function scripted(answers: Array<[number, Record<string, unknown>]>) {
  const calls: Array<{ url: string; form: URLSearchParams }> = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    const form = new URLSearchParams(String(init.body));
    calls.push({ url, form });
    if (url === endpoints.deviceAuthorizationEndpoint)
      return Response.json({
        device_code: "dev-code",
        user_code: "BCDF-GHJK",
        verification_uri: "https://idp.example/activate",
        verification_uri_complete: "https://idp.example/activate?user_code=BCDF-GHJK",
        expires_in: 60,
        interval: 2,
      });
    const [status, body] = answers.shift()!;
    return Response.json(body, { status });
  }) as typeof fetch;
  return { calls, fetchImpl };
}

function run(answers: Array<[number, Record<string, unknown>]>) {
  const idp = scripted(answers);
  let now = 1_000_000;
  const slept: number[] = [];
  const prompts: DevicePrompt[] = [];
  const result = deviceLogin({
    endpoints,
    prompt: (p) => prompts.push(p),
    fetch: idp.fetchImpl,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  });
  return { result, idp, slept, prompts };
}

test("prompts, polls through pending and slow_down (interval + 5 s), then returns the session", async () => {
  const { result, idp, slept, prompts } = run([
    [400, { error: "authorization_pending" }],
    [400, { error: "slow_down" }],
    [400, { error: "authorization_pending" }],
    [200, { access_token: "at", refresh_token: "rt", expires_in: 100, token_type: "Bearer" }],
  ]);
  const session = await result;
  assert.deepEqual(prompts, [
    {
      verificationUri: "https://idp.example/activate",
      verificationUriComplete: "https://idp.example/activate?user_code=BCDF-GHJK",
      userCode: "BCDF-GHJK",
      expiresInSeconds: 60,
    },
  ]);
  assert.deepEqual(slept, [2000, 2000, 7000, 7000]);
  assert.equal(idp.calls[0]!.form.get("client_id"), "flytectl");
  assert.equal(idp.calls[0]!.form.get("scope"), "all offline");
  assert.equal(idp.calls[0]!.form.get("audience"), "aloft");
  const poll = idp.calls[1]!;
  assert.equal(poll.url, endpoints.tokenEndpoint);
  assert.equal(poll.form.get("grant_type"), "urn:ietf:params:oauth:grant-type:device_code");
  assert.equal(poll.form.get("device_code"), "dev-code");
  assert.equal(session.accessToken, "at");
  assert.equal(session.refreshToken, "rt");
  assert.equal(session.revocationEndpoint, endpoints.revocationEndpoint);
  assert.equal(session.expiresAt, 1_000_000 + 18_000 + 100_000);
});

test("access_denied, expired_token and other errors end the wait with a reason", async () => {
  await assert.rejects(run([[400, { error: "access_denied" }]]).result, /denied/);
  await assert.rejects(run([[400, { error: "expired_token" }]]).result, /expired/);
  await assert.rejects(
    run([[400, { error: "invalid_grant", error_description: "unknown device code" }]]).result,
    /invalid_grant: unknown device code/,
  );
  // Pending until the code's lifetime is over: no request after the deadline.
  const pending = Array.from({ length: 40 }, () => [400, { error: "authorization_pending" }] as [number, object]);
  const r = run(pending as Array<[number, Record<string, unknown>]>);
  await assert.rejects(r.result, /expired before it was approved/);
  assert.equal(r.idp.calls.length - 1, 29, "polled every 2 s for 60 s");
});

test("a refused device authorization request says why", async () => {
  const fetchImpl = (async () =>
    Response.json(
      { error: "invalid_client", error_description: "no device flow for this client" },
      { status: 401 },
    )) as typeof fetch;
  await assert.rejects(
    deviceLogin({ endpoints, prompt: () => undefined, fetch: fetchImpl }),
    /refused \(invalid_client: no device flow for this client\)/,
  );
});

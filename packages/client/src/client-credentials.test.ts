import assert from "node:assert/strict";
import { test } from "node:test";
import { clientCredentials, type StoredToken } from "./client-credentials.ts";

function fakeIdp(lifetime = 100) {
  const calls: Array<{ url: string; auth: string; body: string }> = [];
  let n = 0;
  const fetchImpl = (async (url: string, init: RequestInit) => {
    calls.push({ url, auth: new Headers(init.headers).get("authorization") ?? "", body: String(init.body) });
    n++;
    return new Response(JSON.stringify({ access_token: `t${n}`, token_type: "Bearer", expires_in: lifetime }), {
      status: 200,
    });
  }) as typeof fetch;
  return { calls, fetchImpl };
}

test("a token is fetched once, reused, renewed a quarter of its lifetime early, and after invalidate()", async () => {
  let now = 0;
  const idp = fakeIdp(100);
  let discovered = 0;
  const source = clientCredentials({
    clientId: "ci bot",
    clientSecret: "s3cr:t",
    discover: async () => (discovered++, { tokenEndpoint: "http://idp/token", audience: "aloft" }),
    fetch: idp.fetchImpl,
    now: () => now,
  });
  const [a, b] = await Promise.all([source.token(), source.token()]);
  assert.deepEqual([a, b], ["t1", "t1"], "concurrent callers share one request");
  assert.equal(idp.calls.length, 1);
  assert.equal(idp.calls[0]!.url, "http://idp/token");
  assert.equal(
    idp.calls[0]!.auth,
    `Basic ${Buffer.from("ci%20bot:s3cr%3At").toString("base64")}`,
    "RFC 6749 §2.3.1 encoding",
  );
  assert.match(idp.calls[0]!.body, /grant_type=client_credentials/);
  assert.match(idp.calls[0]!.body, /scope=all/);
  assert.match(idp.calls[0]!.body, /audience=aloft/);
  now = 74_000;
  assert.equal(await source.token(), "t1");
  now = 76_000;
  assert.equal(await source.token(), "t2", "renewed 25 s before the 100 s token expires");
  source.invalidate();
  assert.equal(await source.token(), "t3");
  assert.equal(discovered, 1, "discovery happens once");
});

test("a refusal names the client, the endpoint and the OAuth2 error; never the secret", async () => {
  const source = clientCredentials({
    clientId: "ci",
    clientSecret: "very-secret",
    tokenEndpoint: "http://idp/token",
    fetch: (async () =>
      new Response(JSON.stringify({ error: "invalid_client", error_description: "unknown client or wrong secret" }), {
        status: 401,
      })) as typeof fetch,
  });
  await assert.rejects(
    source.token(),
    (e: Error) =>
      /ci refused by http:\/\/idp\/token: invalid_client: unknown client/.test(e.message) &&
      !e.message.includes("very-secret"),
  );
});

test("a cached token is used until it needs renewal; new tokens are saved", async () => {
  let saved: StoredToken | undefined;
  const idp = fakeIdp(60);
  const source = clientCredentials({
    clientId: "ci",
    clientSecret: "x",
    tokenEndpoint: "http://idp/token",
    fetch: idp.fetchImpl,
    now: () => 1_000,
    cache: { load: () => ({ accessToken: "cached", expiresAt: 500_000 }), save: (t) => void (saved = t) },
  });
  assert.equal(await source.token(), "cached");
  assert.equal(idp.calls.length, 0);
  source.invalidate();
  assert.equal(await source.token(), "t1");
  assert.deepEqual(saved, { accessToken: "t1", expiresAt: 61_000 });
});

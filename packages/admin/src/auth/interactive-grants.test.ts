// The pieces of the authorization code grant on their own: PKCE S256, loopback redirect matching, single-use codes,
// refresh token rotation with reuse detection, and sealed cookies.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Clock } from "@aloft/core";
import { CookieSealer } from "./cookie-crypto.ts";
import { GrantStore, REFRESH_LIFETIME_MS } from "./grant-store.ts";
import { newPkcePair, verifierMatches } from "./pkce.ts";
import { publicClients, redirectAllowed } from "./public-clients.ts";

function fakeClock(start = Date.parse("2026-01-01T00:00:00Z")): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) } as Clock & {
    advance(ms: number): void;
  };
}

test("PKCE: only the verifier that hashes to the challenge, and only well-formed ones", () => {
  const { verifier, challenge } = newPkcePair();
  assert.ok(verifierMatches(verifier, challenge));
  assert.ok(!verifierMatches(`${verifier.slice(0, -1)}x`, challenge));
  assert.ok(!verifierMatches("short", challenge));
  assert.ok(!verifierMatches(challenge, challenge), "plain (verifier = challenge) is not S256");
});

test("redirect URIs: exact, or a registered loopback URI on any loopback host and port; nothing else", () => {
  const flytectl = publicClients(() => "https://aloft.example.com").get("flytectl")!();
  assert.ok(redirectAllowed(flytectl, "http://localhost:53593/callback"));
  assert.ok(redirectAllowed(flytectl, "http://127.0.0.1:40000/callback"));
  assert.ok(redirectAllowed(flytectl, "http://[::1]:40000/callback"));
  for (const bad of [
    "http://evil.example:53593/callback",
    "http://localhost:53593/other",
    "https://localhost:53593/callback",
    "http://localhost.evil.example/callback",
    "http://localhost:53593/callback#x",
    "not a url",
  ]) {
    assert.ok(!redirectAllowed(flytectl, bad), bad);
  }
  const console = publicClients(() => "https://aloft.example.com").get("aloft-console")!();
  assert.ok(redirectAllowed(console, "https://aloft.example.com/callback"));
  assert.ok(!redirectAllowed(console, "https://aloft.example.com.evil/callback"));
});

test("codes are single use and expire after 5 minutes", () => {
  const clock = fakeClock();
  const store = new GrantStore(clock);
  const grant = {
    clientId: "flytectl",
    redirectUri: "http://localhost:1/callback",
    codeChallenge: "c",
    subject: "alice",
    scope: ["all"],
    authTime: 0,
  };
  const code = store.issueCode(grant);
  assert.deepEqual(store.redeemCode(code), grant);
  assert.equal(store.redeemCode(code), undefined);
  const late = store.issueCode(grant);
  clock.advance(5 * 60_000 + 1);
  assert.equal(store.redeemCode(late), undefined);
});

test("refresh tokens rotate, a reused one revokes the family, and rotation does not extend the login", () => {
  const clock = fakeClock();
  const store = new GrantStore(clock);
  const first = store.issueRefresh({ clientId: "flytectl", subject: "alice", scope: ["all", "offline"], authTime: 0 });
  const r1 = store.rotate(first);
  assert.ok(typeof r1 === "object");
  const r2 = store.rotate(r1.next);
  assert.ok(typeof r2 === "object");
  assert.equal(store.rotate(first), "reused");
  assert.equal(store.rotate(r2.next), "invalid", "the family is gone");

  const other = store.issueRefresh({ clientId: "flytectl", subject: "bob", scope: ["offline"], authTime: 0 });
  clock.advance(REFRESH_LIFETIME_MS - 1000);
  const r3 = store.rotate(other);
  assert.ok(typeof r3 === "object");
  clock.advance(2000);
  assert.equal(store.rotate(r3.next), "invalid");
  const gone = store.issueRefresh({ clientId: "flytectl", subject: "bob", scope: ["offline"], authTime: 0 });
  assert.equal(store.revoke(gone)?.subject, "bob");
  assert.equal(store.rotate(gone), "invalid");
});

test("sealed cookies: open only under their own name, untampered and unexpired", () => {
  const clock = fakeClock();
  const sealer = new CookieSealer({ hashKey: Buffer.alloc(64, 1), blockKey: Buffer.alloc(32, 2) }, clock);
  const sealed = sealer.seal("flyte_at", { token: "t", sid: "s" }, 60);
  assert.deepEqual(sealer.open("flyte_at", sealed), { token: "t", sid: "s" });
  assert.equal(sealer.open("flyte_rt", sealed), undefined);
  const raw = Buffer.from(sealed, "base64url");
  raw[14]! ^= 1;
  assert.equal(sealer.open("flyte_at", raw.toString("base64url")), undefined);
  const other = new CookieSealer({ hashKey: Buffer.alloc(64, 1), blockKey: Buffer.alloc(32, 3) }, clock);
  assert.equal(other.open("flyte_at", sealed), undefined, "another block key (rotated) opens nothing");
  clock.advance(61_000);
  assert.equal(sealer.open("flyte_at", sealed), undefined);
  assert.notEqual(sealer.csrfToken("a"), sealer.csrfToken("b"));
});

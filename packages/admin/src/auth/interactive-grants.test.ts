// The pieces of the authorization code grant on their own: PKCE S256, loopback redirect matching and sealed cookies
// (codes and refresh tokens: grant-store.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Clock } from "@aloft/core";
import { CookieSealer } from "./cookie-crypto.ts";
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

// Wrong-password throttling: exponential lockout per user name and per client address, 429 with Retry-After, reset
// by a success, the same answers for names that exist and names that do not. The clock is injected.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { silentLogger } from "@aloft/core";
import { ManualClock } from "@aloft/core/testing";
import { AUTHORIZE_PATH, authorizeEndpoint } from "./authorize-endpoint.ts";
import { publicClients } from "./public-clients.ts";
import { SignInThrottle } from "./sign-in-throttle.ts";

const S = 1000;

test("five failures lock a name out for 30 s, each further one doubles it up to the cap; a success resets", () => {
  const clock = new ManualClock();
  const t = new SignInThrottle({ clock });
  for (let i = 0; i < 4; i++) t.failed("alice", "10.0.0.1");
  assert.equal(t.retryAfterMs("alice", "10.0.0.1"), 0, "four failures are free");
  t.failed("alice", "10.0.0.1");
  assert.equal(t.retryAfterMs("alice", "10.0.0.1"), 30 * S);
  assert.equal(t.retryAfterMs("ALICE ", "10.0.0.2"), 30 * S, "by name from any address, whatever its case");
  assert.equal(t.retryAfterMs("bob", "10.0.0.1"), 0, "the address is not locked yet");
  clock.advance(30 * S);
  assert.equal(t.retryAfterMs("alice", "10.0.0.1"), 0, "the lockout ends");
  t.failed("alice", "10.0.0.1");
  assert.equal(t.retryAfterMs("alice", "10.0.0.1"), 60 * S, "the sixth failure: 60 s");
  clock.advance(60 * S);
  t.failed("alice", "10.0.0.1");
  assert.equal(t.retryAfterMs("alice", "10.0.0.1"), 120 * S);
  for (let i = 0; i < 10; i++) {
    clock.advance(t.retryAfterMs("alice", "10.0.0.1"));
    t.failed("alice", "10.0.0.1");
  }
  assert.equal(t.retryAfterMs("alice", "10.0.0.1"), 15 * 60 * S, "capped at 15 minutes");
  clock.advance(15 * 60 * S);
  t.succeeded("alice");
  t.failed("alice", "10.0.0.9");
  assert.equal(t.retryAfterMs("alice", "10.0.0.9"), 0, "a success starts the count again");
});

test("an address guessing at many names is locked after 20 failures, whichever name it tries next", () => {
  const clock = new ManualClock();
  const t = new SignInThrottle({ clock });
  for (let i = 0; i < 20; i++) t.failed(`user${i}`, "10.0.0.1");
  assert.equal(t.retryAfterMs("anyone", "10.0.0.1"), 30 * S);
  assert.equal(t.retryAfterMs("anyone", "10.0.0.2"), 0);
  t.succeeded("anyone");
  assert.equal(t.retryAfterMs("anyone", "10.0.0.1"), 30 * S, "a success of one name does not clear the address");
  clock.advance(60 * 60 * S);
  assert.equal(t.retryAfterMs("anyone", "10.0.0.1"), 0, "forgotten an hour after the last failure");
});

test("the table stays bounded: the least recently failed keys go first", () => {
  const t = new SignInThrottle({ clock: new ManualClock(), maxEntries: 4, freeFailures: 1 });
  t.failed("old", "a1");
  t.failed("new", "a2");
  t.failed("newer", "a3");
  assert.equal(t.retryAfterMs("old", "x"), 0, "evicted");
  assert.equal(t.retryAfterMs("newer", "x"), 30 * S);
});

// The sign-in form with the throttle in place.
const clock = new ManualClock();
let server: Server;
let base: string;
before(async () => {
  const route = authorizeEndpoint({
    clients: publicClients(() => "http://127.0.0.1"),
    users: { authenticate: async (n, p) => (n === "alice" && p === "right" ? "alice" : undefined) },
    grants: { issueCode: async () => "a-code" },
    clock,
    logger: silentLogger(),
    secureCookies: () => false,
    throttle: new SignInThrottle({ clock }),
  });
  server = createServer((req, res) => void route(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const query = new URLSearchParams({
  response_type: "code",
  client_id: "flytectl",
  redirect_uri: "http://localhost:53593/callback",
  scope: "all",
  state: "st",
  code_challenge: createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url"),
  code_challenge_method: "S256",
});

async function signIn(username: string, password: string): Promise<Response> {
  const page = await fetch(`${base}${AUTHORIZE_PATH}?${query}`);
  const cookie = page.headers.getSetCookie()[0]!.split(";")[0]!;
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(await page.text())![1]!;
  return fetch(`${base}${AUTHORIZE_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ ...Object.fromEntries(query), csrf_token: csrf, username, password }),
    redirect: "manual",
  });
}

test("the form: 401 four times, then 429 with Retry-After, even for the right password; the same for a made-up name", async () => {
  for (const user of ["alice", "nosuchuser"]) {
    const answers: number[] = [];
    for (let i = 0; i < 5; i++) answers.push((await signIn(user, "wrong")).status);
    assert.deepEqual(answers, [401, 401, 401, 401, 429], user);
    const locked = await signIn(user, user === "alice" ? "right" : "wrong");
    assert.equal(locked.status, 429, "locked: even the right password is refused, so it cannot be told apart");
    assert.equal(locked.headers.get("retry-after"), "30");
    assert.match(await locked.text(), /Too many failed sign-ins/);
  }
  clock.advance(30 * S);
  const ok = await signIn("alice", "right");
  assert.equal(ok.status, 303);
  assert.ok(new URL(ok.headers.get("location")!).searchParams.get("code"));
  assert.equal((await signIn("alice", "wrong")).status, 401, "the success reset alice's count");
});

// Cookie-authenticated changes from a hostile origin: the double submit (X-CSRF-Token) or, without it, the source
// origin by the standard headers (Origin, else Referer) must vouch for the request.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { systemClock } from "@aloft/core";
import { COOKIES, cookieCredentials, CSRF_HEADER, type CookieVerdict } from "./browser-session.ts";
import { CookieSealer } from "./cookie-crypto.ts";

const sealer = new CookieSealer({ hashKey: randomBytes(32), blockKey: randomBytes(32) }, systemClock);
const session = sealer.seal(COOKIES.access, { token: "the-access-token", sid: "s1" }, 600);
const csrf = sealer.csrfToken("s1");
const credentials = cookieCredentials(sealer, ["https://console.example:8443", "*"]);

function send(headers: Record<string, string>, changesState = true): CookieVerdict | undefined {
  return credentials(
    new Headers({
      host: "aloft.local:8088",
      cookie: `${COOKIES.access}=${session}; ${COOKIES.csrf}=${csrf}`,
      ...headers,
    }),
    changesState,
  );
}
const accepted = (v: CookieVerdict | undefined) => v !== undefined && "token" in v && v.token === "the-access-token";
function refused(v: CookieVerdict | undefined, why: RegExp) {
  assert.ok(v && "refused" in v, "refused");
  assert.equal(v.unauthenticated, false, "a forgery is PERMISSION_DENIED (403), not a missing sign-in");
  assert.match(v.refused, why);
}

test("the X-CSRF-Token path: the right token passes whatever the origin; a wrong or empty one never does", () => {
  assert.ok(accepted(send({ [CSRF_HEADER]: csrf })));
  assert.ok(accepted(send({ [CSRF_HEADER]: csrf, origin: "http://aloft.local:8088" })));
  for (const bad of ["forged", "", sealer.csrfToken("another-session")]) {
    refused(send({ [CSRF_HEADER]: bad }), /X-CSRF-Token/);
    // A present but wrong token is not rescued by a trusted origin.
    refused(send({ [CSRF_HEADER]: bad, origin: "http://aloft.local:8088" }), /X-CSRF-Token/);
  }
});

test("without the token: this server's own origin and an allowed origin pass, by Origin or else by Referer", () => {
  assert.ok(accepted(send({ origin: "http://aloft.local:8088" })));
  assert.ok(accepted(send({ origin: "HTTPS://Console.Example:8443" })));
  assert.ok(accepted(send({ referer: "http://aloft.local:8088/console/projects?x=1" })));
  assert.ok(accepted(send({ referer: "https://console.example:8443/console/" })));
});

// (The scheme is not compared: one port speaks either http or https, so a page of either scheme on this host and port
// is this server's.)
test("without the token: a hostile Origin is refused, even with a trusted Referer", () => {
  for (const origin of [
    "http://evil.example",
    "http://aloft.local:8089", // another port of the same host is another origin
    "http://aloft.local.evil.example:8088",
    "https://console.example", // the allowed origin's host on another port
    "null", // sandboxed iframes, data: URLs
    "http://aloft.local:8088, http://evil.example",
  ]) {
    refused(send({ origin }), /neither this server nor in server.allowedOrigins/);
    refused(send({ origin, referer: "http://aloft.local:8088/" }), /Origin/);
  }
});

test("without the token: a hostile or unusable Referer is refused", () => {
  for (const referer of ["http://evil.example/aloft.local:8088", "about:blank", "/relative/path", "not a url"])
    refused(send({ referer }), /Referer/);
});

test("without the token: neither Origin nor Referer is refused; a '*' in allowedOrigins vouches for no one", () => {
  refused(send({}), /neither an Origin nor a Referer/);
  refused(send({ origin: "http://anything.example" }), /server.allowedOrigins/);
});

test("reads need no proof; no session cookie is no cookie credential; a broken session is unauthenticated", () => {
  assert.ok(accepted(send({ origin: "http://evil.example" }, false)));
  assert.equal(credentials(new Headers({ cookie: "other=1" }), true), undefined);
  const broken = credentials(
    new Headers({ cookie: `${COOKIES.access}=garbage`, origin: "http://aloft.local:8088" }),
    true,
  );
  assert.ok(broken && "refused" in broken && broken.unauthenticated);
});

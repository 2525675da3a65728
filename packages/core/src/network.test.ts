import assert from "node:assert/strict";
import { test } from "node:test";
import { AloftError, Code } from "./errors.ts";
import { loadConfig } from "./config.ts";
import { checkExposure, displayHost, isLoopbackAddress, isLoopbackHost } from "./network.ts";

test("loopback addresses: 127/8, ::1 and their IPv4-mapped forms; nothing else", () => {
  for (const a of ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"])
    assert.equal(isLoopbackAddress(a), true, a);
  for (const a of [
    "",
    undefined,
    "10.0.0.1",
    "0.0.0.0",
    "::",
    "::ffff:10.0.0.1",
    "128.0.0.1",
    "fe80::1",
    "localhost",
    "127.0.0.1.nip.io",
  ]) {
    assert.equal(isLoopbackAddress(a), false, String(a));
  }
  assert.equal(isLoopbackHost("localhost"), true);
  assert.equal(isLoopbackHost("LocalHost"), true);
  assert.equal(isLoopbackHost(""), false);
  assert.equal(isLoopbackHost("0.0.0.0"), false);
});

const config = (server: Record<string, unknown>, auth = false) =>
  loadConfig({ env: {}, overrides: { server, auth: { enabled: auth } } });

test("the default bind is loopback and needs no opt-in", () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.server.host, "127.0.0.1");
  assert.equal(c.server.allowInsecureRemote, false);
  assert.deepEqual(c.server.allowedOrigins, []);
  assert.deepEqual(checkExposure(c), { insecureRemote: false });
  assert.deepEqual(checkExposure(config({ host: "localhost" })), { insecureRemote: false });
  assert.deepEqual(checkExposure(config({ host: "::1" })), { insecureRemote: false });
});

test("a non-loopback bind with auth off is a config error naming the way out; opted in it is flagged; auth on it is fine", () => {
  for (const host of ["0.0.0.0", "::", "", "192.168.1.5", "myhost.example"]) {
    assert.throws(
      () => checkExposure(config({ host })),
      (e: unknown) =>
        e instanceof AloftError &&
        e.code === Code.INVALID_ARGUMENT &&
        /server\.host: refusing to listen/.test(e.message) &&
        /--insecure-remote/.test(e.message),
      host,
    );
    assert.deepEqual(checkExposure(config({ host, allowInsecureRemote: true })), { insecureRemote: true });
    assert.deepEqual(checkExposure(config({ host }, true)), { insecureRemote: false });
  }
  // From the environment, as in a container.
  const fromEnv = loadConfig({ env: { ALOFT_SERVER__HOST: "0.0.0.0", ALOFT_SERVER__ALLOW_INSECURE_REMOTE: "true" } });
  assert.deepEqual(checkExposure(fromEnv), { insecureRemote: true });
});

test("banner host names", () => {
  assert.equal(displayHost("0.0.0.0"), "localhost");
  assert.equal(displayHost("::"), "localhost");
  assert.equal(displayHost("::1"), "[::1]");
  assert.equal(displayHost("127.0.0.1"), "127.0.0.1");
});

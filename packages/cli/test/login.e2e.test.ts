// `aloft login` against Aloft's own authorization server, end to end: the CLI prints the sign-in URL (--no-browser),
// the test plays the browser with plain HTTP requests (the sign-in form, then the redirect to the CLI's loopback
// listener), and the CLI keeps the session in ~/.aloft/tokens (0600). Later commands use it, refresh it when the
// access token has expired (the refresh token rotates), and `aloft logout` revokes it. `aloft login --device` prints a
// verification URI and user code instead; the test approves the code as a signed-in person would, and the CLI, which
// polls, keeps the session the same way.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { approveDevice, startSignInPlatform, type TestPlatform } from "@aloft/testkit";
import { cliRunner } from "./cli-runner.ts";

const cliBin = new URL("../bin/aloft-cli.mjs", import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), "aloft-cli-login-home-"));
const secrets = join(home, "secrets");
let platform: TestPlatform;
const { ok, fails } = cliRunner(() => cliBin, home);
const tokensDir = join(home, ".aloft", "tokens");

before(async () => {
  platform = await startSignInPlatform(secrets, [{ subject: "alice", role: "viewer" }]);
  mkdirSync(join(home, ".aloft"), { recursive: true });
  writeFileSync(join(home, ".aloft", "config.yaml"), `admin:\n  endpoint: ${platform.grpcAddress}\n  insecure: true\n`);
});
after(async () => {
  await platform?.close();
  rmSync(home, { recursive: true, force: true });
});

/** Runs `aloft login --no-browser --callback-port 0`, signs in as the browser would, and returns the CLI's output. */
async function login(user: string, pass: string): Promise<{ code: number; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, NO_COLOR: "1" };
  delete env.ALOFT_ENDPOINT;
  const child = spawn(process.execPath, [cliBin, "login", "--no-browser", "--callback-port", "0", "--timeout", "60"], {
    env,
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /(http:\/\/\S+\/oauth2\/authorize\?\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on("exit", () => reject(new Error(`login exited before printing a URL: ${err}`)));
  });
  const exited = new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? -1)));
  // The browser: the form, then the credentials with its CSRF cookie, then the redirect to the CLI's listener.
  const page = await fetch(url.replace("//localhost:", "//127.0.0.1:"));
  const cookie = page.headers.getSetCookie()[0]!.split(";")[0]!;
  const form = new URLSearchParams();
  for (const m of (await page.text()).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    form.set(m[1]!, m[2]!.replace(/&amp;/g, "&"));
  form.set("username", user);
  form.set("password", pass);
  const posted = await fetch(`${platform.httpUrl}/oauth2/authorize`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: form,
    redirect: "manual",
  });
  if (posted.status === 303) {
    const back = await fetch(posted.headers.get("location")!.replace("//localhost:", "//127.0.0.1:"));
    assert.match(await back.text(), /Signed in/);
  } else {
    child.kill();
  }
  return { code: await exited, out, err };
}

test("without a session: UNAUTHENTICATED; a wrong password leaves none", async () => {
  await fails(1, /unauthenticated/, "get", "project");
  const r = await login("alice", "wrong");
  assert.notEqual(r.code, 0);
  assert.ok(!readdirSync(home, { recursive: true }).some((f) => String(f).includes("login-")));
});

test("aloft login: a session in ~/.aloft/tokens (0600) that later commands use and refresh; logout revokes it", async () => {
  const password = readFileSync(join(secrets, "user-alice.password"), "utf8").trim();
  const r = await login("alice", password);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /signed in to/);
  const [file] = readdirSync(tokensDir).filter((f) => f.startsWith("login-"));
  assert.ok(file);
  const path = join(tokensDir, file);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(tokensDir).mode & 0o777, 0o700);
  assert.match(await ok("get", "project", "-o", "json"), /flytesnacks/);
  // A viewer: the server names what is missing.
  await fails(
    1,
    /permission denied: alice lacks permission "admin"/,
    "create",
    "project",
    "--id",
    "mine",
    "--name",
    "mine",
  );

  // The access token expires: the next command refreshes it, and the refresh token rotates.
  const before = JSON.parse(readFileSync(path, "utf8")) as {
    accessToken: string;
    refreshToken: string;
    expiresAt: number;
  };
  writeFileSync(path, JSON.stringify({ ...before, expiresAt: Date.now() - 1000 }), { mode: 0o600 });
  assert.match(await ok("get", "project", "-o", "json"), /flytesnacks/);
  const renewed = JSON.parse(readFileSync(path, "utf8")) as typeof before;
  assert.notEqual(renewed.refreshToken, before.refreshToken);
  assert.notEqual(renewed.accessToken, before.accessToken);
  assert.ok(renewed.expiresAt > Date.now());
  assert.equal(statSync(path).mode & 0o777, 0o600);

  assert.match(await ok("logout"), /session is revoked/);
  assert.ok(!readdirSync(tokensDir).includes(file));
  const reuse = await fetch(`${platform.httpUrl}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      client_id: "flytectl",
      refresh_token: renewed.refreshToken,
    }),
  });
  assert.equal(((await reuse.json()) as { error: string }).error, "invalid_grant");
  await fails(1, /unauthenticated/, "get", "project");
});

test("aloft login --device: prints the code, polls until a signed-in person approves it, keeps the session (0600)", async () => {
  rmSync(tokensDir, { recursive: true, force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, NO_COLOR: "1" };
  delete env.ALOFT_ENDPOINT;
  const child = spawn(process.execPath, [cliBin, "login", "--device"], { env });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? -1)));
  const printed = await new Promise<{ uri: string; code: string; complete: string }>((resolve, reject) => {
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /open (http:\/\/\S+\/oauth2\/device) in a browser and enter the code (\S+)\n\s+\(or open (\S+)\)/.exec(
        err,
      );
      if (m) resolve({ uri: m[1]!, code: m[2]!, complete: m[3]! });
    });
    child.on("exit", () => reject(new Error(`login --device exited before printing a code: ${err}`)));
  });
  assert.match(printed.code, /^[A-Z]{4}-[A-Z]{4}$/);
  const password = readFileSync(join(secrets, "user-alice.password"), "utf8").trim();
  // The person types the code on the plain verification page.
  const decided = await approveDevice({
    httpUrl: platform.httpUrl,
    verificationUrl: printed.uri,
    userCode: printed.code.toLowerCase(),
    user: "alice",
    password,
  });
  assert.equal(decided.status, 200, decided.page);
  assert.equal(decided.confirmations, 1, "a typed code is approved after the page showed who asks");
  assert.equal(await exited, 0, err);
  assert.match(out, /signed in to/);
  const [file] = readdirSync(tokensDir).filter((f) => f.startsWith("login-"));
  assert.ok(file);
  assert.equal(statSync(join(tokensDir, file)).mode & 0o777, 0o600);
  assert.match(await ok("get", "project", "-o", "json"), /flytesnacks/);
  assert.match(await ok("logout"), /session is revoked/);
});

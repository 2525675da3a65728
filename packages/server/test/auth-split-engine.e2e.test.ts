// `aloft admin` and `aloft engine` as two processes with auth on and 2-second access tokens: the engine authenticates
// with client credentials (flytepropeller's secret from `aloft secret init`), renews its token as it expires, and a
// workflow that outlives several tokens completes. Nothing secret appears in either process's logs, including a console
// sign-in and a device flow (RFC 8628) sign-in.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ConnectError, Code } from "@connectrpc/connect";
import { createAloftClient } from "@aloft/client";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import {
  approveDevice,
  CookieJar,
  id,
  intLiteral,
  intOf,
  promise,
  registerWorkflow,
  shellTask,
  startAdminAndEngine,
  taskNode,
  waitForEnd,
} from "@aloft/testkit";

const bin = new URL("../bin/aloft.mjs", import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), "aloft-auth-split-"));
const secrets = join(dataDir, "secrets");
const children: ChildProcess[] = [];
const logs: string[] = [];
after(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

const env = {
  ...process.env,
  ALOFT_LOGGING__LEVEL: "info",
  ALOFT_AUTH__ENABLED: "true",
  ALOFT_AUTH__SELF__ACCESS_TOKEN_LIFETIME_SECONDS: "2",
  ALOFT_AUTH__ROLES__BINDINGS: JSON.stringify([{ subject: "ci-bot", role: "admin" }]),
};

function run(args: string[], ready: RegExp): Promise<RegExpMatchArray> {
  const child = spawn(process.execPath, [bin, ...args, "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  children.push(child);
  const i = logs.push("") - 1;
  child.stderr!.on("data", (d: Buffer) => (logs[i] += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      logs[i] += d.toString();
      const m = logs[i]!.match(ready);
      if (m) resolve(m);
    });
    child.once("exit", (code) => reject(new Error(`aloft ${args[0]} exited ${code}: ${logs[i]}`)));
  });
}

test("the engine authenticates, renews its token across expiry, and a workflow completes", async () => {
  const init = spawnSync(
    process.execPath,
    [bin, "secret", "init", "--client", "ci-bot", "--user", "alice", "--data-dir", dataDir],
    { encoding: "utf8", env },
  );
  assert.equal(init.status, 0, init.stderr);
  for (const f of [
    "token-signing-key.pem",
    "flytepropeller.secret",
    "flytepropeller.secret-hash",
    "ci-bot.secret",
    "cookie-hash-key",
    "cookie-block-key",
  ]) {
    assert.equal(statSync(join(secrets, f)).mode & 0o777, 0o600, f);
  }
  const { grpcPort, httpPort } = await startAdminAndEngine(run, ["--metrics-port", "0"]);

  // Without credentials nothing works; with them (discovered token endpoint, client_secret_basic) everything does.
  const anonymous = createAloftClient({ endpoint: `127.0.0.1:${grpcPort}`, insecure: true, retry: { maxAttempts: 1 } });
  await assert.rejects(anonymous.listProjects({}), (e: unknown) => ConnectError.from(e).code === Code.Unauthenticated);
  anonymous.close();
  const ciSecret = readFileSync(join(secrets, "ci-bot.secret"), "utf8").trim();
  const admin = createAloftClient({
    endpoint: `127.0.0.1:${grpcPort}`,
    insecure: true,
    clientCredentials: { clientId: "ci-bot", clientSecret: ciSecret },
  });
  const P = "flytesnacks";
  const D = "development";
  const slow = shellTask(
    id(ResourceType.TASK, P, D, "slow-double", "v1"),
    ["a"],
    ["o"],
    'sleep 2.5; echo "$(( $(cat /var/inputs/a) * 2 ))" > /var/outputs/o',
  );
  const lp = await registerWorkflow(admin.admin, {
    project: P,
    domain: D,
    name: "slow",
    version: "v1",
    tasks: [slow],
    inputs: ["x"],
    nodes: [
      taskNode("n0", slow.id!, { a: promise("start-node", "x") }),
      taskNode("n1", slow.id!, { a: promise("n0", "o") }, ["n0"]),
    ],
    outputs: { y: promise("n1", "o") },
  });
  const { id: exec } = await admin.createExecution({
    project: P,
    domain: D,
    spec: { launchPlan: lp },
    inputs: { literals: { x: intLiteral(5) } },
  });
  const done = await waitForEnd(admin.admin, exec!);
  assert.equal(WorkflowExecution_Phase[done.closure!.phase], "SUCCEEDED");
  assert.equal(intOf((await admin.getExecutionData({ id: exec })).fullOutputs, "y"), 20);
  assert.equal((await admin.getExecution({ id: exec })).spec?.metadata?.principal, "ci-bot");
  admin.close();

  // A person signs in (the console's flow: form, code, cookies), renews and signs out: what passes by is noted.
  const seen = await browserSession(
    `http://127.0.0.1:${httpPort}`,
    "alice",
    readFileSync(join(secrets, "user-alice.password"), "utf8").trim(),
  );
  // A device signs in too (device and user codes, tokens): noted as well.
  seen.push(
    ...(await deviceSession(
      `http://127.0.0.1:${httpPort}`,
      "alice",
      readFileSync(join(secrets, "user-alice.password"), "utf8").trim(),
    )),
  );

  const adminLog = logs[0]!;
  // Every change is audited with who made it.
  assert.match(
    adminLog,
    /"subject":"ci-bot","method":"CreateExecution","project":"flytesnacks","domain":"development".*"msg":"audit"/,
  );
  const engineTokens = adminLog
    .split("\n")
    .filter((l) => l.includes("issued an access token") && l.includes('"clientId":"flytepropeller"')).length;
  assert.ok(engineTokens >= 3, `the engine fetched ${engineTokens} token(s) in a run longer than 2 lifetimes`);
  // No secret and no token in any log line of either process.
  const everything = logs.join("\n");
  for (const f of [
    "flytepropeller.secret",
    "ci-bot.secret",
    "cookie-hash-key",
    "cookie-block-key",
    "user-alice.password",
  ]) {
    assert.ok(!everything.includes(readFileSync(join(secrets, f), "utf8").trim()), `${f} leaked into the logs`);
  }
  assert.ok(adminLog.includes('"user":"alice"'), "the sign-in is logged (by name)");
  for (const [what, value] of seen) assert.ok(!everything.includes(value), `${what} leaked into the logs`);
  assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\.eyJ/.test(everything), "a JWT leaked into the logs");
  assert.ok(!everything.includes("BEGIN PRIVATE KEY"));
});

/** The console's sign-in, a cookie-authenticated call, a renewal and a sign-out; returns every code, token and cookie value seen. */
async function browserSession(base: string, user: string, password: string): Promise<Array<[string, string]>> {
  const seen: Array<[string, string]> = [];
  const jar = new CookieJar();
  const take = (res: Response) => {
    for (const [name, value] of jar.take(res)) if (value.length > 8) seen.push([`cookie ${name}`, value]);
  };
  const cookie = () => jar.header();
  const login = await fetch(`${base}/login`, { redirect: "manual" });
  take(login);
  const page = await fetch(login.headers.get("location")!.replace("//localhost:", "//127.0.0.1:"), {
    headers: { cookie: cookie() },
  });
  take(page);
  const form = new URLSearchParams();
  for (const m of (await page.text()).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    form.set(m[1]!, m[2]!.replace(/&amp;/g, "&"));
  form.set("username", user);
  form.set("password", password);
  const posted = await fetch(`${base}/oauth2/authorize`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
    body: form,
    redirect: "manual",
  });
  assert.equal(posted.status, 303);
  const cb = new URL(posted.headers.get("location")!);
  seen.push(["authorization code", cb.searchParams.get("code")!]);
  const done = await fetch(`${base}/callback${cb.search}`, { headers: { cookie: cookie() }, redirect: "manual" });
  assert.equal(done.status, 302);
  take(done);
  const me = await fetch(`${base}/me`, { headers: { cookie: cookie() } });
  assert.equal(((await me.json()) as { subject: string }).subject, user);
  const renew = await fetch(`${base}/login`, { headers: { cookie: cookie() }, redirect: "manual" });
  take(renew);
  const out = await fetch(`${base}/logout`, { headers: { cookie: cookie() } });
  assert.equal(out.status, 200);
  return seen;
}

/** A device authorization (RFC 8628) approved by `user` and redeemed once; returns its codes and tokens. */
async function deviceSession(base: string, user: string, password: string): Promise<Array<[string, string]>> {
  const post = async (path: string, form: Record<string, string>) =>
    (await (
      await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form),
      })
    ).json()) as Record<string, string>;
  const d = await post("/oauth2/device_authorization", { client_id: "flytectl" });
  const decided = await approveDevice({ httpUrl: base, verificationUrl: d.verification_uri_complete!, user, password });
  assert.equal(decided.status, 200, decided.page);
  const t = await post("/oauth2/token", {
    grant_type: "urn:ietf:params:oauth:grant-type:device_code",
    device_code: d.device_code!,
    client_id: "flytectl",
  });
  assert.equal(typeof t.access_token, "string", JSON.stringify(t));
  return [
    ["device code", d.device_code!],
    ["user code", d.user_code!],
    ["device access token", t.access_token!],
    ["device refresh token", t.refresh_token!],
  ];
}

// The real flytekit (../shared/clients/flytekit) signing in to Aloft's own authorization server with the device flow
// (`authType: DeviceFlow`): it reads AuthMetadataService (device_authorization_endpoint), prints the verification URL
// with the user code, and polls; the test plays the person, signing in over HTTP and approving each code flytekit
// prints; then `pyflyte register --copy none` registers with that person's token (a contributor on flytesnacks). That
// the token carries the approver's identity is shown in auth-device.e2e.test.ts. Without python3/flytekit it is skipped
// loudly; under CI=true it fails.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  approveDevice,
  findFlytekit,
  pyflyteRegisterArgs,
  startSignInPlatform,
  type TestPlatform,
} from "@aloft/testkit";

const HERE = join(import.meta.dirname, "flytekit-auth");
const flytekit = findFlytekit();

/** Runs pyflyte, approving as `user` every device code it prints; resolves with its exit code and output. */
function pyflyteApproving(
  platform: TestPlatform,
  args: string[],
  user: string,
  password: string,
): Promise<{ code: number | null; out: string; approvals: number[] }> {
  if ("skip" in flytekit) throw new Error(flytekit.skip);
  const env = { ...process.env, ...flytekit.taskEnvironment(), PYTHONPATH: `${HERE}:${join(flytekit.dir, "site")}` };
  return new Promise((resolve, reject) => {
    const child = spawn(join(flytekit.dir, "bin", "pyflyte"), args, {
      cwd: HERE,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const seen = new Set<string>();
    const approvals: Promise<number>[] = [];
    const onData = (d: Buffer) => {
      out += d.toString();
      for (const m of out.matchAll(/(http:\/\/\S+\/oauth2\/device\?user_code=[A-Z-]+)/g)) {
        if (seen.has(m[1]!)) continue;
        seen.add(m[1]!);
        approvals.push(
          approveDevice({ httpUrl: platform.httpUrl, verificationUrl: m[1]!, user, password }).then((r) => r.status),
        );
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", async (code) => {
      clearTimeout(timer);
      resolve({ code, out, approvals: await Promise.all(approvals) });
    });
  });
}

describe("flytekit with the device flow", { skip: "skip" in flytekit ? flytekit.skip : false }, () => {
  const dir = mkdtempSync(join(tmpdir(), "aloft-flytekit-device-"));
  const secrets = join(dir, "secrets");
  let platform: TestPlatform;
  let config: string;
  const password = (user: string) => readFileSync(join(secrets, `user-${user}.password`), "utf8").trim();

  before(async () => {
    platform = await startSignInPlatform(secrets, [{ subject: "alice", role: "contributor", project: "flytesnacks" }]);
    config = join(dir, "config.yaml");
    writeFileSync(
      config,
      `admin:\n  endpoint: dns:///${platform.grpcAddress}\n  insecure: true\n  authType: DeviceFlow\n`,
    );
  });
  after(async () => {
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const register = (version: string) => pyflyteRegisterArgs(config, version, "auth_wf.py");

  test("pyflyte register after a person approves the device code: registers with that person's token", async () => {
    const version = `device-${Date.now().toString(36)}`;
    const r = await pyflyteApproving(platform, register(version), "alice", password("alice"));
    assert.equal(r.code, 0, r.out.slice(-4000));
    assert.ok(r.approvals.length >= 1, "flytekit printed a verification URL with a user code");
    assert.ok(
      r.approvals.every((s) => s === 200),
      `approvals: ${r.approvals.join(", ")}`,
    );
    assert.match(r.out, /Authentication successful/);
    // The task is there (read with the engine's client-credentials token, minted by the same server).
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: "flytepropeller",
      client_secret: readFileSync(join(secrets, "flytepropeller.secret"), "utf8").trim(),
    });
    const minted = await fetch(`${platform.httpUrl}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
    const { access_token } = (await minted.json()) as { access_token: string };
    const task = await fetch(`${platform.httpUrl}/api/v1/tasks/flytesnacks/development/auth_wf.add/${version}`, {
      headers: { authorization: `Bearer ${access_token}`, accept: "application/json" },
    });
    assert.equal(task.status, 200, await task.clone().text());
  });
});

// The real flytekit (../shared/clients/flytekit) against Aloft with auth on: `authType: ClientSecret` makes it read
// AuthMetadataService over gRPC, get a token from Aloft's token endpoint (client_secret_basic) and send it as
// `flyte-authorization`; `pyflyte register --copy none` registers, FlyteRemote launches and waits, and the execution
// records flytekit's client as its principal. Without python3/flytekit it is skipped loudly; under CI=true it fails.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { initSecrets } from "@aloft/admin";
import { pyflyteRegisterArgs, startTestPlatform, type TestPlatform } from "@aloft/testkit";

const REPO = resolve(import.meta.dirname, "../../..");
const FLYTEKIT = process.env.ALOFT_FLYTEKIT_DIR ?? resolve(REPO, "../shared/clients/flytekit");
const FLYTEKIT_BIN = join(FLYTEKIT, "bin");
const PYTHON = process.env.ALOFT_FLYTEKIT_PYTHON ?? "/usr/bin/python3";
const HERE = join(import.meta.dirname, "flytekit-auth");

function pythonEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${FLYTEKIT_BIN}:${process.env.PATH ?? ""}`,
    PYTHONPATH: `${HERE}:${join(FLYTEKIT, "site")}`,
    PYTHON_KEYRING_BACKEND: "keyring.backends.null.Keyring",
    FLYTE_SDK_RICH_TRACEBACKS: "0",
  };
}

function availability(): string | false {
  let reason: string | undefined;
  if (!existsSync(join(FLYTEKIT_BIN, "pyflyte"))) reason = `flytekit is not at ${FLYTEKIT} (set ALOFT_FLYTEKIT_DIR)`;
  else if (!existsSync(PYTHON))
    reason = `${PYTHON} is missing (apt-get install python3 and ${FLYTEKIT}/debian-packages.txt)`;
  else {
    const probe = spawnSync(PYTHON, ["-c", "import flytekit, grpc, google.protobuf, requests"], {
      env: pythonEnv(),
      encoding: "utf8",
      timeout: 60_000,
    });
    if (probe.status !== 0)
      reason = `flytekit cannot be imported by ${PYTHON}: ${probe.stderr.trim().split("\n").pop() ?? ""}`;
  }
  if (reason === undefined) return false;
  if (process.env.CI) throw new Error(`CI requires flytekit for the auth suite: ${reason}`);
  process.stderr.write(`\n!!! WARNING: ${reason}\n!!! The flytekit client-credentials test is SKIPPED.\n\n`);
  return reason;
}

function run(
  cmd: string,
  args: string[],
  timeoutMs = 180_000,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: HERE, env: pythonEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", rej);
    child.on("close", (code) => {
      clearTimeout(timer);
      res({ code, out, err });
    });
  });
}

const explain = (what: string, r: { code: number | null; out: string; err: string }) =>
  `${what} exited ${r.code}\n${r.out.slice(-3000)}\n${r.err.slice(-3000)}`;

describe("flytekit with client credentials", { skip: availability() }, () => {
  const dir = mkdtempSync(join(tmpdir(), "aloft-flytekit-auth-"));
  const secrets = join(dir, "secrets");
  const version = `auth-${Date.now().toString(36)}`;
  let platform: TestPlatform;
  let config: string;
  const savedPath = process.env.PATH;
  const savedPythonPath = process.env.PYTHONPATH;

  before(async () => {
    await initSecrets({ dir: secrets, clients: ["flytekit-bot"] });
    // Tasks run as host processes that inherit this environment: they need pyflyte-execute and the module.
    process.env.PATH = pythonEnv().PATH;
    process.env.PYTHONPATH = pythonEnv().PYTHONPATH;
    platform = await startTestPlatform({
      engine: true,
      overrides: {
        auth: {
          enabled: true,
          secretsDir: secrets,
          roles: { bindings: [{ subject: "flytekit-bot", role: "contributor", project: "flytesnacks" }] },
        },
      },
    });
    config = join(dir, "config.yaml");
    writeFileSync(
      config,
      `admin:\n  endpoint: dns:///${platform.grpcAddress}\n  insecure: true\n  authType: ClientSecret\n  clientId: flytekit-bot\n  clientSecretLocation: ${join(secrets, "flytekit-bot.secret")}\n`,
    );
  });
  after(async () => {
    process.env.PATH = savedPath;
    if (savedPythonPath === undefined) delete process.env.PYTHONPATH;
    else process.env.PYTHONPATH = savedPythonPath;
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("with a wrong secret flytekit is refused by the token endpoint", async () => {
    const wrong = join(dir, "wrong.yaml");
    writeFileSync(join(dir, "wrong.secret"), "not-the-secret\n");
    writeFileSync(
      wrong,
      `admin:\n  endpoint: dns:///${platform.grpcAddress}\n  insecure: true\n  authType: ClientSecret\n  clientId: flytekit-bot\n  clientSecretLocation: ${join(dir, "wrong.secret")}\n`,
    );
    const r = await run(
      join(FLYTEKIT_BIN, "pyflyte"),
      pyflyteRegisterArgs(wrong, `${version}-wrong`, "auth_wf.py"),
      90_000,
    );
    assert.notEqual(r.code, 0, explain("pyflyte register with a wrong secret", r));
    assert.match(r.out + r.err, /invalid_client|401/);
  });

  test("pyflyte register --copy none, then FlyteRemote runs the workflow", async () => {
    const reg = await run(join(FLYTEKIT_BIN, "pyflyte"), pyflyteRegisterArgs(config, version, "auth_wf.py"));
    assert.equal(reg.code, 0, explain("pyflyte register", reg));
    const r = await run(PYTHON, [join(HERE, "remote_run.py"), config, version]);
    assert.equal(r.code, 0, explain("remote_run.py", r));
    const report = JSON.parse(r.out.trim().split("\n").pop()!) as {
      name: string;
      phase: number;
      outputs: Record<string, number> | null;
    };
    assert.deepEqual(report.outputs, { o0: 11 });
    // The execution names flytekit's client as its principal (read with an admin token minted by the same server).
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: "flytepropeller",
      client_secret: (await import("node:fs")).readFileSync(join(secrets, "flytepropeller.secret"), "utf8").trim(),
    });
    const tok = (
      (await (
        await fetch(`${platform.httpUrl}/oauth2/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: form,
        })
      ).json()) as { access_token: string }
    ).access_token;
    const auth: Interceptor = (next) => (req) => {
      req.header.set("authorization", `Bearer ${tok}`);
      return next(req);
    };
    const admin = createClient(
      AdminService,
      createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}`, interceptors: [auth] }),
    );
    const exec = await admin.getExecution({ id: { project: "flytesnacks", domain: "development", name: report.name } });
    assert.equal(exec.spec?.metadata?.principal, "flytekit-bot");
  });
});

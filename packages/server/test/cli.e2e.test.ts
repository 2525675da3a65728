// The `aloft` server commands as a user runs them: migrate, seed, start, SIGTERM, bad configuration.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

const bin = new URL("../bin/aloft.mjs", import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), "aloft-cli-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function aloft(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("migrate run is idempotent, seed-projects inserts only what is missing, rollback undoes the last", () => {
  const first = aloft(["migrate", "run", "--data-dir", dataDir]);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /applied: 0001-projects/);
  const again = aloft(["migrate", "run", "--data-dir", dataDir]);
  assert.equal(again.out.trim(), "database is up to date");
  assert.match(aloft(["migrate", "seed-projects", "alpha", "beta", "--data-dir", dataDir]).out, /created: alpha, beta/);
  assert.match(aloft(["migrate", "seed-projects", "alpha", "--data-dir", dataDir]).out, /all projects already exist/);
});

test("start serves both ports, seeds flytesnacks and stops cleanly on SIGTERM", async () => {
  const child = spawn(process.execPath, [bin, "start", "--data-dir", dataDir, "--http-port", "0", "--grpc-port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const ports = await new Promise<{ http: number; grpc: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 30_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/gRPC\s+\S+:(\d+)[\s\S]*HTTP\s+http:\/\/[^:]+:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ grpc: Number(m[1]), http: Number(m[2]) });
      }
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  // The banner says where it listens: loopback by default.
  assert.match(out, /listens\s+127\.0\.0\.1 \(this machine only\)/);
  const res = await fetch(`http://127.0.0.1:${ports.http}/api/v1/projects`, {
    headers: { accept: "application/json" },
  });
  const ids = ((await res.json()) as { projects: Array<{ id: string }> }).projects.map((p) => p.id);
  assert.deepEqual(ids, ["alpha", "beta", "flytesnacks"]);
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  assert.equal(await exit, 0);
});

test("rollback removes the last migration", () => {
  const r = aloft(["migrate", "rollback", "--data-dir", dataDir]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /rolled back: \d{4}-/);
});

test("bad configuration stops with the key and the reason, exit code 2", () => {
  const r = aloft(["start", "--data-dir", dataDir], { ALOFT_SERVER__HTTP_PORT: "eighty" });
  assert.equal(r.code, 2);
  assert.match(r.err, /server\.httpPort: expected a number/);
});

test("a non-loopback --host without auth or --insecure-remote is refused with the way out, exit code 2", () => {
  for (const [args, env] of [
    [["--host", "0.0.0.0"], {}],
    [[], { ALOFT_SERVER__HOST: "::" }],
  ] as const) {
    const r = aloft(["start", "--data-dir", dataDir, "--http-port", "0", "--grpc-port", "0", ...args], env);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /server\.host: refusing to listen on (0\.0\.0\.0|::) with authentication off/);
    assert.match(r.err, /--insecure-remote/);
    assert.equal(r.out, "");
  }
});

test("--insecure-remote starts on all interfaces and says so loudly", async () => {
  const child = spawn(
    process.execPath,
    [
      bin,
      "admin",
      "--data-dir",
      dataDir,
      "--http-port",
      "0",
      "--grpc-port",
      "0",
      "--host",
      "0.0.0.0",
      "--insecure-remote",
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 30_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (/WARNING/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}${err}`)));
  });
  assert.match(out, /listens\s+0\.0\.0\.0 \(the network\)/);
  assert.match(out, /WARNING\s+reachable from the network with authentication off/);
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  assert.equal(await exit, 0);
  // The structured log carries the warning too (pino level 40).
  assert.match(out + err, /"level":40[^\n]*authentication OFF/);
});

// Oversized requests (issue 9 row 2): a 100 MiB RegisterProject over gRPC (fast path, and the connect-node path a
// compressed request takes) and over the HTTP gateway is refused while it streams in — RESOURCE_EXHAUSTED on gRPC as
// grpc-go says it, 413 on HTTP — without buffering it: the server stays alive and its memory stays bounded.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { adminClient, grpc, unary, type GrpcJsClient } from "@aloft/testkit";

const bin = new URL("../bin/aloft.mjs", import.meta.url).pathname;

/** `aloft admin` in its own process, so that its memory is measured apart from this test's clients. */
function startAdminProcess(dataDir: string): Promise<{ child: ChildProcess; grpc: number; http: number }> {
  const child = spawn(process.execPath, [bin, "admin", "--data-dir", dataDir, "--http-port", "0", "--grpc-port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ALOFT_LOGGING__LEVEL: "warn", ALOFT_SERVER__HOST: "127.0.0.1" },
  });
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const g = out.match(/gRPC\s+\S+:(\d+)/);
      const h = out.match(/HTTP\s+http:\/\/[^:]+:(\d+)/);
      if (g && h) resolve({ child, grpc: Number(g[1]), http: Number(h[1]) });
    });
    child.once("exit", (code) => reject(new Error(`aloft exited ${code}: ${out}`)));
  });
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) * 1024;
}

const MiB = 1024 * 1024;
const HUGE = 100 * MiB;

/** The server's resident memory must stay within this of where it started (buffering one 100 MiB body costs more). */
const RSS_BOUND = 100 * MiB;

function projectRequest(description: string) {
  return { project: { id: "huge", name: "huge", description } };
}

/** Streams a `size`-byte JSON body to the gateway in 1 MiB chunks; resolves with the status (the upload may be cut short). */
function postHuge(url: string, size: number, declareLength = true): Promise<{ status: number; body: string }> {
  const prefix = '{"project":{"id":"huge","name":"huge","description":"';
  const suffix = '"}}';
  const chunk = Buffer.alloc(MiB, "a");
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/api/v1/projects`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(declareLength ? { "content-length": String(size) } : {}) },
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    // The server may close the connection once it has answered; writes after that fail, which is the point.
    req.on("error", (err) => reject(err));
    let sent = 0;
    const pump = () => {
      if (sent === 0) {
        req.write(prefix);
        sent += prefix.length;
      }
      while (sent < size - suffix.length) {
        const n = Math.min(chunk.length, size - suffix.length - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once("drain", pump);
        if (req.destroyed) return;
      }
      req.end(suffix);
    };
    pump();
  });
}

describe("oversized requests are refused while streaming", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "aloft-msgsize-"));
  let server: { child: ChildProcess; grpc: number; http: number };
  let grpcAddress: string;
  let httpUrl: string;
  let client: GrpcJsClient;
  let rss0: number;
  before(async () => {
    server = await startAdminProcess(dataDir);
    grpcAddress = `127.0.0.1:${server.grpc}`;
    httpUrl = `http://127.0.0.1:${server.http}`;
    client = adminClient(grpcAddress);
    await unary(client, "ListProjects", {});
    rss0 = rssOf(server.child.pid!);
  });
  after(async () => {
    client?.close();
    if (server && server.child.exitCode === null) {
      await new Promise<void>((r) => {
        server.child.once("exit", () => r());
        server.child.kill("SIGKILL");
      });
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  const alive = async () => {
    const res = await unary<{ projects: unknown[] }>(client, "ListProjects", {});
    assert.ok(Array.isArray(res.projects));
  };

  test("gRPC fast path: 100 MiB RegisterProject → RESOURCE_EXHAUSTED, server alive", async () => {
    await assert.rejects(
      unary(client, "RegisterProject", projectRequest("a".repeat(HUGE))),
      (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED, err.message);
        assert.match(err.details, /larger than max/);
        return true;
      },
    );
    await alive();
  });

  test("gRPC connect-node path (gzip request): 100 MiB decompressed → RESOURCE_EXHAUSTED, server alive", async () => {
    const gz = adminClient(grpcAddress, { "grpc.default_compression_algorithm": 2 });
    try {
      await assert.rejects(unary(gz, "RegisterProject", projectRequest("a".repeat(HUGE))), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED, err.message);
        return true;
      });
      // A small compressed call still works on that path.
      await unary(gz, "ListProjects", {});
    } finally {
      gz.close();
    }
    await alive();
  });

  test("a message under the limit still works", async () => {
    await unary(client, "RegisterProject", { project: { id: "fits", name: "fits", description: "d".repeat(200) } });
    await alive();
  });

  test("HTTP gateway: a 100 MiB body → 413 before it is read, server alive", async () => {
    const res = await postHuge(httpUrl, HUGE);
    assert.equal(res.status, 413, res.body);
    assert.match(res.body, /larger than the limit/);
    const list = await fetch(`${httpUrl}/api/v1/projects`);
    assert.equal(list.status, 200);
  });

  test("HTTP gateway: a 100 MiB chunked body (no Content-Length) → 413 at the chunk that crosses the limit", async () => {
    const res = await postHuge(httpUrl, HUGE, false);
    assert.equal(res.status, 413, res.body);
    const list = await fetch(`${httpUrl}/api/v1/projects`);
    assert.equal(list.status, 200);
  });

  test("memory stays bounded after the refusals", async () => {
    // Several more rounds: nothing is retained or buffered per request.
    for (let i = 0; i < 3; i++) {
      await assert.rejects(unary(client, "RegisterProject", projectRequest("b".repeat(HUGE))));
      await postHuge(httpUrl, HUGE).catch(() => undefined);
      await postHuge(httpUrl, HUGE, false).catch(() => undefined);
    }
    await alive();
    assert.equal(server.child.exitCode, null, "the server died");
    const grown = rssOf(server.child.pid!) - rss0;
    assert.ok(grown < RSS_BOUND, `the server's RSS grew by ${Math.round(grown / MiB)} MiB`);
  });
});

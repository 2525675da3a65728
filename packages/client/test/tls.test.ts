// TLS for both transports against servers with a self-signed certificate made for the run (openssl): trusted through
// `tls.ca`, rejected without it (UNAVAILABLE), accepted with `insecureSkipVerify`. Also shows that the auth hook's
// header and the request id reach the server.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, type ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ProjectSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { bearerToken } from "../src/auth.ts";
import { createAloftClient, type AloftClientOptions } from "../src/client.ts";

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("TLS", { skip: hasOpenssl() ? false : "openssl is not installed" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "aloft-tls-"));
  let cert: Buffer;
  let grpcServer: http2.Http2SecureServer;
  let httpServer: https.Server;
  const seen: Array<{ auth: string | undefined; requestId: string | undefined }> = [];

  before(async () => {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    cert = readFileSync(join(dir, "cert.pem"));
    const key = readFileSync(join(dir, "key.pem"));
    const adapter = connectNodeAdapter({
      routes: (router) =>
        router.service(AdminService, {
          getProject: (req, ctx) => {
            seen.push({
              auth: ctx.requestHeader.get("authorization") ?? undefined,
              requestId: ctx.requestHeader.get("x-request-id") ?? undefined,
            });
            return create(ProjectSchema, { id: req.id, name: `grpc ${req.id}` });
          },
        }),
    });
    grpcServer = http2.createSecureServer({ cert, key }, adapter);
    httpServer = https.createServer({ cert, key }, (req, res) => {
      seen.push({ auth: req.headers.authorization, requestId: req.headers["x-request-id"] as string | undefined });
      const id = decodeURIComponent(req.url?.split("/").pop() ?? "");
      res
        .writeHead(200, { "content-type": "application/octet-stream" })
        .end(toBinary(ProjectSchema, create(ProjectSchema, { id, name: `http ${id}` })));
    });
    await Promise.all(
      [grpcServer, httpServer].map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()))),
    );
  });
  after(() => {
    grpcServer?.close();
    httpServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const endpoint = (protocol: "grpc" | "http") =>
    `localhost:${((protocol === "grpc" ? grpcServer : httpServer).address() as AddressInfo).port}`;
  const open = (protocol: "grpc" | "http", o: AloftClientOptions) =>
    createAloftClient({ endpoint: endpoint(protocol), insecure: false, protocol, retry: { maxAttempts: 1 }, ...o });

  for (const protocol of ["grpc", "http"] as const) {
    test(`${protocol}: trusted via tls.ca; rejected without it; insecureSkipVerify`, async () => {
      const trusted = open(protocol, {
        tls: { ca: cert },
        auth: bearerToken(async () => "t0k"),
        requestId: () => "rid-1",
      });
      try {
        assert.equal((await trusted.getProject({ id: "x" })).name, `${protocol} x`);
        assert.deepEqual(seen.at(-1), { auth: "Bearer t0k", requestId: "rid-1" });
      } finally {
        trusted.close();
      }
      const untrusted = open(protocol, {});
      try {
        // connect reports the failed handshake as INTERNAL, the gateway transport as UNAVAILABLE; both say why.
        await assert.rejects(
          untrusted.getProject({ id: "x" }),
          (e: ConnectError) =>
            [Code.Internal, Code.Unavailable].includes(e.code) && /self-signed certificate/.test(e.message),
        );
      } finally {
        untrusted.close();
      }
      const skip = open(protocol, { tls: { insecureSkipVerify: true } });
      try {
        assert.equal((await skip.getProject({ id: "y" })).name, `${protocol} y`);
      } finally {
        skip.close();
      }
    });
  }
});

// gRPC connection limits (issue 9 row 10): a client cannot hold more than the configured number of streams open on
// one connection, a stream whose request never finishes is reset after the idle timeout, and a connection with no
// stream left is closed after it — so thousands of half-open streams cannot pile up.
import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { GetVersionResponseSchema } from "@aloft/idl/flyteidl/admin/version_pb.js";
import { silentLogger } from "@aloft/core";
import { adminClient, unary } from "@aloft/testkit";
import { bind } from "../rpc.ts";
import { startGrpcServer, type RunningGrpcServer } from "./grpc-server.ts";

const binding = bind(AdminService, { getVersion: async () => create(GetVersionResponseSchema, {}) });

/** Resolves when `emitter` emits `event`, or rejects after a generous bound (a hang, not a timing assertion). */
function once(emitter: NodeJS.EventEmitter, event: string, boundMs = 20_000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${boundMs} ms`)), boundMs);
    emitter.once(event, (...args: unknown[]) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

const halfOpen = (session: http2.ClientHttp2Session) => {
  const s = session.request(
    { ":method": "POST", ":path": "/flyteidl.service.AdminService/GetVersion", "content-type": "application/grpc" },
    { endStream: false },
  );
  s.on("error", () => {});
  s.write(Buffer.from([0, 0, 0, 0, 10])); // an envelope announcing 10 bytes that never come
  return s;
};

for (const fastPath of [true, false]) {
  describe(`gRPC stream limits and idle timeouts (${fastPath ? "fast path" : "connect-node"})`, () => {
    let server: RunningGrpcServer;
    before(async () => {
      server = await startGrpcServer({
        host: "127.0.0.1",
        port: 0,
        bindings: [binding],
        middleware: [],
        routerHooks: [],
        logger: silentLogger(),
        fastPath,
        maxConcurrentStreams: 5,
        idleTimeoutMs: 300,
      });
    });
    after(async () => server?.close());

    test("the server announces its stream limit (nghttp2 refuses streams over it with REFUSED_STREAM)", async () => {
      const session = http2.connect(`http://127.0.0.1:${server.port}`);
      session.on("error", () => {});
      try {
        await once(session, "remoteSettings");
        assert.equal(session.remoteSettings.maxConcurrentStreams, 5);
      } finally {
        session.destroy();
      }
    });

    test("a half-open stream is reset after the idle timeout, then the idle connection is closed", async () => {
      const session = http2.connect(`http://127.0.0.1:${server.port}`);
      session.on("error", () => {});
      const s = halfOpen(session);
      await once(s, "close");
      assert.equal(s.rstCode, http2.constants.NGHTTP2_CANCEL);
      await once(session, "close");
    });

    test("ordinary calls are unaffected", async () => {
      const client = adminClient(`127.0.0.1:${server.port}`);
      try {
        for (let i = 0; i < 20; i++) await unary(client, "GetVersion", {});
      } finally {
        client.close();
      }
    });
  });
}

// The gateway's defences against browsers (request-guard.ts, cors.ts), driven over a real socket as a hostile page
// would: CORS grants, foreign-origin writes, body types of writes, and the Host (DNS rebinding) check.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { fromBinary } from "@bufbuild/protobuf";
import { StatusSchema } from "@aloft/idl/google/rpc/status_pb.js";
import { startTestServer, type TestServer } from "./gateway-test-kit.ts";

const CONSOLE = "http://console.local";
const EVIL = "http://evil.example";
const PROJECT = '{"project":{"id":"evilp","name":"evil"}}';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    allowedHosts: ["aloft.internal"],
    extraRoutes: {
      "/metrics": (_req, res) => {
        res.statusCode = 200;
        res.end("metrics");
      },
    },
  });
});
after(() => srv.close());

const registrations = () => srv.calls.filter((c) => c.rpc === "RegisterProject").length;

describe("CORS by allow-list", () => {
  test("an allowed origin is echoed with credentials and Vary: Origin, never *", async () => {
    const pre = await srv.request({
      method: "OPTIONS",
      path: "/api/v1/projects/x",
      headers: {
        origin: CONSOLE,
        "access-control-request-method": "PUT",
        "access-control-request-headers": "content-type, flyte-authorization",
      },
    });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers["access-control-allow-origin"], CONSOLE);
    assert.equal(pre.headers["access-control-allow-credentials"], "true");
    assert.equal(pre.headers["vary"], "Origin");
    assert.equal(pre.headers["access-control-allow-headers"], "Content-Type,Flyte-Authorization");
    assert.equal(pre.headers["access-control-allow-methods"], "PUT");
    const simple = await srv.request({ path: "/api/v1/projects/x", headers: { origin: CONSOLE } });
    assert.equal(simple.status, 200);
    assert.equal(simple.headers["access-control-allow-origin"], CONSOLE);
    assert.equal(simple.headers["access-control-allow-credentials"], "true");
    // Origins compare as origins: case and a default port do not matter.
    const upper = await srv.request({ path: "/api/v1/projects/x", headers: { origin: "HTTP://Console.Local:80" } });
    assert.equal(upper.headers["access-control-allow-origin"], "HTTP://Console.Local:80");
    const noOrigin = await srv.request({ path: "/api/v1/projects/x" });
    assert.equal(noOrigin.headers["access-control-allow-origin"], undefined);
  });

  test("an allowed origin asking for a header that is not allowed: 403", async () => {
    const denied = await srv.request({
      method: "OPTIONS",
      path: "/api/v1/projects/x",
      headers: {
        origin: CONSOLE,
        "access-control-request-method": "GET",
        "access-control-request-headers": "x-secret",
      },
    });
    assert.equal(denied.status, 403);
  });

  test("a hostile origin's preflight is refused without any CORS header", async () => {
    const pre = await srv.request({
      method: "OPTIONS",
      path: "/api/v1/projects",
      headers: {
        origin: EVIL,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    assert.equal(pre.status, 403);
    for (const h of [
      "access-control-allow-origin",
      "access-control-allow-credentials",
      "access-control-allow-methods",
      "access-control-allow-headers",
    ]) {
      assert.equal(pre.headers[h], undefined, h);
    }
    // Its reads get no grant either (the browser will not hand the response to the page).
    const read = await srv.request({ path: "/api/v1/projects/x", headers: { origin: EVIL } });
    assert.equal(read.headers["access-control-allow-origin"], undefined);
    assert.equal(read.headers["vary"], "Origin");
    // Look-alikes are other origins.
    for (const origin of [
      "http://console.local.evil.example",
      "https://console.local",
      "http://console.local:8080",
      "null",
    ]) {
      const r = await srv.request({
        method: "OPTIONS",
        path: "/api/v1/projects",
        headers: { origin, "access-control-request-method": "POST" },
      });
      assert.equal(r.status, 403, origin);
    }
  });

  test("allowedOrigins * answers * without credentials", async () => {
    const open = await startTestServer({ cors: { allowCors: true, allowedOrigins: ["*"], allowedHeaders: [] } });
    try {
      const pre = await open.request({
        method: "OPTIONS",
        path: "/api/v1/projects",
        headers: {
          origin: EVIL,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
      assert.equal(pre.status, 200);
      assert.equal(pre.headers["access-control-allow-origin"], "*");
      assert.equal(pre.headers["access-control-allow-credentials"], undefined);
    } finally {
      await open.close();
    }
  });

  test("CORS off: preflights reach the gateway (501) and no origin may write", async () => {
    const off = await startTestServer({ cors: { allowCors: false, allowedOrigins: [CONSOLE], allowedHeaders: [] } });
    try {
      const pre = await off.request({
        method: "OPTIONS",
        path: "/api/v1/projects/x",
        headers: { origin: CONSOLE, "access-control-request-method": "GET" },
      });
      assert.equal(pre.status, 501);
      assert.equal(pre.headers["access-control-allow-origin"], undefined);
      const write = await off.request({
        method: "POST",
        path: "/api/v1/projects",
        headers: { origin: CONSOLE, "content-type": "application/json" },
        body: PROJECT,
      });
      assert.equal(write.status, 403);
    } finally {
      await off.close();
    }
  });
});

describe("writes from foreign origins and in simple-request types", () => {
  test("cross-origin text/plain POST (no preflight in a browser): refused, nothing registered", async () => {
    const before = registrations();
    const res = await srv.request({
      method: "POST",
      path: "/api/v1/projects",
      headers: { origin: EVIL, "content-type": "text/plain" },
      body: PROJECT,
    });
    assert.equal(res.status, 403);
    assert.equal((res.json as { code: number } | undefined)?.code ?? fromBinary(StatusSchema, res.body).code, 7);
    assert.equal(res.headers["access-control-allow-origin"], undefined);
    assert.equal(registrations(), before);
  });

  test("a foreign origin is refused whatever the body type and method: 403 PERMISSION_DENIED", async () => {
    const before = srv.calls.length;
    for (const [method, path] of [
      ["POST", "/api/v1/projects"],
      ["PUT", "/api/v1/projects/x"],
      ["DELETE", "/api/v1/executions/p/d/n"],
    ] as const) {
      const res = await srv.request({
        method,
        path,
        headers: { origin: EVIL, "content-type": "application/json", accept: "application/json" },
        body: "{}",
      });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal((res.json as { code: number }).code, 7);
      assert.match((res.json as { message: string }).message, /evil\.example.*server\.allowedOrigins/);
    }
    assert.equal(srv.calls.length, before);
  });

  test("same-origin and allowed-origin writes pass", async () => {
    const before = registrations();
    const self = await srv.request({
      method: "POST",
      path: "/api/v1/projects",
      headers: { origin: srv.url, "content-type": "application/json" },
      body: PROJECT,
    });
    assert.equal(self.status, 200);
    const allowed = await srv.request({
      method: "POST",
      path: "/api/v1/projects",
      headers: { origin: CONSOLE, "content-type": "application/json; charset=utf-8" },
      body: PROJECT,
    });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers["access-control-allow-origin"], CONSOLE);
    assert.equal(registrations(), before + 2);
  });

  test("writes must be JSON or protobuf: other types are 415 with a google.rpc.Status, without an Origin too", async () => {
    const before = registrations();
    for (const ct of [
      undefined,
      "text/plain",
      "text/plain; charset=utf-8",
      "multipart/form-data; boundary=x",
      "application/x-www-form-urlencoded",
      "application/xml",
      "application/jsonx",
      "garbage/",
    ]) {
      const res = await srv.request({
        method: "POST",
        path: "/api/v1/projects",
        headers: { accept: "application/json", ...(ct ? { "content-type": ct } : {}) },
        body: PROJECT,
      });
      assert.equal(res.status, 415, String(ct));
      assert.equal((res.json as { code: number }).code, 3);
      assert.match((res.json as { message: string }).message, /application\/json or application\/octet-stream/);
    }
    assert.equal(registrations(), before);
    const bin = await srv.request({
      method: "DELETE",
      path: "/api/v1/executions/p/d/n",
      headers: { accept: "application/octet-stream", "content-type": "text/plain" },
    });
    assert.equal(bin.status, 415);
    assert.equal(fromBinary(StatusSchema, bin.body).code, 3);
    for (const ct of [
      "application/json",
      "APPLICATION/JSON; charset=utf-8",
      "application/octet-stream",
      "application/x-protobuf",
      "application/protobuf",
    ]) {
      const res = await srv.request({ method: "PUT", path: "/api/v1/projects/ok", headers: { "content-type": ct } });
      assert.equal(res.status, 200, ct);
    }
  });
});

describe("Host header (DNS rebinding)", () => {
  test("a foreign host name is 421 on every path but /healthcheck; nothing reaches a handler", async () => {
    const before = srv.calls.length;
    for (const path of ["/api/v1/projects", "/metrics"]) {
      const res = await srv.request({ path, headers: { host: "evil.example:8088" } });
      assert.equal(res.status, 421, path);
      assert.match(res.body.toString(), /evil\.example:8088.*server\.allowedHosts/);
    }
    const write = await srv.request({
      method: "POST",
      path: "/api/v1/projects",
      headers: {
        host: "rebind.evil.example",
        origin: "http://rebind.evil.example",
        "content-type": "application/json",
      },
      body: PROJECT,
    });
    assert.equal(write.status, 421);
    assert.equal(srv.calls.length, before);
    assert.equal((await srv.request({ path: "/healthcheck", headers: { host: "10.0.0.7:8088" } })).status, 200);
    assert.equal((await srv.request({ path: "/healthcheck", headers: { host: "evil.example" } })).status, 200);
  });

  test("localhost, IP literals and configured names are answered, any port", async () => {
    for (const host of [
      "localhost",
      "LOCALHOST:8088",
      "127.0.0.1:1",
      "[::1]:8088",
      "10.1.2.3",
      "aloft.internal:8088",
      "aloft.internal.",
    ]) {
      const res = await srv.request({ path: "/api/v1/projects/x", headers: { host } });
      assert.equal(res.status, 200, host);
    }
    for (const host of ["localhost.evil.example", "aloft.internal.evil.example", "127.0.0.1.nip.io", "[::1", "a:b:c"]) {
      const res = await srv.request({ path: "/api/v1/projects/x", headers: { host } });
      assert.equal(res.status, 421, host);
    }
  });

  test("no Host header at all (HTTP/1.0): 421", async () => {
    const socket = connect(srv.port, "127.0.0.1");
    const reply = await new Promise<string>((resolve, reject) => {
      let out = "";
      socket.on("data", (d: Buffer) => (out += d.toString()));
      socket.on("end", () => resolve(out));
      socket.on("error", reject);
      socket.write("GET /api/v1/projects HTTP/1.0\r\n\r\n");
    });
    assert.match(reply, /^HTTP\/1\.1 421 /);
  });
});

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Message } from "@bufbuild/protobuf";
import pino from "pino";
import { silentLogger } from "@aloft/core";
import type { ServiceBinding } from "../rpc.ts";
import { createHttpGateway, type HttpGateway } from "./gateway.ts";
import { buildRoutes, createRouter } from "./router.ts";
import { TestService } from "./test-schema.ts";

const calls: Array<{ rpc: string; req: Message }> = [];
const echo: ServiceBinding = {
  service: TestService,
  handlers: Object.fromEntries(
    TestService.methods.map((m) => [
      m.name,
      async (req: Message) => {
        calls.push({ rpc: m.name, req });
        return req;
      },
    ]),
  ),
};

let gateway: HttpGateway;
let server: Server;
let base: string;
before(async () => {
  gateway = createHttpGateway({
    bindings: [echo],
    middleware: [],
    logger: silentLogger(),
    cors: { allowCors: false, allowedOrigins: [], allowedHeaders: [] },
  });
  server = createServer((req, res) => void gateway.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test("rules with bad templates or unknown variables are skipped with a warning; methods without a rule do not route", () => {
  const lines: string[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });
  const routes = buildRoutes([echo], logger);
  assert.deepEqual(
    routes.map((r) => `${r.method} ${r.path} ${r.rpc} ${r.body}`),
    [
      "PATCH /v1/things/{s} PatchInner inner",
      "LIST /v1/things Custom ",
      "POST /v1/things/{s}:cancel Cancel *",
      "GET /v1/deep/{inner.child.name=shelves/*}/x/{s=**} Deep ",
      "GET /v1/files/{s=**} Files ",
    ],
  );
  assert.equal(lines.length, 2);
  assert.match(lines.join(""), /path variable is not a request field/);
  assert.match(lines.join(""), /bad path template/);
  // The same service bound twice: the duplicates are ignored.
  assert.equal(buildRoutes([echo, echo], logger).length, 5);
});

test("custom HTTP methods route (router level: node's parser only knows standard methods)", () => {
  const router = createRouter(buildRoutes([echo], silentLogger()));
  const m = router.match("LIST", ["v1", "things"], false);
  assert.equal(m.kind === "route" && m.route.rpc, "Custom");
  assert.equal(router.match("GET", ["v1", "things"], false).kind, "method-not-allowed");
});

test("a body field: decoded into that field, query binds the rest but not under the body field", async () => {
  const res = await fetch(`${base}/v1/things/abc?i32=5&inner.name=ignored&names=x&names=y`, {
    method: "PATCH",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: '{"name":"n","color":"RED"}',
  });
  assert.equal(res.status, 200);
  const got = (await res.json()) as Record<string, unknown>;
  assert.equal(got["s"], "abc");
  assert.equal(got["i32"], 5);
  assert.deepEqual(got["names"], ["x", "y"]);
  assert.deepEqual(got["inner"], { name: "n", color: "RED", child: null });
  // Rich message output: emit-unpopulated with nulls, oneof omitted, proto3 optional omitted.
  assert.equal(got["ts"], null);
  assert.equal("a" in got || "b_inner" in got || "opt" in got, false);
});

test("verbs, ** and variable patterns", async () => {
  const json = { "content-type": "application/json" };
  let res = await fetch(`${base}/v1/things/x1:cancel`, { method: "POST", headers: json, body: '{"i32":1}' });
  assert.equal(res.status, 200);
  assert.deepEqual([calls.at(-1)?.rpc, ((await res.json()) as { s: string }).s], ["Cancel", "x1"]);
  res = await fetch(`${base}/v1/things/x1`, { method: "POST" });
  assert.equal(res.status, 501); // PATCH matches the path
  res = await fetch(`${base}/v1/deep/shelves/s1/x/a/b/c`, { headers: { accept: "application/json" } });
  const deep = (await res.json()) as { s: string; inner: { child: { name: string } } };
  assert.deepEqual([deep.s, deep.inner.child.name], ["a/b/c", "shelves/s1"]);
  res = await fetch(`${base}/v1/deep/racks/s1/x/a`);
  assert.equal(res.status, 404);
  res = await fetch(`${base}/v1/files/`);
  assert.equal(((await res.json()) as { s: string }).s, "");
});

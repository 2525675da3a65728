// "Safe by default" (issue 8, docs/security.md) against a real started platform, on SQLite and PostgreSQL: what a
// hostile web page or a host on the network can send, and that none of it changes anything.
import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { connect } from "node:net";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ProjectRegisterRequestSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { ResourceType, type WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { AloftError } from "@aloft/core";
import type { WorkflowExecutor } from "@aloft/admin";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { postgresAvailability } from "@aloft/testkit";
import { id, intLiteral, launchOneTask, type Admin } from "@aloft/testkit";

const EVIL = "http://evil.example";
const CONSOLE = "http://localhost:8090";
const P = "flytesnacks";
const D = "development";
const EVIL_PROJECT = '{"project":{"id":"evilp","name":"evil"}}';

/** This machine's first non-loopback IPv4 address: connecting to it makes the server see a non-loopback peer. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === "IPv4" && !i.internal)?.address;

/** Launches are accepted and parked: the execution exists, nothing runs it, only events move it. */
const parked: WorkflowExecutor = {
  name: "parked",
  execute: async () => ({ cluster: "propeller" }),
  abort: async () => undefined,
};

const grpcAdmin = (host: string, port: number): Admin =>
  createClient(AdminService, createGrpcTransport({ baseUrl: `http://${host}:${port}` }));

async function projectExists(platform: TestPlatform, name: string): Promise<boolean> {
  const res = await fetch(`${platform.httpUrl}/api/v1/projects/${name}`, { headers: { accept: "application/json" } });
  await res.arrayBuffer();
  return res.status === 200;
}

const launchParked = (admin: Admin, name: string): Promise<WorkflowExecutionIdentifier> =>
  launchOneTask(admin, { project: P, domain: D, name, script: "echo never runs", x: 1 });

/** A forged "the workflow succeeded with these outputs" event, as anyone could send it. */
const forgedSuccess = (exec: WorkflowExecutionIdentifier) => ({
  requestId: "forged",
  event: {
    executionId: exec,
    producerId: "propeller",
    phase: WorkflowExecution_Phase.SUCCEEDED,
    occurredAt: timestampFromDate(new Date()),
    outputResult: { case: "outputData" as const, value: { literals: { y: intLiteral(999) } } },
  },
});
const forgedSuccessJson = (exec: WorkflowExecutionIdentifier) =>
  JSON.stringify({
    request_id: "forged-http",
    event: {
      execution_id: { project: exec.project, domain: exec.domain, name: exec.name },
      producer_id: "propeller",
      phase: "SUCCEEDED",
      occurred_at: new Date().toISOString(),
      output_data: { literals: { y: { scalar: { primitive: { integer: "999" } } } } },
    },
  });

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`safe by default: a default platform and a hostile web page (${kind})`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    let platform: TestPlatform;
    before(async () => {
      platform = await startTestPlatform({ database: kind, configurePlugins: (p) => (p.workflowExecutor = parked) });
    });
    after(() => platform?.close());

    test("both ports are bound to loopback, and nothing answers on the machine's other addresses", async (t) => {
      assert.equal(platform.config.server.host, "127.0.0.1");
      assert.deepEqual(platform.admin.listenAddresses, { grpc: "127.0.0.1", http: "127.0.0.1" });
      assert.equal(platform.admin.exposure.insecureRemote, false);
      if (!lanAddress) return t.skip("no non-loopback interface on this machine");
      for (const port of [platform.admin.httpPort, platform.admin.grpcPort]) {
        const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
          const s = connect(port, lanAddress);
          s.once("connect", () => (s.destroy(), resolve(undefined)));
          s.once("error", (e) => resolve(e));
        });
        assert.equal(err?.code, "ECONNREFUSED", `${lanAddress}:${port}`);
      }
    });

    test("a cross-origin text/plain POST (sent by browsers without a preflight) creates nothing", async () => {
      const res = await fetch(`${platform.httpUrl}/api/v1/projects`, {
        method: "POST",
        headers: { origin: EVIL, "content-type": "text/plain" },
        body: EVIL_PROJECT,
      });
      assert.equal(res.status, 403);
      assert.equal(res.headers.get("access-control-allow-origin"), null);
      assert.equal(((await res.json()) as { code: number }).code, 7);
      // The same body as text/plain without an Origin (curl, or a browser that omits it) is 415.
      const noOrigin = await fetch(`${platform.httpUrl}/api/v1/projects`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: EVIL_PROJECT,
      });
      assert.equal(noOrigin.status, 415);
      assert.equal(((await noOrigin.json()) as { code: number }).code, 3);
      assert.equal(await projectExists(platform, "evilp"), false);
    });

    test("a preflighted JSON POST from a hostile origin gets no CORS grant, and the POST itself is refused", async () => {
      const pre = await fetch(`${platform.httpUrl}/api/v1/projects`, {
        method: "OPTIONS",
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
        assert.equal(pre.headers.get(h), null, h);
      }
      const post = await fetch(`${platform.httpUrl}/api/v1/projects`, {
        method: "POST",
        headers: { origin: EVIL, "content-type": "application/json" },
        body: EVIL_PROJECT,
      });
      assert.equal(post.status, 403);
      assert.equal(await projectExists(platform, "evilp"), false);
      // Even the console's usual origin gets nothing by default: same origin only.
      const consolePre = await fetch(`${platform.httpUrl}/api/v1/projects`, {
        method: "OPTIONS",
        headers: { origin: CONSOLE, "access-control-request-method": "POST" },
      });
      assert.equal(consolePre.status, 403);
    });

    test("a DNS-rebinding Host is refused on the API and on /metrics; /healthcheck still answers", async () => {
      const port = platform.admin.httpPort;
      for (const path of ["/api/v1/projects", "/metrics"]) {
        const res = await rawHttp(
          port,
          `GET ${path} HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`,
        );
        assert.match(res, /^HTTP\/1\.1 421 /, path);
        assert.match(res, /server\.allowedHosts/);
      }
      const post = await rawHttp(
        port,
        `POST /api/v1/projects HTTP/1.1\r\nHost: evil.example:${port}\r\nOrigin: http://evil.example:${port}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${EVIL_PROJECT.length}\r\nConnection: close\r\n\r\n${EVIL_PROJECT}`,
      );
      assert.match(post, /^HTTP\/1\.1 421 /);
      assert.equal(await projectExists(platform, "evilp"), false);
      assert.match(
        await rawHttp(port, `GET /healthcheck HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`),
        /^HTTP\/1\.1 200 /,
      );
    });

    test("events over HTTP: forged from a page or in text/plain are refused; the engine's loopback path works", async () => {
      const admin = grpcAdmin("127.0.0.1", platform.admin.grpcPort);
      const exec = await launchParked(admin, "sec-http");
      const url = `${platform.httpUrl}/api/v1/events/workflows`;
      const page = await fetch(url, {
        method: "POST",
        headers: { origin: EVIL, "content-type": "text/plain" },
        body: forgedSuccessJson(exec),
      });
      assert.equal(page.status, 403);
      const plain = await fetch(url, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: forgedSuccessJson(exec),
      });
      assert.equal(plain.status, 415);
      assert.notEqual((await admin.getExecution({ id: exec })).closure?.phase, WorkflowExecution_Phase.SUCCEEDED);
      // A loopback caller (split-mode `aloft engine` on this host) is believed.
      const running = JSON.stringify({
        request_id: "engine-1",
        event: {
          execution_id: { project: exec.project, domain: exec.domain, name: exec.name },
          producer_id: "propeller",
          phase: "RUNNING",
          occurred_at: new Date().toISOString(),
        },
      });
      const ok = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: running });
      assert.equal(ok.status, 200, await ok.text());
      assert.equal((await admin.getExecution({ id: exec })).closure?.phase, WorkflowExecution_Phase.RUNNING);
    });
  });

  describe(`opted-in remote bind, an allowed console origin, and forged events from the network (${kind})`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    let platform: TestPlatform;
    const logs: string[] = [];
    before(async () => {
      const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (logs.push(chunk.toString()), cb()) });
      platform = await startTestPlatform({
        database: kind,
        logger: pino({ level: "warn" }, sink),
        configurePlugins: (p) => (p.workflowExecutor = parked),
        overrides: { server: { host: "0.0.0.0", allowInsecureRemote: true, allowedOrigins: [CONSOLE] } },
      });
    });
    after(() => platform?.close());

    test("the opt-in is flagged and logged as a warning", () => {
      assert.equal(platform.admin.exposure.insecureRemote, true);
      assert.equal(platform.admin.listenAddresses.http, "0.0.0.0");
      const warning = logs
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .find((l) => /authentication OFF/.test(l.msg));
      assert.ok(warning, logs.join(""));
      assert.equal(warning.level, 40);
    });

    test("the configured console origin is echoed with credentials; its binary protobuf writes work (as flyteconsole's)", async () => {
      const pre = await fetch(`${platform.httpUrl}/api/v1/projects`, {
        method: "OPTIONS",
        headers: {
          origin: CONSOLE,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
      assert.equal(pre.status, 200);
      assert.equal(pre.headers.get("access-control-allow-origin"), CONSOLE);
      assert.equal(pre.headers.get("access-control-allow-credentials"), "true");
      assert.match(pre.headers.get("vary") ?? "", /Origin/);
      const body = toBinary(
        ProjectRegisterRequestSchema,
        create(ProjectRegisterRequestSchema, { project: { id: "consolep", name: "from the console" } }),
      );
      const post = await fetch(`${platform.httpUrl}/api/v1/projects`, {
        method: "POST",
        headers: { origin: CONSOLE, "content-type": "application/octet-stream", accept: "application/octet-stream" },
        body,
      });
      assert.equal(post.status, 200);
      assert.equal(post.headers.get("access-control-allow-origin"), CONSOLE);
      assert.equal(await projectExists(platform, "consolep"), true);
      // Another origin still gets nothing.
      const evil = await fetch(`${platform.httpUrl}/api/v1/projects`, {
        method: "POST",
        headers: { origin: EVIL, "content-type": "application/json" },
        body: EVIL_PROJECT,
      });
      assert.equal(evil.status, 403);
    });

    test("a forged SUCCEEDED event from a non-loopback peer is refused on gRPC and HTTP and changes nothing", async (t) => {
      if (!lanAddress) return t.skip("no non-loopback interface on this machine");
      const local = grpcAdmin("127.0.0.1", platform.admin.grpcPort);
      const exec = await launchParked(local, "sec-grpc");
      const remote = grpcAdmin(lanAddress, platform.admin.grpcPort);
      await assert.rejects(remote.createWorkflowEvent(forgedSuccess(exec)), (e: unknown) => {
        assert.ok(e instanceof ConnectError);
        assert.equal(e.code, Code.PermissionDenied);
        assert.match(e.rawMessage, /only from the engine/);
        assert.doesNotMatch(e.rawMessage, /propeller/);
        return true;
      });
      for (const [rpc, req] of [
        [
          "createNodeEvent",
          {
            event: {
              id: { executionId: exec, nodeId: "n0" },
              producerId: "propeller",
              occurredAt: timestampFromDate(new Date()),
            },
          },
        ],
        [
          "createTaskEvent",
          {
            event: {
              taskId: id(ResourceType.TASK, P, D, "sec-grpc-t", "v1"),
              parentNodeExecutionId: { executionId: exec, nodeId: "n0" },
              producerId: "propeller",
              occurredAt: timestampFromDate(new Date()),
            },
          },
        ],
      ] as const) {
        await assert.rejects(
          (remote[rpc] as (r: unknown) => Promise<unknown>)(req),
          (e: unknown) => e instanceof ConnectError && e.code === Code.PermissionDenied,
          rpc,
        );
      }
      const http = await fetch(`http://${lanAddress}:${platform.admin.httpPort}/api/v1/events/workflows`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: forgedSuccessJson(exec),
      });
      assert.equal(http.status, 403);
      assert.match(((await http.json()) as { message: string }).message, /only from the engine/);
      // Reads from the network work (the operator opted in); the execution is untouched.
      const seen = await remote.getExecution({ id: exec });
      assert.notEqual(seen.closure?.phase, WorkflowExecution_Phase.SUCCEEDED);
      assert.equal((await local.getExecutionData({ id: exec })).fullOutputs?.literals["y"], undefined);
      // The same event from loopback is believed: the guard is about the caller, not the event.
      await local.createWorkflowEvent({
        ...forgedSuccess(exec),
        event: {
          ...forgedSuccess(exec).event,
          phase: WorkflowExecution_Phase.RUNNING,
          outputResult: { case: undefined },
        },
      });
      assert.equal((await local.getExecution({ id: exec })).closure?.phase, WorkflowExecution_Phase.RUNNING);
    });
  });
}

test("a non-loopback bind without the opt-in is refused before anything opens", async () => {
  for (const host of ["0.0.0.0", "::"]) {
    await assert.rejects(
      startTestPlatform({ overrides: { server: { host } } }),
      (e: unknown) =>
        e instanceof AloftError && e.id === "config.insecure_remote" && /refusing to listen on/.test(e.message),
    );
  }
});

function rawHttp(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    let out = "";
    s.on("data", (d: Buffer) => (out += d.toString()));
    s.on("end", () => resolve(out));
    s.on("error", reject);
    s.write(request);
  });
}

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import {
  create,
  fromBinary,
  getOption,
  hasOption,
  toBinary,
  type DescField,
  type DescMessage,
} from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { http } from "@aloft/idl/google/api/annotations_pb.js";
import { StatusSchema } from "@aloft/idl/google/rpc/status_pb.js";
import {
  ProjectSchema,
  ProjectRegisterRequestSchema,
  type Project,
  type ProjectGetRequest,
} from "@aloft/idl/flyteidl/admin/project_pb.js";
import { CreateWorkflowFailureReasonSchema } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import type {
  ResourceListRequest,
  NamedEntityGetRequest,
  ObjectGetRequest,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import type { TaskExecutionGetRequest } from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import type { ExecutionTerminateRequest } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { SERVICES, UNBOUND, startTestServer, type TestServer } from "./gateway-test-kit.ts";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    extraRoutes: {
      "/metrics": (_req, res) => {
        res.statusCode = 200;
        res.end("metrics");
      },
      "/console/": (req, res) => {
        res.statusCode = 200;
        res.end(`console:${req.url}`);
      },
    },
  });
});
after(() => srv.close());

const JSON_ACCEPT = { accept: "application/json" };

/** A concrete path for a template: enums get a value name, integers a number, strings `x<i>`. */
function concretePath(template: string, input: DescMessage): string {
  let i = 0;
  return template.replace(/\{([^}=]+)\}/g, (_m, fieldPath: string) => {
    let desc: DescMessage | undefined = input;
    let field: DescField | undefined;
    for (const part of fieldPath.split(".")) {
      field = desc?.fields.find((f) => f.name === part);
      desc = field?.fieldKind === "message" ? field.message : undefined;
    }
    if (field?.fieldKind === "enum") return field.enum.values[1]?.name ?? "0";
    if (field?.fieldKind === "scalar" && field.scalar !== 9) return "1";
    return `x${i++}`;
  });
}

describe("routes from google.api.http options", () => {
  test("every http rule of the five services (with additional_bindings) is a route", () => {
    const expected: string[] = [];
    for (const s of SERVICES) {
      for (const m of s.methods) {
        if (!hasOption(m, http)) continue;
        const rule = getOption(m, http);
        for (const r of [rule, ...rule.additionalBindings])
          expected.push(`${r.pattern.case?.toUpperCase()} ${String(r.pattern.value)} ${m.name}`);
      }
    }
    const got = srv.gateway.routes.map((r) => `${r.method} ${r.path} ${r.rpc}`);
    assert.deepEqual([...got].sort(), [...expected].sort());
    assert.ok(got.length > 60, `only ${got.length} routes`);
    assert.ok(!got.some((r) => r.includes("GetOrCreateSignal")), "gRPC-only method must not route");
    for (const r of [
      "GET /me UserInfo",
      "GET /.well-known/oauth-authorization-server GetOAuth2Metadata",
      "POST /api/v1/signals SetSignal",
      "POST /api/v1/dataproxy/artifact_urn CreateUploadLocation",
    ]) {
      assert.ok(got.includes(r), r);
    }
  });

  test("every route reaches its handler", async () => {
    for (const route of srv.gateway.routes) {
      const service = SERVICES.find((s) => s.typeName === route.service);
      const desc = service?.methods.find((m) => m.name === route.rpc);
      assert.ok(desc, route.rpc);
      const path = concretePath(route.path, desc.input);
      const write = route.method !== "GET";
      const headers = write ? { ...JSON_ACCEPT, "content-type": "application/json" } : JSON_ACCEPT;
      const res = await srv.request({ method: route.method, path, headers, ...(route.body ? { body: "{}" } : {}) });
      if (route.rpc === "GetVersion") assert.equal(res.status, 500);
      else if (UNBOUND.has(route.rpc)) assert.equal(res.status, 501);
      else if (route.rpc === "CreateWorkflow") assert.equal(res.status, 409);
      else if (route.rpc === "UserInfo") assert.equal(res.status, 401);
      else {
        assert.equal(res.status, 200, `${route.method} ${path} → ${res.body.toString()}`);
        assert.equal(srv.calls.at(-1)?.rpc, route.rpc, `${route.method} ${path}`);
      }
    }
  });

  test("ListTasks routes with and without a name (additional_bindings)", async () => {
    let res = await srv.request({ path: "/api/v1/tasks/p/d/n?limit=2" });
    assert.equal(res.status, 200);
    let req = srv.last("ListTasks").req as ResourceListRequest;
    assert.deepEqual([req.id?.project, req.id?.domain, req.id?.name, req.limit], ["p", "d", "n", 2]);

    res = await srv.request({ path: "/api/v1/tasks/p/d?limit=3&id.name=viaquery" });
    assert.equal(res.status, 200);
    req = srv.last("ListTasks").req as ResourceListRequest;
    assert.deepEqual([req.id?.project, req.id?.domain, req.id?.name, req.limit], ["p", "d", "viaquery", 3]);

    // A path-bound field is not overridden from the query.
    await srv.request({ path: "/api/v1/tasks/p/d/n?id.name=evil&id.project=evil" });
    req = srv.last("ListTasks").req as ResourceListRequest;
    assert.deepEqual([req.id?.project, req.id?.name], ["p", "n"]);

    // GetTask (4 segments) is a different route.
    await srv.request({ path: "/api/v1/tasks/p/d/n/v" });
    const get = srv.last("GetTask").req as ObjectGetRequest;
    assert.deepEqual([get.id?.name, get.id?.version], ["n", "v"]);
  });
});

describe("encodings", () => {
  test("no Accept: lowerCamelCase JSON with every field, null for unset messages", async () => {
    const res = await srv.request({ path: "/api/v1/named_entities/TASK/p/d/n" });
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "application/json");
    assert.deepEqual(res.json, {
      resourceType: "TASK",
      id: { project: "p", domain: "d", name: "n", org: "" },
      metadata: null,
    });
  });

  test("Accept: application/json: proto field names, enums as names", async () => {
    const res = await srv.request({ path: "/api/v1/named_entities/2/p/d/n", headers: JSON_ACCEPT });
    assert.equal(res.headers["content-type"], "application/json");
    assert.deepEqual(res.json, {
      resource_type: "WORKFLOW",
      id: { project: "p", domain: "d", name: "n", org: "" },
      metadata: null,
    });
    const project = await srv.request({ path: "/api/v1/projects/abc", headers: JSON_ACCEPT });
    assert.deepEqual(project.json, {
      id: "abc",
      name: "echo",
      domains: [],
      description: "",
      labels: null,
      state: "ACTIVE",
      org: "",
    });
  });

  test("Accept: application/octet-stream: binary protobuf", async () => {
    const res = await srv.request({ path: "/api/v1/projects/abc", headers: { accept: "application/octet-stream" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "application/octet-stream");
    const p = fromBinary(ProjectSchema, res.body);
    assert.deepEqual([p.id, p.name], ["abc", "echo"]);
  });

  test("binary request bodies; the response follows the request's Content-Type", async () => {
    const body = toBinary(
      ProjectRegisterRequestSchema,
      create(ProjectRegisterRequestSchema, { project: { id: "bin", name: "Binary" } }),
    );
    const res = await srv.request({
      method: "POST",
      path: "/api/v1/projects",
      headers: { "content-type": "application/octet-stream" },
      body,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "application/octet-stream");
    const req = srv.last("RegisterProject").req as { project?: Project };
    assert.deepEqual([req.project?.id, req.project?.name], ["bin", "Binary"]);
  });

  test("Content-Type with parameters selects its marshaler; unknown JSON fields: 400 under application/json only", async () => {
    const body = JSON.stringify({ project: { id: "j", name: "J" }, bogus: 1 });
    const strict = await srv.request({
      method: "POST",
      path: "/api/v1/projects",
      headers: { "content-type": "application/json; charset=utf-8" },
      body,
    });
    assert.equal(strict.status, 400);
    assert.equal((strict.json as { code: number }).code, 3);
    assert.match((strict.json as { message: string }).message, /bogus/);

    // A type without a registered marshaler decodes with the wildcard, which ignores unknown fields (grpc-gateway).
    const lenient = await srv.request({
      method: "POST",
      path: "/api/v1/projects",
      headers: { "content-type": "application/x-protobuf" },
      body,
    });
    assert.equal(lenient.status, 200);
    assert.equal((srv.last("RegisterProject").req as { project?: Project }).project?.id, "j");

    const camel = await srv.request({
      method: "POST",
      path: "/api/v1/projects",
      headers: { "content-type": "application/json" },
      body: '{"project":{"id":"k","name":"K","state":"ARCHIVED"}}',
    });
    assert.equal(camel.status, 200);
    assert.equal((srv.last("RegisterProject").req as { project?: Project }).project?.state, 1);
  });

  test("Accept must match exactly; a list or wildcard falls back to the inbound marshaler", async () => {
    const res = await srv.request({
      path: "/api/v1/named_entities/TASK/p/d/n",
      headers: { accept: "application/json, text/plain" },
    });
    assert.ok((res.json as Record<string, unknown>)["resourceType"] !== undefined);
    const viaContentType = await srv.request({
      path: "/api/v1/named_entities/TASK/p/d/n",
      headers: { "content-type": "application/json", accept: "*/*" },
    });
    assert.ok((viaContentType.json as Record<string, unknown>)["resource_type"] !== undefined);
  });
});

describe("path and query binding", () => {
  test("query: proto or json names, nested, enums by name or number, repeated + as space", async () => {
    const res = await srv.request({
      path: "/api/v1/tasks/p/d?limit=5&sortBy.key=name&sort_by.direction=ASCENDING&filters=eq(a,b)%2Bne(c,d)&token=a+b&unknown=1",
    });
    assert.equal(res.status, 200);
    const req = srv.last("ListTasks").req as ResourceListRequest;
    assert.equal(req.limit, 5);
    assert.equal(req.sortBy?.key, "name");
    assert.equal(req.sortBy?.direction, 1);
    assert.equal(req.filters, "eq(a,b)+ne(c,d)");
    assert.equal(req.token, "a b");
    await srv.request({ path: "/api/v1/tasks/p/d?sort_by.direction=0" });
    assert.equal((srv.last("ListTasks").req as ResourceListRequest).sortBy?.direction, 0);
  });

  test("path enums by name or number, nested enums and integers", async () => {
    await srv.request({ path: "/api/v1/named_entities/LAUNCH_PLAN/p/d/n" });
    assert.equal((srv.last("GetNamedEntity").req as NamedEntityGetRequest).resourceType, ResourceType.LAUNCH_PLAN);
    await srv.request({ path: "/api/v1/description_entities/WORKFLOW/p/d/n/v" });
    const d = srv.last("GetDescriptionEntity").req as ObjectGetRequest;
    assert.deepEqual([d.id?.resourceType, d.id?.version], [ResourceType.WORKFLOW, "v"]);
    await srv.request({ path: "/api/v1/task_executions/p/d/e/node/tp/td/tn/tv/3" });
    const t = srv.last("GetTaskExecution").req as TaskExecutionGetRequest;
    assert.deepEqual(
      [
        t.id?.nodeExecutionId?.executionId?.name,
        t.id?.nodeExecutionId?.nodeId,
        t.id?.taskId?.version,
        t.id?.retryAttempt,
      ],
      ["e", "node", "tv", 3],
    );
  });

  test("bad path values are INVALID_ARGUMENT", async () => {
    const bad = await srv.request({ path: "/api/v1/named_entities/BOGUS/p/d/n", headers: JSON_ACCEPT });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json, {
      code: 3,
      message: "type mismatch, parameter: resource_type, error: BOGUS is not valid",
      details: [],
    });
    const retry = await srv.request({ path: "/api/v1/task_executions/p/d/e/node/tp/td/tn/tv/x", headers: JSON_ACCEPT });
    assert.equal(retry.status, 400);
    assert.match(
      (retry.json as { message: string }).message,
      /^type mismatch, parameter: id.retry_attempt, error: parsing field "retry_attempt"/,
    );
    const range = await srv.request({ path: "/api/v1/task_executions/p/d/e/node/tp/td/tn/tv/4294967296" });
    assert.equal(range.status, 400);
  });

  test("bad query values are INVALID_ARGUMENT with upstream's messages", async () => {
    const res = await srv.request({ path: "/api/v1/tasks/p/d?limit=abc", headers: JSON_ACCEPT });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, {
      code: 3,
      message: 'parsing field "limit": strconv.ParseUint: parsing "abc": invalid syntax',
      details: [],
    });
    const semi = await srv.request({ path: "/api/v1/tasks/p/d?filters=a;b", headers: JSON_ACCEPT });
    assert.equal((semi.json as { message: string }).message, "invalid semicolon separator in query");
    const dir = await srv.request({ path: "/api/v1/tasks/p/d?sort_by.direction=SIDEWAYS", headers: JSON_ACCEPT });
    assert.equal(dir.status, 400);
  });

  test("the path is percent-decoded before matching (an encoded / splits)", async () => {
    await srv.request({ path: "/api/v1/projects/a%20b+c" });
    assert.equal((srv.last("GetProject").req as ProjectGetRequest).id, "a b+c");
    const slash = await srv.request({ path: "/api/v1/projects/a%2Fb" });
    assert.equal(slash.status, 404);
    const badEscape = await srv.request({ path: "/api/v1/projects/%zz" });
    assert.equal(badEscape.status, 400);
  });

  test("PUT: path parameters override body fields", async () => {
    const res = await srv.request({
      method: "PUT",
      path: "/api/v1/projects/abc",
      headers: { "content-type": "application/json" },
      body: '{"id":"other","name":"N"}',
    });
    assert.equal(res.status, 200);
    const p = srv.last("UpdateProject").req as Project;
    assert.deepEqual([p.id, p.name], ["abc", "N"]);
  });

  test("DELETE and PUT bodies are optional", async () => {
    const json = { "content-type": "application/json" };
    const del = await srv.request({ method: "DELETE", path: "/api/v1/executions/p/d/n", headers: json });
    assert.equal(del.status, 200);
    assert.equal((srv.last("TerminateExecution").req as ExecutionTerminateRequest).id?.name, "n");
    const put = await srv.request({ method: "PUT", path: "/api/v1/projects/empty", headers: json });
    assert.equal(put.status, 200);
    assert.equal((srv.last("UpdateProject").req as Project).id, "empty");
  });

  test("body: '*' methods ignore the query string", async () => {
    await srv.request({
      method: "PUT",
      path: "/api/v1/projects/q?name=fromquery",
      headers: { "content-type": "application/json" },
      body: '{"name":"frombody"}',
    });
    assert.equal((srv.last("UpdateProject").req as Project).name, "frombody");
  });

  test("POST x-www-form-urlencoded to a GET-only path is served as that GET, form fields as query", async () => {
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const res = await srv.request({
      method: "POST",
      path: "/api/v1/tasks/p/d?token=t",
      headers: form,
      body: "limit=7&id.name=z",
    });
    assert.equal(res.status, 200);
    const req = srv.last("ListTasks").req as ResourceListRequest;
    assert.deepEqual([req.limit, req.id?.name, req.token], [7, "z", "t"]);
    // A POST route on the same path wins over the fallback, and a form is no body for a write: 415 (docs/security.md).
    const listProjects = srv.calls.filter((c) => c.rpc === "ListProjects").length;
    const registers = srv.calls.filter((c) => c.rpc === "RegisterProject").length;
    const post = await srv.request({ method: "POST", path: "/api/v1/projects", headers: form, body: "x=1" });
    assert.equal(post.status, 415);
    assert.equal(srv.calls.filter((c) => c.rpc === "ListProjects").length, listProjects);
    assert.equal(srv.calls.filter((c) => c.rpc === "RegisterProject").length, registers);
    // X-HTTP-Method-Override names the method to serve instead: a read is served; a write from a form is 415, as
    // a browser can send a form cross-origin without a preflight.
    const get = await srv.request({
      method: "POST",
      path: "/api/v1/executions/p/d/ov",
      headers: { ...form, "x-http-method-override": "get" },
      body: "a=1",
    });
    assert.equal(get.status, 200);
    assert.equal((srv.last("GetExecution").req as { id?: { name: string } }).id?.name, "ov");
    const terminations = srv.calls.filter((c) => c.rpc === "TerminateExecution").length;
    const del = await srv.request({
      method: "POST",
      path: "/api/v1/executions/p/d/ov",
      headers: { ...form, "x-http-method-override": "delete" },
      body: "a=1",
    });
    assert.equal(del.status, 415);
    assert.equal(srv.calls.filter((c) => c.rpc === "TerminateExecution").length, terminations);
    // Only the exact content type triggers it.
    const withCharset = await srv.request({
      method: "POST",
      path: "/api/v1/tasks/p/d",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: "limit=1",
    });
    assert.equal(withCharset.status, 501);
  });
});

describe("errors", () => {
  test("unknown path: 404 Not Found; known path, wrong method: 501 Method Not Allowed", async () => {
    const nf = await srv.request({ path: "/api/v1/nothing", headers: JSON_ACCEPT });
    assert.equal(nf.status, 404);
    assert.equal(nf.body.toString(), '{"code":5,"message":"Not Found","details":[]}');
    const mna = await srv.request({ method: "DELETE", path: "/api/v1/projects", headers: JSON_ACCEPT });
    assert.equal(mna.status, 501);
    assert.equal(mna.body.toString(), '{"code":12,"message":"Method Not Allowed","details":[]}');
    const binary = await srv.request({ path: "/nope", headers: { accept: "application/octet-stream" } });
    assert.equal(binary.headers["content-type"], "application/octet-stream");
    assert.equal(fromBinary(StatusSchema, binary.body).code, 5);
  });

  test("AloftError with details: google.rpc.Status with Any details, JSON and binary", async () => {
    const res = await srv.request({
      method: "POST",
      path: "/api/v1/workflows",
      headers: { ...JSON_ACCEPT, "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(res.status, 409);
    assert.deepEqual(res.json, {
      code: 6,
      message: "workflow with identical structure already exists",
      details: [
        {
          "@type": "type.googleapis.com/flyteidl.admin.CreateWorkflowFailureReason",
          exists_identical_structure: {
            id: { resource_type: "WORKFLOW", project: "p", domain: "d", name: "n", version: "v", org: "" },
          },
        },
      ],
    });
    const bin = await srv.request({
      method: "POST",
      path: "/api/v1/workflows",
      headers: { "content-type": "application/octet-stream" },
    });
    assert.equal(bin.status, 409);
    const status = fromBinary(StatusSchema, bin.body);
    const detail = anyUnpack(status.details[0] ?? create(StatusSchema).details[0]!, CreateWorkflowFailureReasonSchema);
    assert.equal(detail?.reason.case, "existsIdenticalStructure");
  });

  test("a plain Error from a handler is INTERNAL 500 with its message", async () => {
    const res = await srv.request({ path: "/api/v1/version", headers: JSON_ACCEPT });
    assert.equal(res.status, 500);
    assert.deepEqual(res.json, { code: 13, message: "boom", details: [] });
  });

  test("UNAUTHENTICATED: 401 with WWW-Authenticate", async () => {
    const res = await srv.request({ path: "/me" });
    assert.equal(res.status, 401);
    assert.equal(res.headers["www-authenticate"], "token expired");
  });

  test("UserInfo sets X-User-Subject and X-User-Claim-* headers", async () => {
    const res = await srv.request({ path: "/me", headers: { ...JSON_ACCEPT, "x-test-user": "1" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers["x-user-subject"], "sub-1");
    assert.equal(res.headers["x-user-claim-email-verified"], "true");
    assert.equal(res.headers["x-user-claim-groups"], '["a","b"]');
    assert.equal((res.json as { subject: string }).subject, "sub-1");
  });

  test("no handler: UNIMPLEMENTED 501", async () => {
    const res = await srv.request({ path: "/config/v1/flyte_client", headers: JSON_ACCEPT });
    assert.equal(res.status, 501);
    assert.equal((res.json as { code: number }).code, 12);
  });

  test("malformed bodies are INVALID_ARGUMENT", async () => {
    for (const [ct, body] of [
      ["application/json", "{not json"],
      ["application/json", "[1,2]"],
      ["application/x-protobuf", '{"project": 5}'],
      ["application/octet-stream", "\xff\xff\xff\xff"],
    ] as const) {
      const res = await srv.request({
        method: "POST",
        path: "/api/v1/projects",
        headers: ct ? { "content-type": ct } : {},
        body: Buffer.from(body, "latin1"),
      });
      assert.equal(res.status, 400, `${ct} ${body}`);
    }
  });

  test("bodies over the cap fail with 413 (RESOURCE_EXHAUSTED in the status) and the server stays usable", async () => {
    const small = await startTestServer({ maxBodyBytes: 1024 });
    try {
      const res = await small.request({
        method: "POST",
        path: "/api/v1/projects",
        headers: { ...JSON_ACCEPT, "content-type": "application/json" },
        body: Buffer.alloc(4096, 0x20),
      });
      assert.equal(res.status, 413);
      assert.equal((res.json as { code: number }).code, 8);
      const ok = await small.request({
        method: "POST",
        path: "/api/v1/projects",
        headers: { "content-type": "application/json" },
        body: '{"project":{"id":"x"}}',
      });
      assert.equal(ok.status, 200);
    } finally {
      await small.close();
    }
  });

  test("the default cap is 4 MiB, as grpc-go's receive limit", async () => {
    const res = await srv.request({
      method: "POST",
      path: "/api/v1/projects",
      headers: { "content-type": "application/json" },
      body: Buffer.alloc(4 * 1024 * 1024 + 1, 0x20),
    });
    assert.equal(res.status, 413);
  });

  test("handler response metadata becomes Grpc-Metadata-* headers", async () => {
    const res = await srv.request({ path: "/api/v1/projects/m" });
    assert.equal(res.headers["grpc-metadata-x-trace"], "t1");
    assert.equal(res.headers["grpc-metadata-content-type"], "application/grpc");
  });
});

describe("server behaviour", () => {
  test("/healthcheck is 200 with an empty body", async () => {
    const res = await srv.request({ path: "/healthcheck" });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 0);
    assert.equal(res.headers["content-length"], "0");
  });

  test("unclean paths are redirected (301) to the clean path, as Go's ServeMux does", async () => {
    let res = await srv.request({ path: "//api/v1/projects/x" });
    assert.equal(res.status, 301);
    assert.equal(res.headers["location"], "/api/v1/projects/x");
    assert.match(res.body.toString(), /Moved Permanently/);
    res = await srv.request({ method: "POST", path: "/api/v1/tasks/p/./d/../d/?limit=1" });
    assert.equal(res.status, 301);
    assert.equal(res.headers["location"], "/api/v1/tasks/p/d/?limit=1");
    assert.equal(res.body.length, 0);
    // A trailing slash alone is clean: it reaches the gateway (GetProject with an empty id).
    assert.equal((await srv.request({ path: "/api/v1/projects/" })).status, 200);
  });

  test("OPTIONS * is 200, a request target that is not a path is 400", async () => {
    assert.equal((await srv.request({ method: "OPTIONS", path: "*" })).status, 200);
    const res = await srv.request({ method: "GET", path: "*", headers: JSON_ACCEPT });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { code: 3, message: "Bad Request", details: [] });
  });

  test("extra routes: exact paths and prefixes ending in /, served before the gateway", async () => {
    assert.equal((await srv.request({ path: "/metrics" })).body.toString(), "metrics");
    assert.equal(
      (await srv.request({ path: "/console/projects/x?y=1" })).body.toString(),
      "console:/console/projects/x?y=1",
    );
    assert.equal((await srv.request({ path: "/metricsx" })).status, 404);
  });

  test("request ids: x-request-id honoured and echoed, else generated", async () => {
    const given = await srv.request({ path: "/api/v1/projects/r", headers: { "x-request-id": "my-id-1" } });
    assert.equal(given.headers["x-request-id"], "my-id-1");
    assert.equal(srv.last("GetProject").ctx.requestId, "my-id-1");
    const generated = await srv.request({ path: "/api/v1/projects/r" });
    assert.match(String(generated.headers["x-request-id"]), /^a-[A-Za-z0-9]{20}$/);
    assert.equal(srv.last("GetProject").ctx.requestId, generated.headers["x-request-id"]);
    assert.equal(srv.last("GetProject").ctx.transport, "http");
  });

  test("request headers reach the handler as metadata", async () => {
    await srv.request({
      path: "/api/v1/projects/h",
      headers: { authorization: "Bearer t", "grpc-metadata-tenant": "acme" },
    });
    const { ctx } = srv.last("GetProject");
    assert.equal(ctx.headers.get("authorization"), "Bearer t");
    assert.equal(ctx.headers.get("tenant"), "acme");
  });

  test("a client that goes away aborts the call's signal; the server keeps serving", async () => {
    const before = srv.calls.length;
    const socket = connect(srv.port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write("GET /api/v1/executions/p/d/n HTTP/1.1\r\nHost: localhost\r\nx-test-hang: 1\r\n\r\n");
    while (!srv.calls.slice(before).some((c) => c.rpc === "GetExecution")) await new Promise((r) => setTimeout(r, 5));
    socket.destroy();
    while (!srv.calls.some((c) => c.rpc === "GetExecution:aborted")) await new Promise((r) => setTimeout(r, 5));
    assert.equal((await srv.request({ path: "/healthcheck" })).status, 200);
  });

  test("a body cut short does not reach the handler and does not hang the server", async () => {
    const before = srv.calls.filter((c) => c.rpc === "RegisterProject").length;
    const socket = connect(srv.port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(
      'POST /api/v1/projects HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"project":',
    );
    await new Promise((r) => setTimeout(r, 20));
    socket.destroy();
    assert.equal((await srv.request({ path: "/healthcheck" })).status, 200);
    assert.equal(srv.calls.filter((c) => c.rpc === "RegisterProject").length, before);
  });
});

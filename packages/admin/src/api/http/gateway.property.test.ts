// Throws thousands of random and mutated requests at the gateway over real HTTP: no 5xx except from the handler
// that throws on purpose (and 501 for routing's Method Not Allowed / unimplemented methods), every error body a
// valid google.rpc.Status in the negotiated encoding whose code maps to the HTTP status, and the server survives.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { create, fromBinary, toBinary, toJsonString } from "@bufbuild/protobuf";
import { StatusSchema } from "@aloft/idl/google/rpc/status_pb.js";
import { ProjectRegisterRequestSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { ResourceListRequestSchema } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { httpStatusFromCode } from "@aloft/core";
import { parseMediaType } from "./negotiation.ts";
import { ACCEPTED_BODY_TYPES, STATE_CHANGING_METHODS } from "./request-guard.ts";
import { cleanPath } from "./server-mux.ts";
import { startTestServer, type RawRequest, type RawResponse, type TestServer } from "./gateway-test-kit.ts";

// GATEWAY_FUZZ_RUNS=50000 for a longer local run.
const RUNS = Number(process.env["GATEWAY_FUZZ_RUNS"] ?? 3000);

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ maxBodyBytes: 64 * 1024 });
});
after(() => srv.close());

const URL_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@";
const urlChar = fc.constantFrom(...URL_SAFE.split(""));
/** Text for a URL: mostly safe characters, some %-escapes (valid, invalid and truncated), encoded unicode. */
const urlText = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: urlChar },
      {
        weight: 1,
        arbitrary: fc.constantFrom("%20", "%2F", "%2B", "%3B", "%zz", "%", "%4", "%E2%9C%93", "%FF", "%00"),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 4 }).map((s) => encodeURIComponent(s)) },
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(""));

const route = () => fc.constantFrom(...srv.gateway.routes);
const segmentValue = fc.oneof(
  urlText,
  fc.constantFrom("TASK", "WORKFLOW", "2", "-1", "99", "4294967296", "", "x", "dynamic_workflow", ".", ".."),
);

const routePath = fc
  .tuple(
    fc.constant(null).chain(() => route()),
    fc.array(segmentValue, { minLength: 12, maxLength: 12 }),
  )
  .map(([r, values]) => {
    let i = 0;
    return r.path.replace(/\{[^}]+\}/g, () => values[i++ % values.length] ?? "x");
  });

const mutatedPath = fc.tuple(routePath, fc.array(urlText, { maxLength: 3 }), fc.nat(4)).map(([p, extra, cut]) => {
  const parts = p.split("/");
  return [...parts.slice(0, Math.max(1, parts.length - cut)), ...extra].join("/") || "/";
});

const randomPath = fc.array(urlText, { maxLength: 6 }).map((parts) => `/${parts.join("/")}`);

const path = fc.oneof(
  { weight: 5, arbitrary: routePath },
  { weight: 3, arbitrary: mutatedPath },
  { weight: 1, arbitrary: randomPath },
  {
    weight: 1,
    arbitrary: fc.constantFrom("/healthcheck", "/", "/api/v1/", "/api/v1/version", "/me", "/api/v1/projects/"),
  },
);

const queryKey = fc.oneof(
  fc.constantFrom(
    "limit",
    "token",
    "filters",
    "sort_by.key",
    "sortBy.direction",
    "sort_by.direction",
    "id.name",
    "id.project",
    "id.resource_type",
    "id",
    "resource_type",
    "depth",
    "workflow_execution_id.name",
    "unique_parent_id",
    "labels[a]",
    "id.org.x",
    "org",
  ),
  urlText,
);
const queryValue = fc.oneof(
  urlText,
  fc.constantFrom("ASCENDING", "1", "-1", "18446744073709551616", "true", "eq(a,b)+ne(c,d)", "TASK"),
);
const query = fc
  .array(fc.tuple(queryKey, queryValue, fc.boolean()), { maxLength: 5 })
  .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v, hasEq]) => (hasEq ? `${k}=${v}` : k)).join("&")}`));

const headerValue = fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, "").trim());
const contentType = fc.oneof(
  fc.constantFrom(
    undefined,
    "application/json",
    "application/json; charset=utf-8",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "text/plain",
    "APPLICATION/JSON",
    "application/json; x",
    "multipart/form-data; boundary=x",
  ),
  headerValue,
);
const accept = fc.oneof(
  fc.constantFrom(undefined, "application/json", "application/octet-stream", "*/*", "application/json, text/plain"),
  headerValue,
);

const validJson = fc.constantFrom(
  '{"project":{"id":"p","name":"n","labels":{"values":{"a":"b"}}}}',
  '{"id":{"project":"p","domain":"d","name":"n"},"limit":5,"sort_by":{"key":"k","direction":"ASCENDING"}}',
  '{"spec":{"template":{"nodes":[{"id":"n1"}]}},"id":{"resource_type":"WORKFLOW"}}',
  '{"state":1,"id":"x"}',
);
const mutatedJson = fc
  .tuple(validJson, fc.array(fc.tuple(fc.nat(200), fc.nat(3), fc.string({ maxLength: 3 })), { maxLength: 4 }))
  .map(([s, edits]) => {
    let out = s;
    for (const [at, del, ins] of edits) {
      const i = at % (out.length + 1);
      out = out.slice(0, i) + ins + out.slice(i + del);
    }
    return out;
  });
const validBinary = [
  toBinary(ProjectRegisterRequestSchema, create(ProjectRegisterRequestSchema, { project: { id: "p", name: "n" } })),
  toBinary(
    ResourceListRequestSchema,
    create(ResourceListRequestSchema, { id: { project: "p", domain: "d" }, limit: 3 }),
  ),
];
const mutatedBinary = fc
  .tuple(
    fc.constantFrom(...validBinary),
    fc.array(fc.tuple(fc.nat(64), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
  )
  .map(([b, flips]) => {
    const out = Uint8Array.from(b);
    for (const [at, v] of flips) if (out.length > 0) out[at % out.length] = v;
    return out;
  });
const body = fc.oneof(
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
  validJson,
  mutatedJson,
  mutatedBinary,
  fc
    .object({
      maxDepth: 2,
      key: fc.constantFrom("project", "id", "name", "limit", "spec", "state", "labels", "resource_type", "x"),
    })
    .map((o) => {
      try {
        return JSON.stringify(o);
      } catch {
        return "{}";
      }
    }),
  fc.constant(toJsonString(ResourceListRequestSchema, create(ResourceListRequestSchema, { limit: 1 }))),
);

const request = fc.record({
  method: fc.constantFrom(
    "GET",
    "GET",
    "POST",
    "POST",
    "PUT",
    "DELETE",
    "PATCH",
    "OPTIONS",
    "HEAD",
    "TRACE",
    "PROPFIND",
  ),
  path,
  query,
  contentType,
  accept,
  body,
});

function checkResponse(req: RawRequest & { method: string }, res: RawResponse): void {
  const where = `${req.method} ${req.path} -> ${res.status} ${res.body.toString("latin1").slice(0, 200)}`;
  if (req.method === "OPTIONS" && res.status === 200 && res.body.length === 0) return; // answered by CORS
  if (req.path === "/healthcheck" || req.path.startsWith("/healthcheck?")) {
    assert.equal(res.status, 200, where);
    return;
  }
  if (res.status >= 500) {
    const deliberate = res.status === 500 && /^\/api\/v1\/version(\?|$)/.test(req.path);
    assert.ok(deliberate || res.status === 501, where);
  }
  if (res.status === 301) {
    // Go's ServeMux redirects unclean paths (`//`, `.`, `..`) to the clean one.
    const target = req.path.split("?")[0] as string;
    assert.equal(String(res.headers["location"]).split("?")[0], cleanPath(target), where);
    assert.notEqual(cleanPath(target), target, where);
    return;
  }
  if (req.method === "HEAD") return;
  // Writes in a type a browser may send cross-origin without a preflight never succeed (docs/security.md); the one
  // exception is a form POST the router serves as a read (the GET fallback).
  const sentType = String(req.headers?.["content-type"] ?? "");
  const acceptedType = ACCEPTED_BODY_TYPES.has(parseMediaType(sentType) ?? "");
  const formRead = req.method === "POST" && sentType === "application/x-www-form-urlencoded";
  if (STATE_CHANGING_METHODS.has(req.method) && !acceptedType && !formRead) assert.notEqual(res.status, 200, where);
  const ct = String(res.headers["content-type"] ?? "");
  assert.ok(ct === "application/json" || ct === "application/octet-stream", `content-type ${ct}: ${where}`);
  if (res.status === 200) {
    if (ct === "application/json") JSON.parse(res.body.toString("utf8"));
    return;
  }
  let code: number;
  if (ct === "application/json") {
    const status = JSON.parse(res.body.toString("utf8")) as { code: unknown; message: unknown; details: unknown };
    assert.equal(typeof status.code, "number", where);
    assert.equal(typeof status.message, "string", where);
    assert.ok(Array.isArray(status.details), where);
    code = status.code as number;
  } else {
    code = fromBinary(StatusSchema, res.body).code;
  }
  if (res.status === 415) {
    assert.equal(code, 3, where);
    assert.ok(STATE_CHANGING_METHODS.has(req.method) && !acceptedType, where);
  } else {
    assert.equal(httpStatusFromCode(code), res.status, where);
  }
  if (res.status === 501) assert.equal(code, 12, where);
  if (res.status === 500) assert.equal(code, 13, where);
}

test("random and mutated requests never crash the gateway nor produce unexpected 5xx", async () => {
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const headers: Record<string, string> = {};
      if (r.contentType !== undefined) headers["content-type"] = r.contentType;
      if (r.accept !== undefined) headers["accept"] = r.accept;
      const raw = {
        method: r.method,
        path: r.path + r.query,
        headers,
        ...(r.body === undefined ? {} : { body: r.body }),
      };
      const res = await srv.request(raw);
      sent++;
      checkResponse(raw, res);
    }),
    { numRuns: RUNS },
  );
  assert.equal(sent, RUNS);
  const ok = await srv.request({ path: "/api/v1/projects/still-alive", headers: { accept: "application/json" } });
  assert.equal(ok.status, 200);
  assert.equal((ok.json as { id: string }).id, "still-alive");
});

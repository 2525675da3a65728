// RPC → grpc-gateway route, read from the google.api.http options: binding choice, path variables, query parameters.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import {
  ResourceListRequestSchema,
  NamedEntityListRequestSchema,
  Sort_Direction,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import { ExecutionCreateRequestSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { ProjectGetRequestSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { SignalService } from "@aloft/idl/flyteidl/service/signal_pb.js";
import { SignalGetOrCreateRequestSchema } from "@aloft/idl/flyteidl/admin/signal_pb.js";
import { endpointUrl } from "./endpoint.ts";
import { httpCallFor } from "./http-route.ts";

const m = AdminService.method;

test("the binding whose variables are all set wins; the rest become query parameters", () => {
  const named = create(ResourceListRequestSchema, { id: { project: "p", domain: "d", name: "wf" }, limit: 10 });
  assert.deepEqual(httpCallFor(m.listWorkflows, named), {
    method: "GET",
    path: "/api/v1/workflows/p/d/wf?limit=10",
    hasBody: false,
  });
  const all = create(ResourceListRequestSchema, {
    id: { project: "p", domain: "d" },
    limit: 5,
    token: "5",
    filters: "eq(name,a b)+gt(created_at,2024-01-01T00:00:00Z)",
    sortBy: { key: "created_at", direction: Sort_Direction.ASCENDING },
  });
  const call = httpCallFor(m.listWorkflows, all);
  assert.equal(call.path.split("?")[0], "/api/v1/workflows/p/d");
  const q = new URLSearchParams(call.path.split("?")[1]);
  assert.deepEqual(Object.fromEntries(q), {
    limit: "5",
    token: "5",
    filters: "eq(name,a b)+gt(created_at,2024-01-01T00:00:00Z)",
    "sort_by.key": "created_at",
    "sort_by.direction": "1",
  });
  assert.match(call.path, /%2B/, "the filter separator is sent as %2B, never as a + (a space to the gateway)");
});

test("enum path variables, escaping, bodies", () => {
  const ne = create(NamedEntityListRequestSchema, {
    resourceType: ResourceType.WORKFLOW,
    project: "my proj",
    domain: "d",
    limit: 1,
  });
  assert.equal(httpCallFor(m.listNamedEntities, ne).path, "/api/v1/named_entities/2/my%20proj/d?limit=1");
  assert.deepEqual(httpCallFor(m.getProject, create(ProjectGetRequestSchema, { id: "a/b" })), {
    method: "GET",
    path: "/api/v1/projects/a%2Fb",
    hasBody: false,
  });
  assert.deepEqual(httpCallFor(m.createExecution, create(ExecutionCreateRequestSchema, { project: "p" })), {
    method: "POST",
    path: "/api/v1/executions",
    hasBody: true,
  });
});

test("gRPC-only methods say so", () => {
  assert.throws(
    () => httpCallFor(SignalService.method.getOrCreateSignal, create(SignalGetOrCreateRequestSchema)),
    /has no HTTP route \(gRPC only\)/,
  );
});

test("endpoints: host:port, dns:///, URLs, default ports", () => {
  assert.equal(endpointUrl({ endpoint: "localhost:8089", insecure: true }), "http://localhost:8089");
  assert.equal(endpointUrl({ endpoint: "dns:///admin.example.com" }), "https://admin.example.com:443");
  assert.equal(endpointUrl({ endpoint: "localhost", insecure: true, protocol: "http" }), "http://localhost:8088");
  assert.equal(endpointUrl({ endpoint: "https://x.example.com/", insecure: true }), "https://x.example.com");
  assert.equal(endpointUrl({ endpoint: "[::1]:9000", insecure: true }), "http://[::1]:9000");
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { SignalService } from "@aloft/idl/flyteidl/service/signal_pb.js";
import { DataProxyService, GetDataRequestSchema } from "@aloft/idl/flyteidl/service/dataproxy_pb.js";
import { AuthMetadataService } from "@aloft/idl/flyteidl/service/auth_pb.js";
import { IdentityService } from "@aloft/idl/flyteidl/service/identity_pb.js";
import { DataCatalog } from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";
import { EventService } from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import {
  ExecutionCreateRequestSchema,
  ExecutionTerminateRequestSchema,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { ProjectRegisterRequestSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { TaskExecutionEventRequestSchema } from "@aloft/idl/flyteidl/admin/event_pb.js";
import { TaskExecutionGetRequestSchema } from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import { NodeExecutionForTaskListRequestSchema } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { ProjectAttributesUpdateRequestSchema } from "@aloft/idl/flyteidl/admin/project_attributes_pb.js";
import { AloftError, Code } from "@aloft/core";
import { ruleFor } from "./permissions.ts";
import { requestScope } from "./request-scope.ts";
import { Authorizer, parseRoleClaim } from "./roles.ts";

test("every served method has a rule", () => {
  for (const s of [
    AdminService,
    SignalService,
    DataProxyService,
    AuthMetadataService,
    IdentityService,
    DataCatalog,
    EventService,
  ]) {
    for (const m of s.methods) assert.ok(ruleFor(s.typeName, m.name), `${s.typeName}.${m.name} has no rule`);
  }
  assert.equal(ruleFor("flyteidl.service.AdminService", "NoSuchMethod"), undefined);
  // The batch of events is exactly as guarded as the events one by one.
  assert.deepEqual(
    ruleFor("aloft.admin.v1.EventService", "CreateEvents"),
    ruleFor("flyteidl.service.AdminService", "CreateNodeEvent"),
  );
});

test("the project and domain of a request are found where flyteidl puts them", () => {
  assert.deepEqual(
    requestScope(
      create(ExecutionCreateRequestSchema, {
        project: "p",
        domain: "d",
        spec: { launchPlan: { project: "x", domain: "y" } },
      }),
    ),
    { project: "p", domain: "d" },
  );
  assert.deepEqual(
    requestScope(create(ExecutionTerminateRequestSchema, { id: { project: "p", domain: "d", name: "n" } })),
    { project: "p", domain: "d" },
  );
  assert.deepEqual(requestScope(create(ProjectRegisterRequestSchema, { project: { id: "newp" } })), {
    project: "newp",
    domain: "",
  });
  assert.deepEqual(requestScope(create(ProjectAttributesUpdateRequestSchema, { attributes: { project: "p" } })), {
    project: "p",
    domain: "",
  });
  assert.deepEqual(
    requestScope(
      create(TaskExecutionEventRequestSchema, {
        event: { parentNodeExecutionId: { nodeId: "n", executionId: { project: "p", domain: "d", name: "e" } } },
      }),
    ),
    { project: "p", domain: "d" },
  );
  // A task execution names a task (possibly of another project) and the execution it ran in: the execution decides.
  assert.deepEqual(
    requestScope(
      create(TaskExecutionGetRequestSchema, {
        id: {
          taskId: { project: "lib", domain: "d", name: "t" },
          nodeExecutionId: { nodeId: "n", executionId: { project: "p", domain: "d", name: "e" } },
        },
      }),
    ),
    { project: "p", domain: "d" },
  );
  assert.deepEqual(
    requestScope(
      create(NodeExecutionForTaskListRequestSchema, {
        taskExecutionId: {
          taskId: { project: "lib", domain: "x" },
          nodeExecutionId: { executionId: { project: "p", domain: "d", name: "e" } },
        },
      }),
    ),
    { project: "p", domain: "d" },
  );
  assert.deepEqual(requestScope(create(GetDataRequestSchema, { flyteUrl: "flyte://v1/p/d/e/n0/i" })), {
    project: "p",
    domain: "d",
  });
  assert.equal(requestScope(create(GetDataRequestSchema, { flyteUrl: "s3://bucket/x" })), undefined);
});

test("roles claim entries", () => {
  assert.deepEqual(parseRoleClaim("admin"), { role: "admin", project: "*", domain: "*" });
  assert.deepEqual(parseRoleClaim("p:viewer"), { role: "viewer", project: "p", domain: "*" });
  assert.deepEqual(parseRoleClaim("p:d:contributor"), { role: "contributor", project: "p", domain: "d" });
  for (const bad of ["root", "p:", ":viewer", "a:b:c:viewer", 7])
    assert.equal(parseRoleClaim(bad), undefined, String(bad));
});

test("the authorizer: bindings, claims, default role, engine; the refusal names the permission", () => {
  const authz = new Authorizer({
    engineSubjects: ["flytepropeller"],
    roles: {
      claim: "roles",
      defaultRole: "",
      bindings: [{ subject: "ann", role: "contributor", project: "p", domain: "d" }],
    },
  });
  const contribute = { kind: "permission", permission: "contribute", where: "project" } as const;
  const ann = { subject: "ann", claims: {} };
  authz.check(ann, contribute, { project: "p", domain: "d" }, "CreateExecution");
  const denied = (f: () => void, re: RegExp) =>
    assert.throws(
      f,
      (e: unknown) => e instanceof AloftError && e.code === Code.PERMISSION_DENIED && re.test(e.message),
    );
  denied(
    () => authz.check(ann, contribute, { project: "p", domain: "other" }, "CreateExecution"),
    /ann lacks permission "contribute" on project p, domain other/,
  );
  denied(() => authz.check(ann, contribute, { project: "p", domain: "" }, "UpdateNamedEntity"), /on project p \(/);
  denied(
    () => authz.check(ann, { kind: "permission", permission: "admin", where: "global" }, undefined, "RegisterProject"),
    /"admin" on every project/,
  );
  const bob = { subject: "bob", claims: { roles: ["q:viewer", "junk"] } };
  authz.check(
    bob,
    { kind: "permission", permission: "view", where: "project" },
    { project: "q", domain: "d" },
    "GetExecution",
  );
  denied(() => authz.check(bob, contribute, { project: "q", domain: "d" }, "CreateExecution"), /contribute/);
  denied(
    () => authz.check(bob, { kind: "permission", permission: "engine", where: "any" }, undefined, "CreateTaskEvent"),
    /"engine"/,
  );
  authz.check(
    { subject: "flytepropeller", claims: {} },
    { kind: "permission", permission: "engine", where: "any" },
    undefined,
    "CreateTaskEvent",
  );
  const everyoneViews = new Authorizer({
    engineSubjects: [],
    roles: { claim: "roles", defaultRole: "viewer", bindings: [] },
  });
  everyoneViews.check(
    { subject: "x", claims: {} },
    { kind: "permission", permission: "view", where: "project" },
    { project: "any", domain: "d" },
    "GetTask",
  );
});

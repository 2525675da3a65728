// WorkflowManager: every error path of upstream flyteadmin/pkg/manager/impl/workflow_manager.go (code and message), storage layout and reads. SQLite, an in-memory
// blob store and in-memory task / launch plan lookups.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { create, fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  CreateWorkflowFailureReasonSchema,
  WorkflowClosureSchema,
  WorkflowCreateRequestSchema,
  WorkflowSpecSchema,
  type CreateWorkflowFailureReason,
  type WorkflowCreateRequest,
} from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import type { DescriptionEntitySchema } from "@aloft/idl/flyteidl/admin/description_entity_pb.js";
import {
  NamedEntityIdentifierListRequestSchema,
  ObjectGetRequestSchema,
  ResourceListRequestSchema,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import {
  CompiledTaskSchema,
  CompiledWorkflowClosureSchema,
  type CompiledTask,
} from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { messageDigest } from "@aloft/core";
import { IdentifierSchema, ResourceType, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { ParameterMapSchema, VariableMapSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { NodeSchema, type WorkflowTemplateSchema, type Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { ManualClock } from "@aloft/core/testing";
import { MemoryBlobStore } from "@aloft/core";
import type { LaunchPlanInterface } from "@aloft/core";
import { type AloftError, Code } from "@aloft/core";
import { aloftErrorIs, createTestDatabase, type TestDatabase } from "@aloft/testkit";
import { ProjectRepo } from "../repositories/project-repo.ts";
import { WorkflowRepo } from "../repositories/workflow-repo.ts";
import { ProjectGate } from "./project-gate.ts";
import { WorkflowManager, type WorkflowManagerDeps } from "./workflow-manager.ts";

type TemplateInit = MessageInitShape<typeof WorkflowTemplateSchema>;
const T0 = Date.UTC(2024, 0, 1);
const INT = { type: { case: "simple" as const, value: SimpleType.INTEGER } };

const wfId = (name = "wf", version = "v1", over: { project?: string; domain?: string } = {}) =>
  create(IdentifierSchema, {
    resourceType: ResourceType.WORKFLOW,
    project: "p",
    domain: "development",
    name,
    version,
    ...over,
  });
const taskId = (name = "t", version = "v1") =>
  create(IdentifierSchema, { resourceType: ResourceType.TASK, project: "p", domain: "development", name, version });

/** A python-like task `t(x: int) -> o: int`. */
function compiledTask(id: Identifier): CompiledTask {
  return create(CompiledTaskSchema, {
    template: create(TaskTemplateSchema, {
      id,
      type: "python-task",
      interface: { inputs: { variables: { x: { type: INT } } }, outputs: { variables: { o: { type: INT } } } },
      target: { case: "container", value: { image: "img", args: ["run"] } },
    }),
  });
}

const bindPromise = (v: string, nodeId: string, from: string) => ({
  var: v,
  binding: { value: { case: "promise" as const, value: { nodeId, var: from } } },
});

/** `wf(x: int) -> o: int` with `n` task nodes chained n0 -> n1 -> ... calling `task`. */
function chainTemplate(n = 1, task: Identifier = taskId()): TemplateInit {
  const nodes = Array.from({ length: n }, (_, i) =>
    create(NodeSchema, {
      id: `n${i}`,
      inputs: [i === 0 ? bindPromise("x", "", "x") : bindPromise("x", `n${i - 1}`, "o")],
      target: { case: "taskNode", value: { reference: { case: "referenceId", value: task } } },
    }),
  );
  return {
    interface: { inputs: { variables: { x: { type: INT } } }, outputs: { variables: { o: { type: INT } } } },
    nodes,
    outputs: [bindPromise("o", `n${n - 1}`, "o")],
  };
}

function createRequest(
  id: Identifier | undefined,
  template?: TemplateInit,
  extra: { description?: MessageInitShape<typeof DescriptionEntitySchema> } = {},
): WorkflowCreateRequest {
  const req = create(WorkflowCreateRequestSchema, { id });
  if (template)
    req.spec = create(
      WorkflowSpecSchema,
      extra.description ? { template, description: extra.description } : { template },
    );
  return req;
}

const expectError = (p: Promise<unknown>, code: Code, message: string | RegExp) =>
  assert.rejects(p, aloftErrorIs(code, message));

describe("WorkflowManager", () => {
  let testDb: TestDatabase;
  let clock: ManualClock;
  let blobs: MemoryBlobStore;
  let tasks: Map<string, CompiledTask>;
  let lps: Map<string, LaunchPlanInterface>;
  let limits: WorkflowManagerDeps["limits"];
  let manager: WorkflowManager;
  let managerDeps: () => WorkflowManagerDeps;
  const key = (id: Identifier) => `${id.project}/${id.domain}/${id.name}/${id.version}`;

  before(async () => {
    testDb = await createTestDatabase("sqlite");
  });
  after(async () => testDb?.drop());

  beforeEach(async () => {
    const db = testDb.database.db;
    await db.deleteFrom("workflows").execute();
    await db.deleteFrom("description_entities").execute();
    await db.deleteFrom("projects").execute();
    clock = new ManualClock(T0);
    const projects = new ProjectRepo(db, clock);
    await projects.create({ identifier: "p", name: "p", description: "", labels: null, state: 0 });
    await projects.create({ identifier: "archived", name: "a", description: "", labels: null, state: 1 });
    blobs = new MemoryBlobStore({ clock });
    tasks = new Map([[key(taskId()), compiledTask(taskId())]]);
    lps = new Map();
    limits = { maxWorkflowNodes: 100, workflowSizeLimit: "" };
    managerDeps = () => ({
      repo: new WorkflowRepo(db, clock),
      gate: new ProjectGate(projects, [{ id: "development", name: "development" }]),
      tasks: { getCompiledTask: async (id: Identifier) => tasks.get(key(id)) },
      launchPlans: { getLaunchPlanInterface: async (id: Identifier) => lps.get(key(id)) },
      blobStore: blobs,
      clock,
      get limits() {
        return limits;
      },
      metadataStoragePrefix: ["metadata", "admin"],
    });
    manager = new WorkflowManager(managerDeps());
  });

  test("create compiles, writes the closure blob under the metadata prefix and get re-reads it", async () => {
    clock.set(new Date(T0 + 1000));
    await manager.create(createRequest(wfId(), chainTemplate(2)));
    const stored = fromBinary(WorkflowClosureSchema, await blobs.get("metadata/admin/p/development/wf/v1"));
    assert.equal(timestampDate(stored.createdAt!).getTime(), T0 + 1000);
    const got = await manager.get(create(ObjectGetRequestSchema, { id: wfId() }));
    assert.equal(got.id?.resourceType, ResourceType.WORKFLOW);
    const primary = got.closure?.compiledWorkflow?.primary;
    assert.deepEqual(
      primary?.template?.nodes.map((n) => n.id),
      ["start-node", "end-node", "n0", "n1"],
    );
    assert.deepEqual(primary?.template?.id, wfId(), "template.id is the request id");
    assert.deepEqual(primary?.connections?.downstream["n0"]?.ids, ["n1"]);
    assert.equal(got.closure?.compiledWorkflow?.tasks.length, 1);
    assert.equal(timestampDate(got.closure!.createdAt!).getTime(), T0 + 1000);
    // The HTTP route leaves the resource type unspecified: it is implied.
    const unspecified = wfId();
    unspecified.resourceType = ResourceType.UNSPECIFIED;
    const viaHttp = await manager.get(create(ObjectGetRequestSchema, { id: unspecified }));
    assert.equal(viaHttp.id?.name, "wf");
  });

  test("identifier, gate and spec errors, in upstream's order", async () => {
    await expectError(manager.create(createRequest(undefined, chainTemplate())), Code.INVALID_ARGUMENT, "missing id");
    await expectError(
      manager.create(createRequest(taskId(), chainTemplate())),
      Code.INVALID_ARGUMENT,
      'unexpected resource type task for identifier [resource_type:TASK project:"p" domain:"development" name:"t" version:"v1"], expected workflow instead',
    );
    await expectError(
      manager.create(createRequest(wfId("wf", ""), chainTemplate())),
      Code.INVALID_ARGUMENT,
      "missing version",
    );
    await expectError(
      manager.create(createRequest(wfId("wf", "v1", { project: "ghost" }))),
      Code.INVALID_ARGUMENT,
      "failed to validate that project [ghost] and domain [development] are registered, err: [project [ghost] not found]",
    );
    await expectError(
      manager.create(createRequest(wfId("wf", "v1", { project: "archived" }), chainTemplate())),
      Code.INVALID_ARGUMENT,
      "project [archived] is not active",
    );
    await expectError(
      manager.create(createRequest(wfId("wf", "v1", { domain: "nope" }), chainTemplate())),
      Code.INVALID_ARGUMENT,
      "domain [nope] is unrecognized by system",
    );
    await expectError(manager.create(createRequest(wfId())), Code.INVALID_ARGUMENT, "missing spec");
  });

  test("compilation failures, a missing task and a missing launch plan are IA with the workflow id prefix", async () => {
    const prefix =
      'failed to compile workflow for [resource_type:WORKFLOW project:"p" domain:"development" name:"wf" version:"v1"] with err: ';
    await expectError(
      manager.create(createRequest(wfId(), chainTemplate(1, taskId("absent")))),
      Code.INVALID_ARGUMENT,
      `${prefix}missing entity of type TASK with identifier project:"p" domain:"development" name:"absent" version:"v1"`,
    );
    const bad = chainTemplate(1);
    bad.outputs = [bindPromise("o", "nowhere", "o")];
    await expectError(
      manager.create(createRequest(wfId(), bad)),
      Code.INVALID_ARGUMENT,
      new RegExp(`^${escapeRegExp(prefix)}Collected Errors: \\d+\n\tError 0: Code: `),
    );
    await expectError(
      manager.create(createRequest(wfId(), { ...chainTemplate(), nodes: [] })),
      Code.INVALID_ARGUMENT,
      new RegExp(`^${escapeRegExp(prefix)}.*NoNodesFound`, "s"),
    );
    const lpRef = create(IdentifierSchema, {
      resourceType: ResourceType.LAUNCH_PLAN,
      project: "p",
      domain: "development",
      name: "sub",
      version: "v1",
    });
    const withLp = {
      interface: {},
      nodes: [
        create(NodeSchema, {
          id: "lp",
          inputs: [],
          target: { case: "workflowNode", value: { reference: { case: "launchplanRef", value: lpRef } } },
        }),
      ],
    };
    await expectError(
      manager.create(createRequest(wfId(), withLp)),
      Code.INVALID_ARGUMENT,
      `${prefix}missing entity of type LAUNCH_PLAN with identifier project:"p" domain:"development" name:"sub" version:"v1"`,
    );
    lps.set(key(lpRef), {
      id: lpRef,
      expectedInputs: create(ParameterMapSchema),
      expectedOutputs: create(VariableMapSchema),
    });
    await manager.create(createRequest(wfId(), withLp));
  });

  test("node ids that cannot be a blob key segment are IA at registration, naming the node; flytekit's forms register", async () => {
    const renamed = (ids: string[]) => {
      const t = chainTemplate(ids.length);
      t.nodes = (t.nodes as Node[]).map((n, i) => {
        n.id = ids[i]!;
        const b = n.inputs[0]!.binding!.value;
        if (i > 0 && b.case === "promise") b.value.nodeId = ids[i - 1]!;
        return n;
      });
      t.outputs = [bindPromise("o", ids[ids.length - 1]!, "o")];
      return t;
    };
    for (const id of ["a/../b", "..", "x/y", "tab\tbed", "back\\slash", "n".repeat(256)]) {
      await expectError(
        manager.create(createRequest(wfId("bad"), renamed(["n0", id]))),
        Code.INVALID_ARGUMENT,
        new RegExp(`^invalid node id ${escapeRegExp(JSON.stringify(id))}`),
      );
    }
    // What flytekit generates, and names from node_name (dnsified) or with dots, still register.
    await manager.create(createRequest(wfId("good"), renamed(["n0", "n0-n1", "my-node-name", "train.step_2"])));
  });

  test("registration limits: node count (start/end excluded) and closure size", async () => {
    limits = { maxWorkflowNodes: 2, workflowSizeLimit: "" };
    await manager.create(createRequest(wfId("ok"), chainTemplate(2)));
    await expectError(
      manager.create(createRequest(wfId(), chainTemplate(3))),
      Code.INVALID_ARGUMENT,
      'number of nodes in workflow [resource_type:WORKFLOW project:"p" domain:"development" name:"wf" version:"v1"] exceeds limit (3 > 2)',
    );
    limits = { maxWorkflowNodes: 0, workflowSizeLimit: "100" };
    await expectError(
      manager.create(createRequest(wfId(), chainTemplate(3))),
      Code.INVALID_ARGUMENT,
      "Workflow closure size exceeds max limit [100]",
    );
    limits = { maxWorkflowNodes: 0, workflowSizeLimit: "1Mi" };
    await manager.create(createRequest(wfId(), chainTemplate(3)));
  });

  test("re-registration: identical is AE with exists_identical_structure, different is IA with exists_different_structure", async () => {
    await manager.create(createRequest(wfId(), chainTemplate(1)));
    clock.set(new Date(T0 + 60_000)); // a different created_at does not make it different
    await assert.rejects(manager.create(createRequest(wfId(), chainTemplate(1))), (e: AloftError) => {
      assert.equal(e.code, Code.ALREADY_EXISTS);
      assert.equal(e.message, "workflow with identical structure already exists");
      assert.equal(e.details[0]?.schema, CreateWorkflowFailureReasonSchema);
      const r = e.details[0]!.value as CreateWorkflowFailureReason;
      assert.equal(r.reason.case, "existsIdenticalStructure");
      assert.equal(r.reason.value?.id?.name, "wf");
      return true;
    });
    await assert.rejects(manager.create(createRequest(wfId(), chainTemplate(2))), (e: AloftError) => {
      assert.equal(e.code, Code.INVALID_ARGUMENT);
      assert.match(
        e.message,
        /^wf workflow with different structure already exists\. \(Please register a new version of the workflow\):\n.*nodes/s,
      );
      assert.equal((e.details[0]!.value as CreateWorkflowFailureReason).reason.case, "existsDifferentStructure");
      return true;
    });
  });

  test("concurrent registrations of one id: one wins, the other gets the sequential answer, the blob is the winner's", async () => {
    const same = await Promise.allSettled([
      manager.create(createRequest(wfId(), chainTemplate(1))),
      manager.create(createRequest(wfId(), chainTemplate(1))),
    ]);
    assert.deepEqual(same.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
    const lost = same.find((r) => r.status === "rejected") as PromiseRejectedResult;
    assert.equal((lost.reason as AloftError).message, "workflow with identical structure already exists");

    const diff = await Promise.allSettled([
      manager.create(createRequest(wfId("w2"), chainTemplate(1))),
      manager.create(createRequest(wfId("w2"), chainTemplate(3))),
    ]);
    assert.deepEqual(diff.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
    assert.equal(
      ((diff.find((r) => r.status === "rejected") as PromiseRejectedResult).reason as AloftError).code,
      Code.INVALID_ARGUMENT,
    );
    const row = await testDb.database.db
      .selectFrom("workflows")
      .select("digest")
      .where("name", "=", "w2")
      .executeTakeFirstOrThrow();
    const stored = await manager.get(create(ObjectGetRequestSchema, { id: wfId("w2") }));
    assert.equal(messageDigest(CompiledWorkflowClosureSchema, stored.closure!.compiledWorkflow!), row.digest);
  });

  test("a description writes a description entity row and the short description", async () => {
    await manager.create(
      createRequest(wfId(), chainTemplate(), {
        description: {
          shortDescription: "adds one",
          longDescription: { content: { case: "value", value: "long" } },
          sourceCode: { link: "https://x" },
        },
      }),
    );
    const rows = await testDb.database.db.selectFrom("description_entities").selectAll().execute();
    assert.equal(rows.length, 1);
    assert.deepEqual(
      [rows[0]?.resource_type, rows[0]?.name, rows[0]?.short_description, rows[0]?.link],
      [ResourceType.WORKFLOW, "wf", "adds one", "https://x"],
    );
    const got = await manager.get(create(ObjectGetRequestSchema, { id: wfId() }));
    assert.equal(got.shortDescription, "adds one");
  });

  test("get answers from a bounded cache: one shared answer per id, misses not remembered, cacheBytes 0 disables it", async () => {
    const get = (name: string, m = manager) => m.get(create(ObjectGetRequestSchema, { id: wfId(name) }));
    await expectError(get("later"), Code.NOT_FOUND, /name:"later"/);
    await manager.create(createRequest(wfId("later"), chainTemplate(2)));
    const first = await get("later");
    assert.equal(first.id?.name, "later", "a NOT_FOUND before registration is not remembered");
    // A registered workflow never changes: the second get is the same answer, without reading the blob again.
    await blobs.delete("metadata/admin/p/development/later/v1");
    assert.equal(await get("later"), first);
    await manager.create(createRequest(wfId("other"), chainTemplate(3)));
    assert.equal((await get("other")).closure?.compiledWorkflow?.primary?.template?.nodes.length, 5);

    const uncached = new WorkflowManager({ ...managerDeps(), cacheBytes: 0 });
    await manager.create(createRequest(wfId("plain"), chainTemplate(2)));
    const a = await get("plain", uncached);
    assert.notEqual(await get("plain", uncached), a, "every get decodes its own answer");
    await blobs.delete("metadata/admin/p/development/plain/v1");
    await assert.rejects(get("plain", uncached));
  });

  test("get of an unknown workflow is NOT_FOUND; malformed ids are IA", async () => {
    await expectError(
      manager.get(create(ObjectGetRequestSchema, { id: wfId("ghost") })),
      Code.NOT_FOUND,
      'missing entity of type WORKFLOW with identifier project:"p" domain:"development" name:"ghost" version:"v1"',
    );
    await expectError(manager.get(create(ObjectGetRequestSchema, {})), Code.INVALID_ARGUMENT, "missing id");
    await expectError(
      manager.get(create(ObjectGetRequestSchema, { id: wfId("n", "") })),
      Code.INVALID_ARGUMENT,
      "missing version",
    );
  });

  test("list returns interface and created_at only; list ids groups names; list parameter errors", async () => {
    for (const [i, [name, version]] of [
      ["a", "v1"],
      ["a", "v2"],
      ["b", "v1"],
    ].entries()) {
      clock.set(new Date(T0 + i * 1000));
      await manager.create(createRequest(wfId(name, version), chainTemplate(1)));
    }
    const list = await manager.list(
      create(ResourceListRequestSchema, { id: { project: "p", domain: "development" }, limit: 2 }),
    );
    assert.deepEqual(
      list.workflows.map((w) => `${w.id?.name}/${w.id?.version}`),
      ["a/v1", "a/v2"],
    );
    assert.equal(list.token, "2");
    const first = list.workflows[0]!;
    assert.deepEqual(first.closure?.compiledWorkflow?.primary?.template?.nodes, []);
    assert.ok(first.closure?.compiledWorkflow?.primary?.template?.interface?.inputs?.variables["x"]);
    assert.equal(timestampDate(first.closure!.createdAt!).getTime(), T0);
    const named = await manager.list(
      create(ResourceListRequestSchema, {
        id: { project: "p", domain: "development", name: "a" },
        limit: 10,
        filters: "eq(version,v2)",
      }),
    );
    assert.deepEqual(
      named.workflows.map((w) => w.id?.version),
      ["v2"],
    );
    assert.equal(named.token, "");
    const ids = await manager.listIds(
      create(NamedEntityIdentifierListRequestSchema, { project: "p", domain: "development", limit: 10 }),
    );
    assert.deepEqual(
      ids.entities.map((e) => e.name),
      ["a", "b"],
    );

    const req = (over: object) =>
      create(ResourceListRequestSchema, { id: { project: "p", domain: "development" }, limit: 10, ...over });
    await expectError(
      manager.list(create(ResourceListRequestSchema, { limit: 1 })),
      Code.INVALID_ARGUMENT,
      "missing id",
    );
    await expectError(
      manager.list(create(ResourceListRequestSchema, { id: { domain: "d" }, limit: 1 })),
      Code.INVALID_ARGUMENT,
      "missing project",
    );
    await expectError(
      manager.list(create(ResourceListRequestSchema, { id: { project: "p" }, limit: 1 })),
      Code.INVALID_ARGUMENT,
      "missing domain",
    );
    await expectError(manager.list(req({ limit: 0 })), Code.INVALID_ARGUMENT, "invalid value for limit");
    await expectError(
      manager.list(req({ filters: "eq(launch_plan.name,x)" })),
      Code.INVALID_ARGUMENT,
      "'l' entity is not allowed in filters",
    );
    await expectError(
      manager.list(req({ token: "x" })),
      Code.INVALID_ARGUMENT,
      "invalid pagination token x for ListWorkflows",
    );
    await expectError(
      manager.listIds(create(NamedEntityIdentifierListRequestSchema, { project: "p", domain: "development" })),
      Code.INVALID_ARGUMENT,
      "invalid value for limit",
    );
    await expectError(
      manager.listIds(create(NamedEntityIdentifierListRequestSchema, { domain: "d", limit: 1 })),
      Code.INVALID_ARGUMENT,
      "missing project",
    );
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

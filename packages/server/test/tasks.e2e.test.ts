// Tasks, description entities and named entities end to end, through an independent gRPC client (@grpc/grpc-js)
// and the HTTP gateway, on SQLite and on PostgreSQL. The flytesnacks TaskSpecs are registered byte for byte.
import assert from "node:assert/strict";
import { flytesnacksDir, NO_FIXTURES } from "@aloft/testkit";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { TaskCreateRequestSchema, TaskSchema, TaskSpecSchema } from "@aloft/idl/flyteidl/admin/task_pb.js";
import { IdentifierSchema, ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { adminClient, grpc, unary, type GrpcJsClient } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { postgresAvailability } from "@aloft/testkit";

const S = grpc.status;
const FIXTURES = flytesnacksDir() ?? "";
const P = "flytesnacks";
const D = "development";

async function expectCode(p: Promise<unknown>, code: number, message?: RegExp | string) {
  await assert.rejects(p, (err: grpc.ServiceError) => {
    assert.equal(err.code, code, `expected code ${code}, got ${err.code}: ${err.details}`);
    if (typeof message === "string") assert.equal(err.details, message);
    else if (message) assert.match(err.details, message);
    return true;
  });
}

/** CreateTask with a binary request body, through grpc-js with pass-through serializers. */
function createTaskBinary(address: string, body: Uint8Array): Promise<void> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise<void>((resolve, reject) => {
    client.makeUnaryRequest(
      "/flyteidl.service.AdminService/CreateTask",
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      (err) => {
        client.close();
        if (err) reject(err);
        else resolve();
      },
    );
  });
}

const fixtureSpecs = () =>
  readdirSync(FIXTURES)
    .filter((f) => f.endsWith("_1.pb"))
    .sort()
    .map((f) => fromBinary(TaskSpecSchema, readFileSync(`${FIXTURES}/${f}`)));

const taskId = (name: string, version = "v1") => ({ resource_type: "TASK", project: P, domain: D, name, version });

/** A valid request as a proto-loader object (keepCase field names). */
function taskRequest(
  name: string,
  over: { template?: Record<string, unknown>; container?: Record<string, unknown>; version?: string } = {},
) {
  const id = taskId(name, over.version);
  return {
    id,
    spec: {
      template: {
        id,
        type: "python-task",
        metadata: { runtime: { type: "FLYTE_SDK", version: "1.0.0", flavor: "python" } },
        interface: { inputs: { variables: {} }, outputs: { variables: {} } },
        container: { image: "python:3.11", args: ["run"], ...over.container },
        ...over.template,
      },
    },
  };
}

const resources = (requests: Array<[string, string]>, limits: Array<[string, string]> = []) => ({
  resources: {
    requests: requests.map(([name, value]) => ({ name, value })),
    limits: limits.map(([name, value]) => ({ name, value })),
  },
});

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`tasks end to end (${kind})`, { skip: kind === "postgres" ? await postgresAvailability() : false }, () => {
    let platform: TestPlatform;
    let admin: GrpcJsClient;
    const getJson = async (path: string) => {
      const res = await fetch(`${platform.httpUrl}${path}`, { headers: { accept: "application/json" } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const postJson = async (path: string, body: unknown) => {
      const res = await fetch(`${platform.httpUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    before(async () => {
      platform = await startTestPlatform({ database: kind });
      admin = adminClient(platform.grpcAddress);
    });
    after(async () => {
      admin?.close();
      await platform?.close();
    });

    test("every flytesnacks task registers; identical re-registration is ALREADY_EXISTS", {
      skip: FIXTURES ? false : NO_FIXTURES,
    }, async () => {
      const specs = fixtureSpecs();
      assert.ok(specs.length > 80, `found ${specs.length} task fixtures`);
      for (const spec of specs) {
        const id = create(IdentifierSchema, {
          resourceType: ResourceType.TASK,
          project: P,
          domain: D,
          name: spec.template!.id!.name,
          version: "v1",
        });
        await createTaskBinary(
          platform.grpcAddress,
          toBinary(TaskCreateRequestSchema, create(TaskCreateRequestSchema, { id, spec })),
        );
      }
      const first = specs[0]!;
      const id = create(IdentifierSchema, {
        resourceType: ResourceType.TASK,
        project: P,
        domain: D,
        name: first.template!.id!.name,
        version: "v1",
      });
      await expectCode(
        createTaskBinary(
          platform.grpcAddress,
          toBinary(TaskCreateRequestSchema, create(TaskCreateRequestSchema, { id, spec: first })),
        ),
        S.ALREADY_EXISTS,
        "task with identical structure already exists",
      );

      const ids = await unary<{ entities: Array<{ name: string }>; token: string }>(admin, "ListTaskIds", {
        project: P,
        domain: D,
        limit: 200,
      });
      assert.equal(ids.entities.length, new Set(specs.map((s) => s.template!.id!.name)).size);
      assert.equal(ids.token, "");

      // GetTask over HTTP (binary): the stored template carries the request id; the closure has created_at.
      const name = first.template!.id!.name;
      const res = await fetch(`${platform.httpUrl}/api/v1/tasks/${P}/${D}/${name}/v1`, {
        headers: { accept: "application/octet-stream" },
      });
      assert.equal(res.status, 200);
      const task = fromBinary(TaskSchema, new Uint8Array(await res.arrayBuffer()));
      assert.equal(task.id?.resourceType, ResourceType.TASK);
      assert.equal(task.closure?.compiledTask?.template?.id?.version, "v1");
      assert.equal(task.closure?.compiledTask?.template?.id?.project, P);
      assert.ok(task.closure?.createdAt && task.closure.createdAt.seconds > 0n);
      assert.equal(task.closure?.compiledTask?.template?.type, first.template!.type);
    });

    test("CreateTask validation errors carry the spec's codes and messages on both transports", async () => {
      const cases: Array<[unknown, number, RegExp | string]> = [
        [{}, S.INVALID_ARGUMENT, "missing id"],
        [
          { id: { ...taskId("t"), resource_type: "UNSPECIFIED" } },
          S.INVALID_ARGUMENT,
          /^unexpected resource type unspecified for identifier \[.*\], expected task instead$/,
        ],
        [{ id: { ...taskId("t"), version: "" } }, S.INVALID_ARGUMENT, "missing version"],
        [
          { id: { ...taskId("t"), project: "nope" } },
          S.INVALID_ARGUMENT,
          /^failed to validate that project \[nope\] and domain \[development\] are registered/,
        ],
        [{ id: { ...taskId("t"), domain: "qa" } }, S.INVALID_ARGUMENT, "domain [qa] is unrecognized by system"],
        [{ id: taskId("t") }, S.INVALID_ARGUMENT, "missing spec"],
        [taskRequest("t", { template: { type: "" } }), S.INVALID_ARGUMENT, "missing type"],
        [taskRequest("t", { template: { metadata: null } }), S.INVALID_ARGUMENT, "missing metadata"],
        [
          taskRequest("t", { template: { metadata: { runtime: { version: "" } } } }),
          S.INVALID_ARGUMENT,
          "missing runtime version",
        ],
        [taskRequest("t", { template: { interface: null } }), S.INVALID_ARGUMENT, "missing typed interface"],
        [taskRequest("t", { container: { image: "" } }), S.INVALID_ARGUMENT, "missing image"],
        [
          taskRequest("t", { container: resources([["CPU", "abc"]]) }),
          S.INVALID_ARGUMENT,
          /^Parsing of CPU request failed for value abc - reason {2}quantities must match/,
        ],
        [
          taskRequest("t", {
            container: resources([
              ["CPU", "1"],
              ["CPU", "2"],
            ]),
          }),
          S.INVALID_ARGUMENT,
          /^can't specify CPU limit for task \[.*\] multiple times$/,
        ],
        [
          taskRequest("t", { container: resources([["GPU", "0.5"]]) }),
          S.INVALID_ARGUMENT,
          /^gpu for \[.*\] must be a whole number, got: 0.5 instead$/,
        ],
        [
          taskRequest("t", { container: resources([["GPU", "1"]], [["GPU", "2"]]) }),
          S.INVALID_ARGUMENT,
          /^For extended resource 'gpu' the default value must equal the limit value/,
        ],
        [
          taskRequest("t", { container: resources([["MEMORY", "500Mi"]], [["MEMORY", "200Mi"]]) }),
          S.INVALID_ARGUMENT,
          "Requested MEMORY default [500Mi] is greater than the limit [200Mi]. Please fix your configuration",
        ],
        [
          taskRequest("t", { container: resources([["CPU", "1"]], [["CPU", "4"]]) }),
          S.INVALID_ARGUMENT,
          "Requested CPU limit [4] is greater than current limit set in the platform configuration [2]. Please contact Flyte Admins to change these limits or consult the configuration",
        ],
        [
          taskRequest("t", { container: resources([["MEMORY", "2Gi"]]) }),
          S.INVALID_ARGUMENT,
          "Requested MEMORY default [2Gi] is greater than current limit set in the platform configuration [1Gi]. Please contact Flyte Admins to change these limits or consult the configuration",
        ],
        [
          taskRequest("t", {
            template: { interface: { inputs: { variables: { x: { type: { simple: "INTEGER" } } } } } },
            container: { args: [] },
          }),
          S.INVALID_ARGUMENT,
          /^task failed compilation with Collected Errors: 1\n\tError 0: Code: ValueRequired, Node Id: container, Description: Value required \[command\]\.\n$/,
        ],
        [
          taskRequest("t", { template: { container: undefined, k8s_pod: { metadata: {} } } }),
          S.INVALID_ARGUMENT,
          "invalid TaskSpecification, pod tasks should specify their target as a K8sPod with a defined pod spec",
        ],
      ];
      for (const [req, code, message] of cases) {
        await expectCode(unary(admin, "CreateTask", req as object), code, message);
      }
      // The same through the gateway: a JSON google.rpc.Status with HTTP 400.
      const bad = await postJson("/api/v1/tasks", { id: taskId("t"), spec: {} });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body, { code: 3, message: "missing spec", details: [] });
      const gate = await postJson("/api/v1/tasks", { id: { ...taskId("t"), domain: "qa" } });
      assert.equal(gate.status, 400);
    });

    test("a changed task under the same version is INVALID_ARGUMENT with a diff; identical is 409 over HTTP", async () => {
      await unary(admin, "CreateTask", taskRequest("diffy"));
      await expectCode(
        unary(admin, "CreateTask", taskRequest("diffy", { container: { image: "python:3.12" } })),
        S.INVALID_ARGUMENT,
        /^diffy task with different structure already exists\. \(Please register a new version of the task\):\n.*image.*python:3\.11.*python:3\.12/s,
      );
      const again = await postJson("/api/v1/tasks", taskRequest("diffy"));
      assert.equal(again.status, 409);
      assert.deepEqual(again.body, { code: 6, message: "task with identical structure already exists", details: [] });
    });

    test("GetTask: HTTP paths default the resource type; a missing version is NOT_FOUND", async () => {
      await unary(admin, "CreateTask", taskRequest("getme"));
      const ok = await getJson(`/api/v1/tasks/${P}/${D}/getme/v1`);
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body.id, {
        resource_type: "TASK",
        project: P,
        domain: D,
        name: "getme",
        version: "v1",
        org: "",
      });
      assert.equal(ok.body.short_description, "");
      const got = await unary<{ id: { resource_type: string } }>(admin, "GetTask", {
        id: { project: P, domain: D, name: "getme", version: "v1" },
      });
      assert.equal(got.id.resource_type, "TASK");
      const missing = await getJson(`/api/v1/tasks/${P}/${D}/getme/v9`);
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, {
        code: 5,
        message: `missing entity of type TASK with identifier project:"${P}" domain:"${D}" name:"getme" version:"v9"`,
        details: [],
      });
      await expectCode(
        unary(admin, "GetTask", { id: taskId("getme", "v9") }),
        S.NOT_FOUND,
        /^missing entity of type TASK/,
      );
    });

    test("ListTasks and ListTaskIds: scope, filters, sort, pagination and parameter errors", async () => {
      for (const v of ["a1", "a2", "a3"]) await unary(admin, "CreateTask", taskRequest("lister", { version: v }));
      type List = { tasks: Array<{ id: { version: string }; closure: { compiled_task: unknown } }>; token: string };
      const page1 = await unary<List>(admin, "ListTasks", {
        id: { project: P, domain: D, name: "lister" },
        limit: 2,
        sort_by: { key: "version", direction: "ASCENDING" },
      });
      assert.deepEqual(
        page1.tasks.map((t) => t.id.version),
        ["a1", "a2"],
      );
      assert.ok(page1.tasks[0]!.closure.compiled_task, "full closure in lists");
      assert.equal(page1.token, "2");
      const page2 = await unary<List>(admin, "ListTasks", {
        id: { project: P, domain: D, name: "lister" },
        limit: 2,
        token: page1.token,
        sort_by: { key: "version", direction: "ASCENDING" },
      });
      assert.deepEqual(
        page2.tasks.map((t) => t.id.version),
        ["a3"],
      );
      assert.equal(page2.token, "");
      const filtered = await getJson(`/api/v1/tasks/${P}/${D}/lister?limit=10&filters=eq(version,a2)`);
      assert.equal(filtered.status, 200);
      assert.deepEqual(
        (filtered.body.tasks as List["tasks"]).map((t) => t.id.version),
        ["a2"],
      );
      const desc = await getJson(`/api/v1/tasks/${P}/${D}?limit=100&filters=eq(name,lister)&sort_by.key=created_at`);
      assert.deepEqual(
        (desc.body.tasks as List["tasks"]).map((t) => t.id.version),
        ["a3", "a2", "a1"],
      );

      await expectCode(
        unary(admin, "ListTasks", { id: { project: P, domain: D } }),
        S.INVALID_ARGUMENT,
        "invalid value for limit",
      );
      await expectCode(unary(admin, "ListTasks", { limit: 1 }), S.INVALID_ARGUMENT, "missing id");
      await expectCode(
        unary(admin, "ListTasks", { id: { domain: D }, limit: 1 }),
        S.INVALID_ARGUMENT,
        "missing project",
      );
      await expectCode(
        unary(admin, "ListTasks", { id: { project: P, domain: D }, limit: 1, token: "x" }),
        S.INVALID_ARGUMENT,
        "invalid pagination token x for ListTasks",
      );
      await expectCode(
        unary(admin, "ListTasks", { id: { project: P, domain: D }, limit: 1, filters: "eq(bogus,1)" }),
        S.INVALID_ARGUMENT,
        "'t.bogus' is invalid filter",
      );
      await expectCode(
        unary(admin, "ListTasks", { id: { project: P, domain: D }, limit: 1, sort_by: { key: "bogus" } }),
        S.INVALID_ARGUMENT,
        "invalid sort key 'bogus'",
      );
      const httpBad = await getJson(`/api/v1/tasks/${P}/${D}`);
      assert.equal(httpBad.status, 400);

      const ids = await getJson(`/api/v1/task_ids/${P}/${D}?limit=2&sort_by.key=name&sort_by.direction=ASCENDING`);
      assert.equal(ids.status, 200);
      assert.equal((ids.body.entities as unknown[]).length, 2);
      assert.equal(ids.body.token, "2");
      await expectCode(
        unary(admin, "ListTaskIds", { project: P, domain: D }),
        S.INVALID_ARGUMENT,
        "invalid value for limit",
      );
      await expectCode(unary(admin, "ListTaskIds", { domain: D, limit: 1 }), S.INVALID_ARGUMENT, "missing project");
    });

    test("description entities: stored with the task, read with a defaulted resource type, listed by name", async () => {
      const req = taskRequest("described");
      const withDescription = {
        ...req,
        spec: {
          ...req.spec,
          description: {
            short_description: "short text",
            long_description: { value: "long text", format: "DESCRIPTION_FORMAT_MARKDOWN" },
            source_code: { link: "https://x/y" },
          },
        },
      };
      await unary(admin, "CreateTask", withDescription);
      const viaHttp = await getJson(`/api/v1/description_entities/TASK/${P}/${D}/described/v1`);
      assert.equal(viaHttp.status, 200);
      assert.equal(viaHttp.body.short_description, "short text");
      assert.deepEqual(viaHttp.body.source_code, { link: "https://x/y" });
      assert.equal((viaHttp.body.long_description as { value: string }).value, "long text");
      const task = await getJson(`/api/v1/tasks/${P}/${D}/described/v1`);
      assert.equal(task.body.short_description, "short text");
      const viaGrpc = await unary<{ id: { resource_type: string } }>(admin, "GetDescriptionEntity", {
        id: { project: P, domain: D, name: "described", version: "v1" },
      });
      assert.equal(viaGrpc.id.resource_type, "TASK");
      await expectCode(
        unary(admin, "GetDescriptionEntity", { id: taskId("described", "v2") }),
        S.NOT_FOUND,
        "entry not found",
      );
      const nf = await getJson(`/api/v1/description_entities/TASK/${P}/${D}/described/v2`);
      assert.equal(nf.status, 404);
      await expectCode(
        unary(admin, "GetDescriptionEntity", { id: { ...taskId("described"), version: "" } }),
        S.INVALID_ARGUMENT,
        "missing version",
      );

      const list = await getJson(`/api/v1/description_entities/TASK/${P}/${D}/described?limit=10`);
      assert.equal(list.status, 200);
      // The proto field itself is named `descriptionEntities`, so the proto-name JSON uses that spelling.
      assert.equal((list.body.descriptionEntities as unknown[]).length, 1);
      const noName = await getJson(`/api/v1/description_entities/TASK/${P}/${D}?limit=10`);
      assert.equal(noName.status, 400);
      assert.equal(noName.body.message, "missing name");
      await expectCode(
        unary(admin, "ListDescriptionEntities", {
          resource_type: "TASK",
          id: { project: P, domain: D, name: "described" },
        }),
        S.INVALID_ARGUMENT,
        "invalid value for limit",
      );
    });

    test("named entities: list hides .flytegen names, update archives, state filters default to ACTIVE", async () => {
      await unary(admin, "CreateTask", taskRequest(".flytegen.hidden"));
      await unary(admin, "CreateTask", taskRequest("ne-one"));
      await unary(admin, "CreateTask", taskRequest("ne-one", { version: "v2" }));
      type List = {
        entities: Array<{ id: { name: string }; metadata: { state: string; description: string } }>;
        token: string;
      };
      const all = await unary<List>(admin, "ListNamedEntities", {
        resource_type: "TASK",
        project: P,
        domain: D,
        limit: 1000,
      });
      const names = all.entities.map((e) => e.id.name);
      assert.ok(names.includes("ne-one"));
      assert.equal(names.filter((n) => n === "ne-one").length, 1, "one row per name");
      assert.ok(!names.includes(".flytegen.hidden"));

      await unary(admin, "UpdateNamedEntity", {
        resource_type: "TASK",
        id: { project: P, domain: D, name: "ne-one" },
        metadata: { description: "first", state: "NAMED_ENTITY_ARCHIVED" },
      });
      const got = await getJson(`/api/v1/named_entities/TASK/${P}/${D}/ne-one`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body.metadata, { description: "first", state: "NAMED_ENTITY_ARCHIVED" });
      // An empty description keeps the stored one; the state is always written.
      const put = await fetch(`${platform.httpUrl}/api/v1/named_entities/TASK/${P}/${D}/ne-one`, {
        method: "PUT",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ metadata: { state: "NAMED_ENTITY_ACTIVE" } }),
      });
      assert.equal(put.status, 200);
      const after = await unary<{ metadata: { description: string; state: string } }>(admin, "GetNamedEntity", {
        resource_type: "TASK",
        id: { project: P, domain: D, name: "ne-one" },
      });
      assert.deepEqual(after.metadata, { description: "first", state: "NAMED_ENTITY_ACTIVE" });
      await unary(admin, "UpdateNamedEntity", {
        resource_type: "TASK",
        id: { project: P, domain: D, name: "ne-one" },
        metadata: { state: "NAMED_ENTITY_ARCHIVED" },
      });

      const archived = await unary<List>(admin, "ListNamedEntities", {
        resource_type: "TASK",
        project: P,
        domain: D,
        limit: 100,
        filters: "eq(state,1)",
      });
      assert.deepEqual(
        archived.entities.map((e) => e.id.name),
        ["ne-one"],
      );
      const active = await getJson(`/api/v1/named_entities/TASK/${P}/${D}?limit=1000&filters=eq(state,0)`);
      const activeNames = (active.body.entities as List["entities"]).map((e) => e.id.name);
      assert.ok(!activeNames.includes("ne-one"));
      assert.ok(activeNames.includes(".flytegen.hidden"), "an explicit filter replaces the default one");
      const page = await unary<List>(admin, "ListNamedEntities", {
        resource_type: "TASK",
        project: P,
        domain: D,
        limit: 1,
        sort_by: { key: "name", direction: "ASCENDING" },
      });
      assert.equal(page.entities.length, 1);
      assert.equal(page.token, "1");

      await expectCode(
        unary(admin, "GetNamedEntity", { resource_type: "TASK", id: { project: P, domain: D, name: "ghost" } }),
        S.NOT_FOUND,
        "entry not found",
      );
      await expectCode(
        unary(admin, "GetNamedEntity", { id: { project: P, domain: D, name: "ne-one" } }),
        S.INVALID_ARGUMENT,
        "invalid value for resource_type",
      );
      await expectCode(
        unary(admin, "UpdateNamedEntity", {
          resource_type: "TASK",
          id: { project: P, domain: D, name: "ghost" },
          metadata: { state: "NAMED_ENTITY_ARCHIVED" },
        }),
        S.NOT_FOUND,
        "entry not found",
      );
      await expectCode(
        unary(admin, "UpdateNamedEntity", { resource_type: "TASK", id: { project: P, domain: D, name: "ne-one" } }),
        S.INVALID_ARGUMENT,
        "missing metadata",
      );
      await expectCode(
        unary(admin, "UpdateNamedEntity", {
          resource_type: "DATASET",
          id: { project: P, domain: D, name: "ne-one" },
          metadata: { state: "NAMED_ENTITY_ARCHIVED" },
        }),
        S.INVALID_ARGUMENT,
        "Resource [DATASET] cannot have its state updated",
      );
      await expectCode(
        unary(admin, "ListNamedEntities", { resource_type: "TASK", project: P, domain: D }),
        S.INVALID_ARGUMENT,
        "invalid value for limit",
      );
      await expectCode(
        unary(admin, "ListNamedEntities", { resource_type: "DATASET", project: P, domain: D, limit: 1 }),
        S.INVALID_ARGUMENT,
        "Cannot list entity names for resource type: DATASET",
      );
      const missingNe = await getJson(`/api/v1/named_entities/TASK/${P}/${D}/ghost`);
      assert.equal(missingNe.status, 404);
    });
  });
}

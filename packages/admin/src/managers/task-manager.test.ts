// TaskManager over a real SQLite database: every error path of CreateTask (upstream flyteadmin/pkg/manager/impl/task_manager.go) with its code and message,
// in upstream's order, plus the whitelist, the platform-limits port, pods, duplicates and reads.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ManualClock } from "@aloft/core/testing";
import { AloftError, Code } from "@aloft/core";
import {
  ObjectGetRequestSchema,
  ResourceListRequestSchema,
  NamedEntityIdentifierListRequestSchema,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import { TaskCreateRequestSchema } from "@aloft/idl/flyteidl/admin/task_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { Resources_ResourceName as RN } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { createTestDatabase, type TestDatabase } from "@aloft/testkit";
import { ProjectRepo } from "../repositories/project-repo.ts";
import { TaskRepo } from "../repositories/task-repo.ts";
import type { TaskResourceSet } from "../validation/resources.ts";
import type { TaskTypeScope } from "../validation/task-validator.ts";
import { ProjectGate } from "./project-gate.ts";
import { TaskManager, type TaskResourceLimits } from "./task-manager.ts";

type Req = MessageInitShape<typeof TaskCreateRequestSchema>;
const LIMITS: TaskResourceSet = { cpu: "2", memory: "1Gi", gpu: "1", ephemeralStorage: "" };
const ID = { resourceType: ResourceType.TASK, project: "p", domain: "development", name: "t", version: "v1" };

function request(
  over: {
    id?: Partial<typeof ID>;
    template?: Record<string, unknown>;
    container?: Record<string, unknown>;
    spec?: Record<string, unknown>;
  } = {},
): Req {
  const id = { ...ID, ...over.id };
  return {
    id,
    spec: {
      template: {
        id,
        type: "python-task",
        metadata: { runtime: { version: "1.0" } },
        interface: {},
        target: { case: "container", value: { image: "img", args: ["a"], ...over.container } },
        ...over.template,
      },
      ...over.spec,
    },
  } as Req;
}

const res = (requests: Array<[RN, string]>, limits: Array<[RN, string]> = []) => ({
  resources: {
    requests: requests.map(([name, value]) => ({ name, value })),
    limits: limits.map(([name, value]) => ({ name, value })),
  },
});

describe("TaskManager", () => {
  let tdb: TestDatabase;
  let clock: ManualClock;
  let whitelist: TaskTypeScope[];
  let limitsAsked: Array<[string, string]>;
  let manager: TaskManager;

  before(async () => {
    tdb = await createTestDatabase("sqlite");
    const projects = new ProjectRepo(tdb.database.db, new ManualClock());
    await projects.create({ identifier: "p", name: "p", description: "", labels: null, state: 0 });
    await projects.create({ identifier: "archived", name: "a", description: "", labels: null, state: 1 });
  });
  after(() => tdb?.drop());

  beforeEach(async () => {
    await tdb.database.db.deleteFrom("description_entities").execute();
    await tdb.database.db.deleteFrom("tasks").execute();
    clock = new ManualClock(Date.UTC(2024, 0, 1));
    whitelist = [];
    limitsAsked = [];
    const resourceLimits: TaskResourceLimits = {
      get: async (project, domain) => {
        limitsAsked.push([project, domain]);
        return LIMITS;
      },
    };
    manager = new TaskManager({
      repo: new TaskRepo(tdb.database.db, clock),
      gate: new ProjectGate(new ProjectRepo(tdb.database.db, clock), [{ id: "development", name: "development" }]),
      resourceLimits,
      taskTypeWhitelist: whitelist,
      clock,
    });
  });

  const createTask = (req: Req) => manager.create(create(TaskCreateRequestSchema, req));
  async function rejects(req: Req, code: Code, message: string | RegExp) {
    await assert.rejects(createTask(req), (e: AloftError) => {
      assert.ok(e instanceof AloftError, String(e));
      assert.equal(e.code, code, e.message);
      if (typeof message === "string") assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    });
  }

  test("every validation error of upstream flyteadmin/pkg/manager/impl/task_manager.go, in order", async () => {
    const IA = Code.INVALID_ARGUMENT;
    const idText = 'resource_type:TASK project:"p" domain:"development" name:"t" version:"v1"';
    await rejects({ spec: request().spec }, IA, "missing id");
    await rejects(
      request({ id: { resourceType: ResourceType.WORKFLOW } }),
      IA,
      /^unexpected resource type workflow for identifier \[.*\], expected task instead$/,
    );
    await rejects(request({ id: { project: "" } }), IA, "missing project");
    await rejects(request({ id: { domain: "" } }), IA, "missing domain");
    await rejects(request({ id: { name: "" } }), IA, "missing name");
    await rejects(request({ id: { version: "" } }), IA, "missing version");
    await rejects(
      request({ id: { project: "nope" } }),
      IA,
      "failed to validate that project [nope] and domain [development] are registered, err: [project [nope] not found]",
    );
    await rejects(request({ id: { project: "archived" } }), IA, "project [archived] is not active");
    await rejects(request({ id: { domain: "qa" } }), IA, "domain [qa] is unrecognized by system");
    await rejects({ id: ID }, IA, "missing spec");
    await rejects({ id: ID, spec: {} }, IA, "missing spec");
    await rejects(request({ template: { type: "" } }), IA, "missing type");
    await rejects(request({ template: { metadata: undefined } }), IA, "missing metadata");
    await rejects(request({ template: { metadata: { runtime: { version: "" } } } }), IA, "missing runtime version");
    await rejects(request({ template: { interface: undefined } }), IA, "missing typed interface");
    await rejects(request({ container: { image: "" } }), IA, "missing image");
    await rejects(
      request({ container: res([[RN.MEMORY, "1Q"]]) }),
      IA,
      "Parsing of MEMORY request failed for value 1Q - reason  quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'. Please follow K8s conventions for resources https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
    );
    await rejects(
      request({
        container: res(
          [],
          [
            [RN.CPU, "1"],
            [RN.CPU, "1"],
          ],
        ),
      }),
      IA,
      `can't specify CPU limit for task [${idText}] multiple times`,
    );
    await rejects(
      request({ container: res([[RN.GPU, "1500m"]]) }),
      IA,
      `gpu for [${idText}] must be a whole number, got: 1500m instead`,
    );
    await rejects(
      request({ container: res([[RN.GPU, "1"]], [[RN.GPU, "2"]]) }),
      IA,
      `For extended resource 'gpu' the default value must equal the limit value for task [${idText}]`,
    );
    await rejects(
      request({ container: res([[RN.GPU, "2"]], [[RN.GPU, "2"]]) }),
      IA,
      /^Requested GPU default \[2\] is greater than current limit set in the platform configuration \[1\]/,
    );
    await rejects(
      request({ container: res([[RN.CPU, "1500m"]], [[RN.CPU, "1"]]) }),
      IA,
      "Requested CPU default [1500m] is greater than the limit [1]. Please fix your configuration",
    );
    await rejects(
      request({ container: res([[RN.MEMORY, "100Mi"]], [[RN.MEMORY, "2048Mi"]]) }),
      IA,
      "Requested MEMORY limit [2Gi] is greater than current limit set in the platform configuration [1Gi]. Please contact Flyte Admins to change these limits or consult the configuration",
    );
    await rejects(
      request({ container: res([[RN.CPU, "3"]]) }),
      IA,
      "Requested CPU default [3] is greater than current limit set in the platform configuration [2]. Please contact Flyte Admins to change these limits or consult the configuration",
    );
    await rejects(
      request({
        template: { interface: { outputs: { variables: { o: { type: { type: { case: "simple", value: 1 } } } } } } },
        container: { args: [] },
      }),
      IA,
      "task failed compilation with Collected Errors: 1\n\tError 0: Code: ValueRequired, Node Id: container, Description: Value required [command].\n",
    );
    assert.deepEqual(await tdb.database.db.selectFrom("tasks").selectAll().execute(), []);
  });

  test("resources within the limits, storage and unknown names are accepted; the limits port is asked per project/domain", async () => {
    await createTask(
      request({
        container: res(
          [
            [RN.CPU, "500m"],
            [RN.MEMORY, "512Mi"],
            [RN.GPU, "1"],
            [RN.STORAGE, "1Ti"],
          ],
          [
            [RN.CPU, "2"],
            [RN.GPU, "1"],
          ],
        ),
      }),
    );
    assert.deepEqual(limitsAsked, [["p", "development"]]);
  });

  test("pod tasks: a pod spec is required and its containers' resources are checked", async () => {
    const pod = (podSpec: unknown) =>
      request({ template: { target: { case: "k8sPod", value: podSpec === undefined ? {} : { podSpec } } } });
    await rejects(
      pod(undefined),
      Code.INVALID_ARGUMENT,
      "invalid TaskSpecification, pod tasks should specify their target as a K8sPod with a defined pod spec",
    );
    await rejects(
      pod({ containers: [{ name: "main", resources: { requests: { cpu: "4" } } }] }),
      Code.INVALID_ARGUMENT,
      /^Requested CPU default \[4\] is greater than current limit set in the platform configuration \[2\]/,
    );
    await rejects(
      pod({ containers: [{ name: "main", resources: { limits: { memory: "x" } } }] }),
      Code.INVALID_ARGUMENT,
      /^failed to read the k8s pod spec: memory: quantities must match/,
    );
    await rejects(
      pod({ containers: [{ name: "Bad_Name" }] }),
      Code.INVALID_ARGUMENT,
      /^task failed compilation with .*k8s pod spec container name/s,
    );
    await createTask(
      pod({
        containers: [
          { name: "main", resources: { requests: { cpu: "1", "ephemeral-storage": "100Ti" }, limits: { cpu: 2 } } },
        ],
      }),
    );
  });

  test("task_type_whitelist: unlisted types pass; listed types need a matching project (and domain) scope", async () => {
    whitelist.push(
      { type: "spark", project: "other", domain: "" },
      { type: "spark", project: "p", domain: "production" },
    );
    await createTask(request({ template: { type: "python-task" } }));
    await rejects(
      request({ id: { version: "v2" }, template: { type: "spark" } }),
      Code.INVALID_ARGUMENT,
      "task type must be whitelisted before use",
    );
    whitelist.push({ type: "spark", project: "p", domain: "development" });
    await createTask(request({ id: { version: "v3" }, template: { type: "spark" } }));
    whitelist.push({ type: "sql", project: "", domain: "" });
    await createTask(request({ id: { version: "v4" }, template: { type: "sql" } }));
  });

  test("the stored template carries the request id; duplicates are AE when identical and IA with a diff otherwise", async () => {
    await createTask(
      request({
        template: { id: { resourceType: ResourceType.TASK, name: "t" } },
        spec: { description: { shortDescription: "sd" } },
      }),
    );
    const task = await manager.get(create(ObjectGetRequestSchema, { id: ID }));
    assert.equal(task.closure?.compiledTask?.template?.id?.version, "v1");
    assert.equal(task.closure?.compiledTask?.template?.id?.project, "p");
    assert.equal(task.shortDescription, "sd");
    assert.equal(task.closure?.createdAt?.seconds, BigInt(Date.UTC(2024, 0, 1) / 1000));
    const description = await tdb.database.db.selectFrom("description_entities").selectAll().execute();
    assert.equal(description.length, 1);

    // Map order and the template's own id do not matter: identical structure.
    await rejects(
      request({ spec: { description: { shortDescription: "sd" } } }),
      Code.ALREADY_EXISTS,
      "task with identical structure already exists",
    );
    await rejects(
      request({ container: { image: "img2" } }),
      Code.INVALID_ARGUMENT,
      /^t task with different structure already exists\. \(Please register a new version of the task\):\ntemplate\.container\.image: "img" -> "img2"$/,
    );
  });

  test("GetTask is NOT_FOUND with upstream's identifier text; lists require id/project/domain/limit", async () => {
    await assert.rejects(
      manager.get(create(ObjectGetRequestSchema, { id: ID })),
      (e: AloftError) =>
        e.code === Code.NOT_FOUND &&
        e.message ===
          'missing entity of type TASK with identifier project:"p" domain:"development" name:"t" version:"v1"',
    );
    const list = (r: MessageInitShape<typeof ResourceListRequestSchema>) =>
      manager.list(create(ResourceListRequestSchema, r));
    const ia = (message: string) => (e: AloftError) => e.code === Code.INVALID_ARGUMENT && e.message === message;
    await assert.rejects(list({ limit: 1 }), ia("missing id"));
    await assert.rejects(list({ id: { domain: "d" }, limit: 1 }), ia("missing project"));
    await assert.rejects(list({ id: { project: "p" }, limit: 1 }), ia("missing domain"));
    await assert.rejects(list({ id: { project: "p", domain: "d" } }), ia("invalid value for limit"));
    await assert.rejects(
      list({ id: { project: "p", domain: "d" }, limit: 1, token: "-1" }),
      ia("invalid pagination token -1 for ListTasks"),
    );
    const ids = (r: MessageInitShape<typeof NamedEntityIdentifierListRequestSchema>) =>
      manager.listIds(create(NamedEntityIdentifierListRequestSchema, r));
    await assert.rejects(ids({ domain: "d", limit: 1 }), ia("missing project"));
    await assert.rejects(ids({ project: "p", limit: 1 }), ia("missing domain"));
    await assert.rejects(ids({ project: "p", domain: "d" }), ia("invalid value for limit"));
    await assert.rejects(
      ids({ project: "p", domain: "d", limit: 1, token: "z" }),
      ia("invalid pagination token z for ListUniqueTaskIdentifiers"),
    );
    await assert.rejects(
      ids({ project: "p", domain: "d", limit: 1, sortBy: { key: "nope" } }),
      ia("invalid sort key 'nope'"),
    );

    await createTask(request());
    await createTask(request({ id: { version: "v2" } }));
    const page = await list({ id: { project: "p", domain: "development", name: "t" }, limit: 1 });
    assert.equal(page.tasks.length, 1);
    assert.equal(page.token, "1");
    const names = await ids({ project: "p", domain: "development", limit: 5 });
    assert.deepEqual(
      names.entities.map((e) => e.name),
      ["t"],
    );
    assert.equal(names.token, "");
    const compiled = await manager.getCompiledTask({ project: "p", domain: "development", name: "t", version: "v2" });
    assert.equal(compiled?.template?.id?.version, "v2");
  });
});

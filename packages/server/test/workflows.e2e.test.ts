// Workflows and launch plans end to end, through an independent gRPC client (@grpc/grpc-js) and the HTTP gateway,
// on SQLite and on PostgreSQL. Every flytesnacks registration artefact is registered in file order (tasks *_1,
// workflows *_2, launch plans *_3) with the identifiers hydrated as `flytectl register` does.
import assert from "node:assert/strict";
import { flytesnacksDir, NO_FIXTURES } from "@aloft/testkit";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import {
  fromBinary,
  fromJson,
  toBinary,
  toJson,
  type DescMessage,
  type JsonValue,
  type MessageShape,
} from "@bufbuild/protobuf";
import { TaskCreateRequestSchema, TaskSpecSchema } from "@aloft/idl/flyteidl/admin/task_pb.js";
import { WorkflowCreateRequestSchema, WorkflowSpecSchema } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import { LaunchPlanCreateRequestSchema, LaunchPlanSchema } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { adminClient, grpc, unary, type GrpcJsClient } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { postgresAvailability } from "@aloft/testkit";

const S = grpc.status;
const FIXTURES = flytesnacksDir() ?? "";
const P = "flytesnacks";
const D = "development";
const V = "v1";

async function expectCode(p: Promise<unknown>, code: number, message?: RegExp | string) {
  await assert.rejects(p, (err: grpc.ServiceError) => {
    assert.equal(err.code, code, `expected code ${code}, got ${err.code}: ${err.details}`);
    if (typeof message === "string") assert.equal(err.details, message);
    else if (message) assert.match(err.details, message);
    return true;
  });
}

/** Fills empty project/domain/version of every Identifier in a message, as `flytectl register` does. */
function hydrate<D extends DescMessage>(schema: D, message: MessageShape<D>): MessageShape<D> {
  const ID_KEYS = new Set(["resourceType", "project", "domain", "name", "version", "org"]);
  const walk = (v: JsonValue): JsonValue => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== "object") return v;
    const keys = Object.keys(v);
    if (typeof v.name === "string" && keys.every((k) => ID_KEYS.has(k)) && "resourceType" in v) {
      return { ...v, project: v.project || P, domain: v.domain || D, version: v.version || V };
    }
    return Object.fromEntries(keys.map((k) => [k, walk(v[k] as JsonValue)]));
  };
  return fromJson(schema, walk(toJson(schema, message)));
}

type Kind = "task" | "workflow" | "launch_plan";

/** The registration requests of every fixture, in file order, as binary request bodies. */
function fixtureRequests(): Array<{ file: string; kind: Kind; method: string; body: Uint8Array }> {
  return readdirSync(FIXTURES)
    .filter((f) => /_[123]\.pb$/.test(f))
    .sort()
    .map((file) => {
      const bytes = readFileSync(`${FIXTURES}/${file}`);
      if (file.endsWith("_1.pb")) {
        const spec = hydrate(TaskSpecSchema, fromBinary(TaskSpecSchema, bytes));
        const body = toBinary(TaskCreateRequestSchema, {
          $typeName: "flyteidl.admin.TaskCreateRequest",
          id: spec.template?.id,
          spec,
        });
        return { file, kind: "task" as const, method: "CreateTask", body };
      }
      if (file.endsWith("_2.pb")) {
        const spec = hydrate(WorkflowSpecSchema, fromBinary(WorkflowSpecSchema, bytes));
        const body = toBinary(WorkflowCreateRequestSchema, {
          $typeName: "flyteidl.admin.WorkflowCreateRequest",
          id: spec.template?.id,
          spec,
        });
        return { file, kind: "workflow" as const, method: "CreateWorkflow", body };
      }
      const lp = hydrate(LaunchPlanSchema, fromBinary(LaunchPlanSchema, bytes));
      const body = toBinary(LaunchPlanCreateRequestSchema, {
        $typeName: "flyteidl.admin.LaunchPlanCreateRequest",
        id: lp.id,
        spec: lp.spec,
      });
      return { file, kind: "launch_plan" as const, method: "CreateLaunchPlan", body };
    });
}

/** A unary call with a binary request body through grpc-js with pass-through serializers. */
function callBinary(address: string, method: string, body: Uint8Array): Promise<void> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise<void>((resolve, reject) => {
    client.makeUnaryRequest(
      `/flyteidl.service.AdminService/${method}`,
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

const wfId = (name: string, version = V) => ({ resource_type: "WORKFLOW", project: P, domain: D, name, version });
const lpId = (name: string, version = V) => ({ resource_type: "LAUNCH_PLAN", project: P, domain: D, name, version });
const INT = { simple: "INTEGER" };

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`workflows and launch plans end to end (${kind})`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    let platform: TestPlatform;
    let admin: GrpcJsClient;
    const http = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${platform.httpUrl}${path}`, {
        ...init,
        headers: { Accept: "application/json", ...init.headers },
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
    };

    before(async () => {
      platform = await startTestPlatform({ database: kind });
      admin = adminClient(platform.grpcAddress);
    });
    after(async () => {
      admin?.close();
      await platform?.close();
    });

    test("every flytesnacks task, workflow and launch plan registers in file order; re-registration is ALREADY_EXISTS", {
      skip: FIXTURES ? false : NO_FIXTURES,
    }, async () => {
      const requests = fixtureRequests();
      assert.ok(requests.filter((r) => r.kind === "workflow").length >= 40, "workflow fixtures found");
      const failures: string[] = [];
      for (const r of requests) {
        await callBinary(platform.grpcAddress, r.method, r.body).catch((err: grpc.ServiceError) =>
          failures.push(`${r.file}: ${err.code} ${err.details}`),
        );
      }
      assert.deepEqual(failures, []);
      for (const r of requests.filter((x) => x.kind !== "task").slice(0, 6)) {
        await expectCode(callBinary(platform.grpcAddress, r.method, r.body), S.ALREADY_EXISTS);
      }
      // The stored closure of a fixture workflow: start/end nodes, connections, the tasks it uses.
      const wf = await unary<{
        closure: {
          compiled_workflow: {
            primary: {
              template: { nodes: Array<{ id: string }> };
              connections: { downstream: Record<string, { ids: string[] }> };
            };
            tasks: unknown[];
          };
        };
      }>(admin, "GetWorkflow", { id: wfId("core.control_flow.chain_tasks.chain_tasks_wf") });
      const primary = wf.closure.compiled_workflow.primary;
      assert.ok(primary.template.nodes.some((n) => n.id === "start-node"));
      assert.ok(primary.connections.downstream["start-node"]?.ids.length);
      assert.equal(wf.closure.compiled_workflow.tasks.length, 2);
      // The scheduled launch plans of the fixtures are stored with their schedule type.
      const scheduled = await http(`/api/v1/launch_plans/${P}/${D}?limit=100&filters=ne(schedule_type,NONE)`);
      const names = (scheduled.body.launch_plans as Array<{ id: { name: string } }>).map((l) => l.id.name).sort();
      assert.deepEqual(names, ["my_cron_scheduled_lp", "my_fixed_rate_lp"]);
    });

    const task = (name: string) => ({
      id: { resource_type: "TASK", project: P, domain: D, name, version: V },
      spec: {
        template: {
          id: { resource_type: "TASK", project: P, domain: D, name, version: V },
          type: "python-task",
          metadata: { runtime: { type: "FLYTE_SDK", version: "1.0.0", flavor: "python" } },
          interface: { inputs: { variables: { x: { type: INT } } }, outputs: { variables: { o: { type: INT } } } },
          container: { image: "python:3.11", args: ["run"] },
        },
      },
    });
    const promise = (v: string, node_id: string, from: string) => ({
      var: v,
      binding: { promise: { node_id, var: from } },
    });
    const workflow = (name: string, taskName: string, nodes = 1) => ({
      id: wfId(name),
      spec: {
        template: {
          id: wfId(name),
          interface: { inputs: { variables: { x: { type: INT } } }, outputs: { variables: { o: { type: INT } } } },
          nodes: Array.from({ length: nodes }, (_, i) => ({
            id: `n${i}`,
            inputs: [i === 0 ? promise("x", "", "x") : promise("x", `n${i - 1}`, "o")],
            task_node: { reference_id: task(taskName).id },
          })),
          outputs: [promise("o", `n${nodes - 1}`, "o")],
        },
      },
    });

    test("CreateWorkflow errors: missing task is IA with the workflow id; conflicts carry CreateWorkflowFailureReason", async () => {
      await expectCode(
        unary(admin, "CreateWorkflow", workflow("needs-task", "absent")),
        S.INVALID_ARGUMENT,
        `failed to compile workflow for [resource_type:WORKFLOW project:"${P}" domain:"${D}" name:"needs-task" version:"${V}"] with err: missing entity of type TASK with identifier project:"${P}" domain:"${D}" name:"absent" version:"${V}"`,
      );
      await expectCode(unary(admin, "CreateWorkflow", { id: wfId("nospec") }), S.INVALID_ARGUMENT, "missing spec");
      await expectCode(
        unary(admin, "CreateWorkflow", { ...workflow("ghost-project", "t"), id: { ...wfId("x"), project: "ghost" } }),
        S.INVALID_ARGUMENT,
        /^failed to validate that project \[ghost\]/,
      );
      await unary(admin, "CreateTask", task("adder"));
      await unary(admin, "CreateWorkflow", workflow("chain", "adder", 2));
      await expectCode(
        unary(admin, "CreateWorkflow", workflow("chain", "adder", 2)),
        S.ALREADY_EXISTS,
        "workflow with identical structure already exists",
      );
      await expectCode(
        unary(admin, "CreateWorkflow", workflow("chain", "adder", 3)),
        S.INVALID_ARGUMENT,
        /^chain workflow with different structure already exists\./,
      );
      // Over HTTP the identical re-registration is 409 and the detail is a packed CreateWorkflowFailureReason.
      const res = await http("/api/v1/workflows", {
        method: "POST",
        body: JSON.stringify(workflow("chain", "adder", 2)),
        headers: { "Content-Type": "application/json" },
      });
      assert.equal(res.status, 409);
      const details = res.body.details as Array<Record<string, unknown>>;
      assert.equal(details[0]?.["@type"], "type.googleapis.com/flyteidl.admin.CreateWorkflowFailureReason");
      assert.ok(details[0]?.["exists_identical_structure"]);
    });

    test("GetWorkflow, ListWorkflows (interface only) and ListWorkflowIds over HTTP", async () => {
      await unary(admin, "CreateTask", task("t2"));
      await unary(admin, "CreateWorkflow", workflow("listed", "t2"));
      await unary(admin, "CreateWorkflow", {
        ...workflow("listed", "t2", 2),
        id: wfId("listed", "v2"),
        spec: { template: { ...workflow("listed", "t2", 2).spec.template, id: wfId("listed", "v2") } },
      });
      const got = await http(`/api/v1/workflows/${P}/${D}/listed/${V}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body.id, { ...wfId("listed"), org: "" });
      const list = await http(`/api/v1/workflows/${P}/${D}/listed?limit=1`);
      const workflows = list.body.workflows as Array<{
        id: { version: string };
        closure: { compiled_workflow: { primary: { template: { nodes: unknown[]; interface: { inputs: unknown } } } } };
      }>;
      assert.equal(workflows.length, 1);
      assert.deepEqual(workflows[0]?.closure.compiled_workflow.primary.template.nodes, []);
      assert.ok(workflows[0]?.closure.compiled_workflow.primary.template.interface.inputs);
      assert.equal(list.body.token, "1");
      const ids = await http(`/api/v1/workflow_ids/${P}/${D}?limit=1000`);
      assert.ok((ids.body.entities as Array<{ name: string }>).some((e) => e.name === "listed"));
      const missing = await http(`/api/v1/workflows/${P}/${D}/listed/v9`);
      assert.equal(missing.status, 404);
      assert.equal((await http(`/api/v1/workflows/${P}/${D}?limit=0`)).status, 400);
    });

    test("launch plans: create, activate one version at a time, active reads, workflow.* filters", async () => {
      await unary(admin, "CreateTask", task("t3"));
      await unary(admin, "CreateWorkflow", workflow("lpwf", "t3"));
      const lp = (version: string, fixed = 1) => ({
        id: lpId("mylp", version),
        spec: {
          workflow_id: wfId("lpwf"),
          fixed_inputs: { literals: { x: { scalar: { primitive: { integer: String(fixed) } } } } },
        },
      });
      await unary(admin, "CreateLaunchPlan", lp("v1"));
      await unary(admin, "CreateLaunchPlan", lp("v2", 2));
      await expectCode(
        unary(admin, "CreateLaunchPlan", lp("v1")),
        S.ALREADY_EXISTS,
        "launch plan with identical structure already exists",
      );
      await expectCode(
        unary(admin, "CreateLaunchPlan", lp("v1", 5)),
        S.INVALID_ARGUMENT,
        /^mylp launch plan with different structure already exists/,
      );
      await expectCode(
        unary(admin, "CreateLaunchPlan", {
          id: lpId("bad"),
          spec: {
            workflow_id: wfId("lpwf"),
            fixed_inputs: { literals: { y: { scalar: { primitive: { integer: "1" } } } } },
          },
        }),
        S.INVALID_ARGUMENT,
        "unexpected fixed_input y",
      );
      await expectCode(
        unary(admin, "CreateLaunchPlan", { id: lpId("bad"), spec: { workflow_id: wfId("nowf") } }),
        S.NOT_FOUND,
        /^missing entity of type WORKFLOW/,
      );
      const created = await unary<{
        closure: { state: string; expected_outputs: { variables: Record<string, unknown> } };
      }>(admin, "GetLaunchPlan", { id: lpId("mylp") });
      assert.equal(created.closure.state, "INACTIVE");
      assert.ok(created.closure.expected_outputs.variables.o);

      const noActive = await http(`/api/v1/active_launch_plans/${P}/${D}/mylp`);
      assert.equal(noActive.status, 404);
      assert.equal(noActive.body.message, `No active launch plan could be found: ${P}:${D}:mylp`);
      const put = (version: string, state: string) =>
        http(`/api/v1/launch_plans/${P}/${D}/mylp/${version}`, {
          method: "PUT",
          body: JSON.stringify({ state }),
          headers: { "Content-Type": "application/json" },
        });
      assert.equal((await put("v1", "ACTIVE")).status, 200);
      assert.equal((await put("v2", "ACTIVE")).status, 200);
      const active = await http(`/api/v1/active_launch_plans/${P}/${D}/mylp`);
      assert.equal((active.body.id as { version: string }).version, "v2");
      assert.equal((active.body.closure as { state: string }).state, "ACTIVE");
      const activeList = await http(`/api/v1/active_launch_plans/${P}/${D}?limit=10`);
      assert.deepEqual(
        (activeList.body.launch_plans as Array<{ id: { version: string } }>).map((l) => l.id.version),
        ["v2"],
      );
      assert.equal((await http(`/api/v1/active_launch_plans/${P}/${D}`)).status, 400, "limit is required");
      assert.equal((await put("v9", "ACTIVE")).status, 404);
      await unary(admin, "UpdateLaunchPlan", { id: lpId("mylp", "v2"), state: "INACTIVE" });
      assert.equal((await http(`/api/v1/active_launch_plans/${P}/${D}/mylp`)).status, 404);

      const byWorkflow = await http(`/api/v1/launch_plans/${P}/${D}?limit=10&filters=eq(workflow.name,lpwf)`);
      assert.deepEqual(
        (byWorkflow.body.launch_plans as Array<{ id: { version: string } }>).map((l) => l.id.version).sort(),
        ["v1", "v2"],
      );
      const bad = await http(`/api/v1/launch_plans/${P}/${D}?limit=10&filters=eq(task.name,x)`);
      assert.equal(bad.status, 400);
      const ids = await unary<{ entities: Array<{ name: string }> }>(admin, "ListLaunchPlanIds", {
        project: P,
        domain: D,
        limit: 1000,
      });
      assert.ok(ids.entities.some((e) => e.name === "mylp"));

      // A workflow with a launch-plan node compiles against the registered launch plan's expected interface.
      const parent = (name: string, lpVersion: string) => ({
        id: wfId(name),
        spec: {
          template: {
            id: wfId(name),
            interface: { outputs: { variables: { o: { type: INT } } } },
            nodes: [{ id: "sub", workflow_node: { launchplan_ref: lpId("mylp", lpVersion) } }],
            outputs: [promise("o", "sub", "o")],
          },
        },
      });
      await unary(admin, "CreateWorkflow", parent("parent", "v1"));
      const got = await unary<{
        closure: { compiled_workflow: { primary: { connections: { upstream: Record<string, { ids: string[] }> } } } };
      }>(admin, "GetWorkflow", { id: wfId("parent") });
      assert.deepEqual(got.closure.compiled_workflow.primary.connections.upstream["end-node"]?.ids, ["sub"]);
      await expectCode(
        unary(admin, "CreateWorkflow", parent("orphan", "v7")),
        S.INVALID_ARGUMENT,
        `failed to compile workflow for [resource_type:WORKFLOW project:"${P}" domain:"${D}" name:"orphan" version:"${V}"] with err: missing entity of type LAUNCH_PLAN with identifier project:"${P}" domain:"${D}" name:"mylp" version:"v7"`,
      );
    });
  });
}

// Matchable attributes end to end (upstream flyteadmin/pkg/manager/impl/resources/resource_manager.go), through an independent gRPC client and the HTTP gateway, on SQLite
// and PostgreSQL: levels and fallback, server defaults for WORKFLOW_EXECUTION_CONFIG, deletes, the list, and the
// `?resource_type=` query binding of the GET routes.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { ProjectDomainAttributesGetResponseSchema } from "@aloft/idl/flyteidl/admin/project_domain_attributes_pb.js";
import { adminClient, grpc, unary, type GrpcJsClient } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { postgresAvailability } from "@aloft/testkit";

const S = grpc.status;
const P = "flytesnacks";
const D = "development";

async function expectCode(p: Promise<unknown>, code: number, message?: string | RegExp) {
  await assert.rejects(p, (err: grpc.ServiceError) => {
    assert.equal(err.code, code, `expected code ${code}, got ${err.code}: ${err.details}`);
    const details = err.details;
    if (typeof message === "string") assert.equal(details, message);
    else if (message) assert.match(details, message);
    return true;
  });
}

const cpu = (v: string) => ({ task_resource_attributes: { defaults: { cpu: v, memory: "1Gi" }, limits: { cpu: v } } });

interface Matching {
  target?: string;
  task_resource_attributes?: { defaults: { cpu: string } };
  execution_queue_attributes?: { tags: string[] };
  workflow_execution_config?: { max_parallelism: number; labels: { values: Record<string, string> } | null };
}

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`matchable attributes end to end (${kind})`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    let platform: TestPlatform;
    let admin: GrpcJsClient;
    before(async () => {
      platform = await startTestPlatform({ database: kind });
      admin = adminClient(platform.grpcAddress);
      await unary(admin, "RegisterProject", { project: { id: "attrs", name: "attrs" } });
    });
    after(async () => {
      admin?.close();
      await platform?.close();
    });

    const http = (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = { accept: "application/json" },
    ) =>
      fetch(`${platform.httpUrl}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

    test("gRPC: levels, fallback to less specific rows, NOT_FOUND, list and deletes", async () => {
      await unary(admin, "UpdateProjectAttributes", {
        attributes: { project: "attrs", matching_attributes: cpu("1") },
      });
      const fallback = await unary<{ attributes: { project: string; domain: string; matching_attributes: Matching } }>(
        admin,
        "GetProjectDomainAttributes",
        { project: "attrs", domain: D, resource_type: "TASK_RESOURCE" },
      );
      assert.deepEqual([fallback.attributes.project, fallback.attributes.domain], ["attrs", ""]);
      assert.equal(fallback.attributes.matching_attributes.target, "task_resource_attributes");
      assert.equal(fallback.attributes.matching_attributes.task_resource_attributes?.defaults.cpu, "1");

      await unary(admin, "UpdateProjectDomainAttributes", {
        attributes: { project: "attrs", domain: D, matching_attributes: cpu("2") },
      });
      await unary(admin, "UpdateWorkflowAttributes", {
        attributes: { project: "attrs", domain: D, workflow: "wf", matching_attributes: cpu("3") },
      });
      type WfGet = { attributes: { domain: string; workflow: string; matching_attributes: Matching } };
      const wf = await unary<WfGet>(admin, "GetWorkflowAttributes", { project: "attrs", domain: D, workflow: "wf" });
      assert.deepEqual(
        [wf.attributes.workflow, wf.attributes.matching_attributes.task_resource_attributes?.defaults.cpu],
        ["wf", "3"],
      );
      const other = await unary<WfGet>(admin, "GetWorkflowAttributes", {
        project: "attrs",
        domain: D,
        workflow: "other",
      });
      assert.deepEqual(
        [
          other.attributes.domain,
          other.attributes.workflow,
          other.attributes.matching_attributes.task_resource_attributes?.defaults.cpu,
        ],
        [D, "", "2"],
      );

      const list = await unary<{
        configurations: Array<{ project: string; domain: string; workflow: string; launch_plan: string }>;
      }>(admin, "ListMatchableAttributes", { resource_type: "TASK_RESOURCE" });
      assert.deepEqual(
        list.configurations
          .filter((c) => c.project === "attrs")
          .map((c) => `${c.domain}/${c.workflow}/${c.launch_plan}`),
        [`${D}/wf/`, `${D}//`, "//"],
      );
      const empty = await unary<{ configurations: unknown[] }>(admin, "ListMatchableAttributes", {
        resource_type: "CLUSTER_ASSIGNMENT",
      });
      assert.deepEqual(empty.configurations, []);
      await expectCode(
        unary(admin, "ListMatchableAttributes", { resource_type: 99 }),
        S.INVALID_ARGUMENT,
        "invalid value for resource_type",
      );

      await expectCode(
        unary(admin, "GetWorkflowAttributes", {
          project: "attrs",
          domain: D,
          workflow: "wf",
          resource_type: "EXECUTION_QUEUE",
        }),
        S.NOT_FOUND,
        "Resource [{Project:attrs Domain:development Workflow:wf LaunchPlan: ResourceType:EXECUTION_QUEUE}] not found",
      );
      // Deleting the project-domain row takes the workflow row with it; deleting again is fine.
      await unary(admin, "DeleteProjectDomainAttributes", {
        project: "attrs",
        domain: D,
        resource_type: "TASK_RESOURCE",
      });
      await unary(admin, "DeleteProjectDomainAttributes", {
        project: "attrs",
        domain: D,
        resource_type: "TASK_RESOURCE",
      });
      const after = await unary<WfGet>(admin, "GetWorkflowAttributes", { project: "attrs", domain: D, workflow: "wf" });
      assert.deepEqual([after.attributes.domain, after.attributes.workflow], ["", ""]);
      await unary(admin, "DeleteProjectAttributes", { project: "attrs", resource_type: "TASK_RESOURCE" });
      await expectCode(
        unary(admin, "GetProjectAttributes", { project: "attrs" }),
        S.NOT_FOUND,
        /^Resource \[\{Project:attrs Domain: /,
      );
    });

    test("gRPC: validation and gate errors carry upstream's codes and messages", async () => {
      await expectCode(unary(admin, "UpdateProjectDomainAttributes", {}), S.INVALID_ARGUMENT, "missing attributes");
      await expectCode(
        unary(admin, "UpdateProjectDomainAttributes", { attributes: { project: "attrs", domain: D } }),
        S.INVALID_ARGUMENT,
        "missing matching_attributes",
      );
      await expectCode(
        unary(admin, "UpdateProjectDomainAttributes", {
          attributes: { project: "attrs", domain: D, matching_attributes: { quality_of_service: { tier: "HIGH" } } },
        }),
        S.INVALID_ARGUMENT,
        "Unrecognized matching attributes type for request attrs-development",
      );
      await expectCode(
        unary(admin, "UpdateWorkflowAttributes", {
          attributes: { project: "attrs", domain: D, matching_attributes: cpu("1") },
        }),
        S.INVALID_ARGUMENT,
        "missing name",
      );
      await expectCode(
        unary(admin, "GetProjectDomainAttributes", { project: "ghost", domain: D }),
        S.INVALID_ARGUMENT,
        /^failed to validate that project \[ghost\] and domain \[development\] are registered/,
      );
      await expectCode(
        unary(admin, "GetWorkflowAttributes", { project: "attrs", domain: "qa", workflow: "wf" }),
        S.INVALID_ARGUMENT,
        "domain [qa] is unrecognized by system",
      );
      await expectCode(
        unary(admin, "UpdateProjectAttributes", { attributes: { project: "ghost", matching_attributes: cpu("1") } }),
        S.INVALID_ARGUMENT,
        /^failed to validate that project \[ghost\] is registered/,
      );
    });

    test("HTTP: PUT, GET with ?resource_type= by name, number or json name, DELETE without a body, exact statuses", async () => {
      let res = await http("PUT", `/api/v1/project_domain_attributes/${P}/${D}`, {
        attributes: { matching_attributes: { execution_queue_attributes: { tags: ["gpu", "fast"] } } },
      });
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(await json(res), {});

      for (const q of ["resource_type=EXECUTION_QUEUE", "resource_type=2", "resourceType=EXECUTION_QUEUE"]) {
        res = await http("GET", `/api/v1/project_domain_attributes/${P}/${D}?${q}`);
        assert.equal(res.status, 200, q);
        const body = (await json(res)) as {
          attributes: { project: string; domain: string; org: string; matching_attributes: Matching };
        };
        assert.deepEqual([body.attributes.project, body.attributes.domain, body.attributes.org], [P, D, ""]);
        assert.deepEqual(body.attributes.matching_attributes.execution_queue_attributes?.tags, ["gpu", "fast"], q);
      }
      // Without resource_type the request asks for TASK_RESOURCE (0), of which there is none here.
      res = await http("GET", `/api/v1/project_domain_attributes/${P}/${D}`);
      assert.equal(res.status, 404);
      assert.deepEqual(await json(res), {
        code: 5,
        message:
          "Resource [{Project:flytesnacks Domain:development Workflow: LaunchPlan: ResourceType:TASK_RESOURCE}] not found",
        details: [],
      });

      // Binary protobuf for flyteconsole.
      res = await http("GET", `/api/v1/project_domain_attributes/${P}/${D}?resource_type=EXECUTION_QUEUE`, undefined, {
        accept: "application/octet-stream",
      });
      assert.equal(res.headers.get("content-type"), "application/octet-stream");
      const bin = fromBinary(ProjectDomainAttributesGetResponseSchema, new Uint8Array(await res.arrayBuffer()));
      assert.equal(bin.attributes?.matchingAttributes?.target.case, "executionQueueAttributes");

      res = await http("PUT", `/api/v1/workflow_attributes/${P}/${D}/my.workflow`, {
        attributes: { matching_attributes: { execution_queue_attributes: { tags: ["wf"] } } },
      });
      assert.equal(res.status, 200);
      res = await http("GET", `/api/v1/workflow_attributes/${P}/${D}/my.workflow?resource_type=EXECUTION_QUEUE`);
      const wf = (await json(res)) as { attributes: { workflow: string; matching_attributes: Matching } };
      assert.deepEqual(
        [wf.attributes.workflow, wf.attributes.matching_attributes.execution_queue_attributes?.tags],
        ["my.workflow", ["wf"]],
      );

      res = await http("GET", `/api/v1/matchable_attributes?resource_type=EXECUTION_QUEUE`);
      assert.equal(res.status, 200);
      const list = (await json(res)) as { configurations: Array<{ workflow: string; launch_plan: string }> };
      assert.deepEqual(
        list.configurations.map((c) => c.workflow),
        ["my.workflow", ""],
      );

      // DELETE routes take the whole request as the body (`body: "*"`): the query string is not bound, so this
      // deletes TASK_RESOURCE rows (none) and leaves the queue row alone.
      // A write without a body still names its type (docs/security.md): without one it is 415 and deletes nothing.
      res = await http("DELETE", `/api/v1/workflow_attributes/${P}/${D}/my.workflow?resource_type=EXECUTION_QUEUE`);
      assert.equal(res.status, 415);
      res = await http(
        "DELETE",
        `/api/v1/workflow_attributes/${P}/${D}/my.workflow?resource_type=EXECUTION_QUEUE`,
        undefined,
        {
          accept: "application/json",
          "content-type": "application/json",
        },
      );
      assert.equal(res.status, 200);
      res = await http("GET", `/api/v1/workflow_attributes/${P}/${D}/my.workflow?resource_type=EXECUTION_QUEUE`);
      assert.equal(((await json(res)) as { attributes: { workflow: string } }).attributes.workflow, "my.workflow");
      res = await http("DELETE", `/api/v1/workflow_attributes/${P}/${D}/my.workflow`, {
        resource_type: "EXECUTION_QUEUE",
      });
      assert.equal(res.status, 200);
      res = await http("GET", `/api/v1/workflow_attributes/${P}/${D}/my.workflow?resource_type=EXECUTION_QUEUE`);
      assert.equal(((await json(res)) as { attributes: { workflow: string } }).attributes.workflow, "");
      // No body at all is fine too (a TASK_RESOURCE delete of nothing), given a JSON or protobuf type; none is 415.
      res = await fetch(`${platform.httpUrl}/api/v1/workflow_attributes/${P}/${D}/my.workflow`, { method: "DELETE" });
      assert.equal(res.status, 415);
      res = await fetch(`${platform.httpUrl}/api/v1/workflow_attributes/${P}/${D}/my.workflow`, {
        method: "DELETE",
        headers: { "content-type": "application/octet-stream" },
      });
      assert.equal(res.status, 200);
      res = await http("DELETE", `/api/v1/project_domain_attributes/${P}/${D}`, { resource_type: "EXECUTION_QUEUE" });
      assert.equal(res.status, 200);
      res = await http("GET", `/api/v1/project_domain_attributes/${P}/${D}?resource_type=EXECUTION_QUEUE`);
      assert.equal(res.status, 404);

      res = await http("PUT", `/api/v1/project_domain_attributes/${P}/${D}`, {
        attributes: { matching_attributes: { quality_of_service: { tier: "HIGH" } } },
      });
      assert.equal(res.status, 400);
      assert.deepEqual(await json(res), {
        code: 3,
        message: "Unrecognized matching attributes type for request flytesnacks-development",
        details: [],
      });
      res = await http("GET", `/api/v1/project_domain_attributes/nope/${D}`);
      assert.equal(res.status, 400);
      res = await http("GET", `/api/v1/matchable_attributes?resource_type=99`);
      assert.equal(res.status, 400);
    });

    test("HTTP: project WORKFLOW_EXECUTION_CONFIG is the server default when absent and merged with it when present", async () => {
      let res = await http("GET", `/api/v1/project_attributes/${P}?resource_type=WORKFLOW_EXECUTION_CONFIG`);
      assert.equal(res.status, 200);
      let body = (await json(res)) as { attributes: { project: string; matching_attributes: Matching } };
      assert.equal(body.attributes.project, P);
      assert.equal(body.attributes.matching_attributes.workflow_execution_config?.max_parallelism, 25);

      res = await http("PUT", `/api/v1/project_attributes/${P}`, {
        attributes: { matching_attributes: { workflow_execution_config: { labels: { values: { team: "ml" } } } } },
      });
      assert.equal(res.status, 200);
      res = await http("GET", `/api/v1/project_attributes/${P}?resource_type=WORKFLOW_EXECUTION_CONFIG`);
      body = (await json(res)) as { attributes: { project: string; matching_attributes: Matching } };
      assert.equal(body.attributes.matching_attributes.workflow_execution_config?.max_parallelism, 25);
      assert.deepEqual(body.attributes.matching_attributes.workflow_execution_config?.labels?.values, { team: "ml" });

      // The project-domain Get sees the stored row (no server defaults merged there).
      res = await http("GET", `/api/v1/project_domain_attributes/${P}/${D}?resource_type=WORKFLOW_EXECUTION_CONFIG`);
      const pd = (await json(res)) as { attributes: { domain: string; matching_attributes: Matching } };
      assert.deepEqual(
        [pd.attributes.domain, pd.attributes.matching_attributes.workflow_execution_config?.max_parallelism],
        ["", 0],
      );

      res = await http("DELETE", `/api/v1/project_attributes/${P}`, { resourceType: "WORKFLOW_EXECUTION_CONFIG" });
      assert.equal(res.status, 200);
      res = await http("GET", `/api/v1/project_domain_attributes/${P}/${D}?resource_type=WORKFLOW_EXECUTION_CONFIG`);
      assert.equal(res.status, 404);
      res = await http("GET", `/api/v1/project_attributes/${P}?resource_type=CLUSTER_RESOURCE`);
      assert.equal(res.status, 404);
      res = await http("GET", `/api/v1/project_attributes/ghost?resource_type=CLUSTER_RESOURCE`);
      assert.equal(res.status, 400);
    });
  });
}

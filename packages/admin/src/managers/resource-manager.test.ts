// ResourceManager against a real (SQLite) database: every rule and error path of upstream flyteadmin/pkg/manager/impl/resources/resource_manager.go.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ManualClock } from "@aloft/core/testing";
import { defaultConfig } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";
import { silentLogger } from "@aloft/core";
import {
  ListMatchableAttributesRequestSchema,
  MatchableResource,
  MatchingAttributesSchema,
  PluginOverride_MissingPluginBehavior,
  WorkflowExecutionConfigSchema,
  type MatchingAttributes,
} from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import {
  ProjectAttributesDeleteRequestSchema,
  ProjectAttributesGetRequestSchema,
  ProjectAttributesUpdateRequestSchema,
} from "@aloft/idl/flyteidl/admin/project_attributes_pb.js";
import {
  ProjectDomainAttributesDeleteRequestSchema,
  ProjectDomainAttributesGetRequestSchema,
  ProjectDomainAttributesUpdateRequestSchema,
} from "@aloft/idl/flyteidl/admin/project_domain_attributes_pb.js";
import {
  WorkflowAttributesDeleteRequestSchema,
  WorkflowAttributesGetRequestSchema,
  WorkflowAttributesUpdateRequestSchema,
} from "@aloft/idl/flyteidl/admin/workflow_attributes_pb.js";
import { QualityOfService_Tier } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { createTestDatabase, type TestDatabase } from "@aloft/testkit";
import { ProjectRepo } from "../repositories/project-repo.ts";
import { ResourceRepo } from "../repositories/resource-repo.ts";
import { ProjectGate } from "./project-gate.ts";
import {
  defaultWorkflowExecutionDefaults,
  mergeIntoExecConfig,
  ResourceManager,
  workflowExecutionConfigOf,
} from "./resource-manager.ts";
import { MatchableTaskResourceLimits } from "./task-resource-limits.ts";

const RT = MatchableResource;
const TR = RT.TASK_RESOURCE;

type Target = MatchingAttributes["target"];
const attrs = (target: Target) => create(MatchingAttributesSchema, { target });
const cpu = (v: string): Target => ({
  case: "taskResourceAttributes",
  value: { defaults: { cpu: v }, limits: { cpu: v } } as never,
});
const queue = (...tags: string[]): Target => ({ case: "executionQueueAttributes", value: { tags } as never });
const cpuOf = (m: MatchingAttributes | undefined) =>
  m?.target.case === "taskResourceAttributes" ? m.target.value.defaults?.cpu : `not task resources: ${m?.target.case}`;

async function rejectsWith(p: Promise<unknown>, code: Code, message: string | RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AloftError, String(err));
    assert.equal(err.code, code, err.message);
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe("ResourceManager", () => {
  let tdb: TestDatabase;
  let m: ResourceManager;
  let projects: ProjectRepo;

  before(async () => {
    tdb = await createTestDatabase("sqlite");
  });
  after(async () => {
    await tdb?.drop();
  });
  beforeEach(async () => {
    const db = tdb.database.db;
    await db.deleteFrom("resources").execute();
    await db.deleteFrom("projects").execute();
    const clock = new ManualClock();
    projects = new ProjectRepo(db, clock);
    for (const [id, state] of [
      ["p", 0],
      ["other", 0],
      ["archived", 1],
    ] as const) {
      await projects.create({ identifier: id, name: id, description: "", labels: null, state });
    }
    m = new ResourceManager({
      repo: new ResourceRepo(db, clock),
      gate: new ProjectGate(projects, defaultConfig().domains),
      workflowExecutionDefaults: defaultWorkflowExecutionDefaults(),
      logger: silentLogger(),
    });
  });

  const putProject = (project: string, target: Target) =>
    m.updateProjectAttributes(
      create(ProjectAttributesUpdateRequestSchema, { attributes: { project, matchingAttributes: attrs(target) } }),
    );
  const putDomain = (project: string, domain: string, target: Target) =>
    m.updateProjectDomainAttributes(
      create(ProjectDomainAttributesUpdateRequestSchema, {
        attributes: { project, domain, matchingAttributes: attrs(target) },
      }),
    );
  const putWorkflow = (project: string, domain: string, workflow: string, target: Target) =>
    m.updateWorkflowAttributes(
      create(WorkflowAttributesUpdateRequestSchema, {
        attributes: { project, domain, workflow, matchingAttributes: attrs(target) },
      }),
    );
  const getProject = (project: string, resourceType = TR) =>
    m
      .getProjectAttributes(create(ProjectAttributesGetRequestSchema, { project, resourceType }))
      .then((r) => r.attributes);
  const getDomain = (project: string, domain: string, resourceType = TR) =>
    m
      .getProjectDomainAttributes(create(ProjectDomainAttributesGetRequestSchema, { project, domain, resourceType }))
      .then((r) => r.attributes);
  const getWorkflow = (project: string, domain: string, workflow: string, resourceType = TR) =>
    m
      .getWorkflowAttributes(create(WorkflowAttributesGetRequestSchema, { project, domain, workflow, resourceType }))
      .then((r) => r.attributes);

  test("project-domain Get returns its own row, else falls back to the project row (domain empty)", async () => {
    await putProject("p", cpu("1"));
    let got = await getDomain("p", "development");
    assert.deepEqual([got?.project, got?.domain, cpuOf(got?.matchingAttributes)], ["p", "", "1"]);
    await putDomain("p", "development", cpu("2"));
    got = await getDomain("p", "development");
    assert.deepEqual([got?.project, got?.domain, cpuOf(got?.matchingAttributes)], ["p", "development", "2"]);
    assert.equal(cpuOf((await getDomain("p", "staging"))?.matchingAttributes), "1");
  });

  test("workflow Get returns the most specific row: workflow, else project-domain, else project", async () => {
    await putProject("p", cpu("1"));
    assert.deepEqual(
      await getWorkflow("p", "development", "wf").then((a) => [
        a?.project,
        a?.domain,
        a?.workflow,
        cpuOf(a?.matchingAttributes),
      ]),
      ["p", "", "", "1"],
    );
    await putDomain("p", "development", cpu("2"));
    assert.deepEqual(
      await getWorkflow("p", "development", "wf").then((a) => [a?.domain, a?.workflow, cpuOf(a?.matchingAttributes)]),
      ["development", "", "2"],
    );
    await putWorkflow("p", "development", "wf", cpu("3"));
    assert.deepEqual(
      await getWorkflow("p", "development", "wf").then((a) => [a?.domain, a?.workflow, cpuOf(a?.matchingAttributes)]),
      ["development", "wf", "3"],
    );
    assert.equal(cpuOf((await getWorkflow("p", "development", "other"))?.matchingAttributes), "2");
  });

  test("Get with nothing stored is NOT_FOUND naming the key; types do not mix", async () => {
    await putDomain("p", "development", queue("q1"));
    await rejectsWith(
      getDomain("p", "development"),
      Code.NOT_FOUND,
      "Resource [{Project:p Domain:development Workflow: LaunchPlan: ResourceType:TASK_RESOURCE}] not found",
    );
    await rejectsWith(
      getWorkflow("p", "staging", "wf", RT.EXECUTION_QUEUE),
      Code.NOT_FOUND,
      "Resource [{Project:p Domain:staging Workflow:wf LaunchPlan: ResourceType:EXECUTION_QUEUE}] not found",
    );
    await rejectsWith(
      getProject("p", RT.CLUSTER_RESOURCE),
      Code.NOT_FOUND,
      "Resource [{Project:p Domain: Workflow: LaunchPlan: ResourceType:CLUSTER_RESOURCE}] not found",
    );
  });

  test("Update replaces the whole attributes of its level", async () => {
    await putDomain("p", "development", queue("a", "b"));
    await putDomain("p", "development", queue("c"));
    const got = await getDomain("p", "development", RT.EXECUTION_QUEUE);
    assert.deepEqual(
      got?.matchingAttributes?.target.value,
      create(MatchingAttributesSchema, { target: queue("c") }).target.value,
    );
  });

  test("the resource type comes from the oneof; missing pieces and quality_of_service are INVALID_ARGUMENT", async () => {
    const cases: Array<[Target, MatchableResource]> = [
      [{ case: "clusterResourceAttributes", value: { attributes: { k: "v" } } as never }, RT.CLUSTER_RESOURCE],
      [{ case: "executionClusterLabel", value: { value: "gpu" } as never }, RT.EXECUTION_CLUSTER_LABEL],
      [{ case: "workflowExecutionConfig", value: { maxParallelism: 3 } as never }, RT.WORKFLOW_EXECUTION_CONFIG],
      [{ case: "clusterAssignment", value: { clusterPoolName: "pool" } as never }, RT.CLUSTER_ASSIGNMENT],
      [
        { case: "pluginOverrides", value: { overrides: [{ taskType: "spark", pluginId: ["x"] }] } as never },
        RT.PLUGIN_OVERRIDE,
      ],
    ];
    for (const [target, type] of cases) {
      await putDomain("p", "development", target);
      assert.equal((await getDomain("p", "development", type))?.matchingAttributes?.target.case, target.case);
    }
    const qos: Target = {
      case: "qualityOfService",
      value: { designation: { case: "tier", value: QualityOfService_Tier.HIGH } } as never,
    };
    await rejectsWith(
      putDomain("p", "development", qos),
      Code.INVALID_ARGUMENT,
      "Unrecognized matching attributes type for request p-development",
    );
    await rejectsWith(
      putWorkflow("p", "development", "wf", qos),
      Code.INVALID_ARGUMENT,
      "Unrecognized matching attributes type for request p-development-wf",
    );
    await rejectsWith(
      putProject("p", qos),
      Code.INVALID_ARGUMENT,
      "Unrecognized matching attributes type for request p",
    );
    await rejectsWith(
      putDomain("p", "development", { case: undefined }),
      Code.INVALID_ARGUMENT,
      "missing matching_attributes",
    );
    await rejectsWith(
      m.updateProjectDomainAttributes(
        create(ProjectDomainAttributesUpdateRequestSchema, { attributes: { project: "p", domain: "development" } }),
      ),
      Code.INVALID_ARGUMENT,
      "missing matching_attributes",
    );
    for (const req of [
      m.updateProjectAttributes(create(ProjectAttributesUpdateRequestSchema)),
      m.updateProjectDomainAttributes(create(ProjectDomainAttributesUpdateRequestSchema)),
      m.updateWorkflowAttributes(create(WorkflowAttributesUpdateRequestSchema)),
    ]) {
      await rejectsWith(req, Code.INVALID_ARGUMENT, "missing attributes");
    }
  });

  test("workflow attributes require a workflow name, checked after the project/domain gate", async () => {
    await rejectsWith(putWorkflow("p", "development", "", cpu("1")), Code.INVALID_ARGUMENT, "missing name");
    await rejectsWith(getWorkflow("p", "development", ""), Code.INVALID_ARGUMENT, "missing name");
    await rejectsWith(
      m.deleteWorkflowAttributes(
        create(WorkflowAttributesDeleteRequestSchema, { project: "p", domain: "development" }),
      ),
      Code.INVALID_ARGUMENT,
      "missing name",
    );
    await rejectsWith(
      putWorkflow("p", "nope", "", cpu("1")),
      Code.INVALID_ARGUMENT,
      "domain [nope] is unrecognized by system",
    );
  });

  test("project-domain and workflow RPCs pass the project/domain gate (unknown, archived, bad domain)", async () => {
    const unknown = /^failed to validate that project \[ghost\] and domain \[development\] are registered/;
    await rejectsWith(putDomain("ghost", "development", cpu("1")), Code.INVALID_ARGUMENT, unknown);
    await rejectsWith(getDomain("ghost", "development"), Code.INVALID_ARGUMENT, unknown);
    await rejectsWith(
      m.deleteProjectDomainAttributes(
        create(ProjectDomainAttributesDeleteRequestSchema, { project: "ghost", domain: "development" }),
      ),
      Code.INVALID_ARGUMENT,
      unknown,
    );
    await rejectsWith(putWorkflow("ghost", "development", "wf", cpu("1")), Code.INVALID_ARGUMENT, unknown);
    await rejectsWith(getWorkflow("ghost", "development", "wf"), Code.INVALID_ARGUMENT, unknown);
    await rejectsWith(getDomain("archived", "development"), Code.INVALID_ARGUMENT, "project [archived] is not active");
    await rejectsWith(
      putWorkflow("archived", "development", "wf", cpu("1")),
      Code.INVALID_ARGUMENT,
      "project [archived] is not active",
    );
    await rejectsWith(getDomain("p", "qa"), Code.INVALID_ARGUMENT, "domain [qa] is unrecognized by system");
  });

  test("project attributes: Update/Delete need an active project, Get only an existing one", async () => {
    await rejectsWith(putProject("archived", cpu("1")), Code.INVALID_ARGUMENT, "project [archived] is not active");
    await rejectsWith(
      m.deleteProjectAttributes(
        create(ProjectAttributesDeleteRequestSchema, { project: "archived", resourceType: TR }),
      ),
      Code.INVALID_ARGUMENT,
      "project [archived] is not active",
    );
    await rejectsWith(
      putProject("ghost", cpu("1")),
      Code.INVALID_ARGUMENT,
      /^failed to validate that project \[ghost\] is registered/,
    );
    await rejectsWith(
      getProject("ghost"),
      Code.INVALID_ARGUMENT,
      /^failed to validate that project \[ghost\] is registered/,
    );
    // Readable while archived.
    await putProject("p", cpu("1"));
    await projects.update("p", { state: 1 });
    assert.equal(cpuOf((await getProject("p"))?.matchingAttributes), "1");
  });

  test("GetProjectAttributes reads only the project-level row", async () => {
    await putDomain("p", "development", cpu("2"));
    await rejectsWith(getProject("p"), Code.NOT_FOUND, /^Resource \[/);
    await putProject("p", cpu("1"));
    const got = await getProject("p");
    assert.deepEqual([got?.project, cpuOf(got?.matchingAttributes)], ["p", "1"]);
  });

  test("WORKFLOW_EXECUTION_CONFIG project attributes: server defaults when absent, merged into empty fields when present", async () => {
    const wecOf = (a: Awaited<ReturnType<typeof getProject>>) =>
      a?.matchingAttributes?.target.case === "workflowExecutionConfig" ? a.matchingAttributes.target.value : undefined;
    const absent = wecOf(await getProject("p", RT.WORKFLOW_EXECUTION_CONFIG));
    assert.equal(absent?.maxParallelism, 25);
    assert.equal(absent?.securityContext, undefined);
    assert.equal(absent?.interruptible, undefined);

    await putProject("p", { case: "workflowExecutionConfig", value: { labels: { values: { team: "ml" } } } as never });
    const merged = wecOf(await getProject("p", RT.WORKFLOW_EXECUTION_CONFIG));
    assert.equal(merged?.maxParallelism, 25);
    assert.deepEqual(merged?.labels?.values, { team: "ml" });

    await putProject("p", { case: "workflowExecutionConfig", value: { maxParallelism: 7 } as never });
    assert.equal(wecOf(await getProject("p", RT.WORKFLOW_EXECUTION_CONFIG))?.maxParallelism, 7);
    // The stored row itself is not changed by the merge.
    const listed = await m.listMatchableAttributes(
      create(ListMatchableAttributesRequestSchema, { resourceType: RT.WORKFLOW_EXECUTION_CONFIG }),
    );
    const stored = listed.configurations[0]?.attributes?.target;
    assert.equal(stored?.case === "workflowExecutionConfig" ? stored.value.labels : "wrong case", undefined);
  });

  test("Delete of a missing row succeeds; Delete removes the level's row and the more specific rows of the type", async () => {
    await m.deleteProjectDomainAttributes(
      create(ProjectDomainAttributesDeleteRequestSchema, { project: "p", domain: "development", resourceType: TR }),
    );
    await m.deleteProjectAttributes(create(ProjectAttributesDeleteRequestSchema, { project: "p", resourceType: TR }));
    await m.deleteWorkflowAttributes(
      create(WorkflowAttributesDeleteRequestSchema, {
        project: "p",
        domain: "development",
        workflow: "wf",
        resourceType: TR,
      }),
    );

    await putProject("p", cpu("1"));
    await putDomain("p", "development", cpu("2"));
    await putWorkflow("p", "development", "wf", cpu("3"));
    await putDomain("p", "development", queue("q"));
    await putProject("other", cpu("9"));

    await m.deleteWorkflowAttributes(
      create(WorkflowAttributesDeleteRequestSchema, {
        project: "p",
        domain: "development",
        workflow: "wf",
        resourceType: TR,
      }),
    );
    assert.equal(cpuOf((await getWorkflow("p", "development", "wf"))?.matchingAttributes), "2");

    await putWorkflow("p", "development", "wf", cpu("3"));
    await m.deleteProjectDomainAttributes(
      create(ProjectDomainAttributesDeleteRequestSchema, { project: "p", domain: "development", resourceType: TR }),
    );
    assert.equal(
      cpuOf((await getWorkflow("p", "development", "wf"))?.matchingAttributes),
      "1",
      "the workflow row went too",
    );

    await putDomain("p", "development", cpu("2"));
    await m.deleteProjectAttributes(create(ProjectAttributesDeleteRequestSchema, { project: "p", resourceType: TR }));
    await rejectsWith(getDomain("p", "development"), Code.NOT_FOUND, /not found$/);
    assert.deepEqual(
      (await getDomain("p", "development", RT.EXECUTION_QUEUE))?.matchingAttributes?.target.case,
      "executionQueueAttributes",
    );
    assert.equal(cpuOf((await getProject("other"))?.matchingAttributes), "9");
  });

  test("PLUGIN_OVERRIDE merges per task type into the same level's row", async () => {
    const overrides = (...o: Array<[string, string]>): Target => ({
      case: "pluginOverrides",
      value: {
        overrides: o.map(([taskType, id]) => ({
          taskType,
          pluginId: [id],
          missingPluginBehavior: PluginOverride_MissingPluginBehavior.USE_DEFAULT,
        })),
      } as never,
    });
    const listed = async (get: () => Promise<{ matchingAttributes?: MatchingAttributes | undefined } | undefined>) => {
      const t = (await get())?.matchingAttributes?.target;
      return t?.case === "pluginOverrides" ? t.value.overrides.map((o) => `${o.taskType}=${o.pluginId.join(",")}`) : [];
    };
    for (const [put, get] of [
      [(t: Target) => putDomain("p", "development", t), () => getDomain("p", "development", RT.PLUGIN_OVERRIDE)],
      [
        (t: Target) => putWorkflow("p", "staging", "wf", t),
        () => getWorkflow("p", "staging", "wf", RT.PLUGIN_OVERRIDE),
      ],
      [(t: Target) => putProject("other", t), () => getProject("other", RT.PLUGIN_OVERRIDE)],
    ] as const) {
      await put(overrides(["spark", "a"], ["ray", "b"]));
      await put(overrides(["spark", "c"], ["dask", "d"]));
      assert.deepEqual(await listed(get), ["spark=c", "ray=b", "dask=d"]);
    }
  });

  test("ListMatchableAttributes: all rows of the type, priority desc; empty list; unknown type", async () => {
    await putProject("p", cpu("1"));
    await putWorkflow("p", "development", "wf", cpu("3"));
    await putDomain("p", "development", cpu("2"));
    await putDomain("p", "development", queue("q"));
    const res = await m.listMatchableAttributes(create(ListMatchableAttributesRequestSchema, { resourceType: TR }));
    assert.deepEqual(
      res.configurations.map((c) => [c.project, c.domain, c.workflow, c.launchPlan, cpuOf(c.attributes)]),
      [
        ["p", "development", "wf", "", "3"],
        ["p", "development", "", "", "2"],
        ["p", "", "", "", "1"],
      ],
    );
    const none = await m.listMatchableAttributes(
      create(ListMatchableAttributesRequestSchema, { resourceType: RT.CLUSTER_ASSIGNMENT }),
    );
    assert.deepEqual(none.configurations, []);
    await rejectsWith(
      m.listMatchableAttributes(
        create(ListMatchableAttributesRequestSchema, { resourceType: 42 as MatchableResource }),
      ),
      Code.INVALID_ARGUMENT,
      "invalid value for resource_type",
    );
  });

  test("getMatchable resolves the most specific row for executions, including the launch-plan level", async () => {
    assert.equal(await m.getMatchable(TR, { project: "p", domain: "development" }), undefined);
    await putProject("p", cpu("1"));
    await putWorkflow("p", "development", "wf", cpu("3"));
    assert.equal(cpuOf((await m.getMatchable(TR, { project: "p", domain: "development" }))?.attributes), "1");
    const wf = await m.getMatchable(TR, { project: "p", domain: "development", workflow: "wf", launchPlan: "lp" });
    assert.deepEqual([wf?.workflow, cpuOf(wf?.attributes)], ["wf", "3"]);
  });
});

describe("TaskResourceLimits from matchable attributes", () => {
  const configLimits = { cpu: "2", memory: "1Gi", gpu: "1", ephemeralStorage: "" };
  let tdb: TestDatabase;
  let m: ResourceManager;
  before(async () => {
    tdb = await createTestDatabase("sqlite");
    const clock = new ManualClock();
    const projects = new ProjectRepo(tdb.database.db, clock);
    await projects.create({ identifier: "p", name: "p", description: "", labels: null, state: 0 });
    m = new ResourceManager({
      repo: new ResourceRepo(tdb.database.db, clock),
      gate: new ProjectGate(projects, defaultConfig().domains),
      workflowExecutionDefaults: defaultWorkflowExecutionDefaults(),
      logger: silentLogger(),
    });
  });
  after(async () => {
    await tdb?.drop();
  });

  test("config limits without attributes; the most specific row's limits, taken whole, with them", async () => {
    const limits = new MatchableTaskResourceLimits(m, configLimits);
    assert.deepEqual(await limits.get("p", "development"), configLimits);
    await m.updateProjectAttributes(
      create(ProjectAttributesUpdateRequestSchema, {
        attributes: {
          project: "p",
          matchingAttributes: attrs({
            case: "taskResourceAttributes",
            value: { limits: { cpu: "8", memory: "16Gi" } } as never,
          }),
        },
      }),
    );
    assert.deepEqual(await limits.get("p", "development"), { cpu: "8", memory: "16Gi", gpu: "", ephemeralStorage: "" });
    await m.updateProjectDomainAttributes(
      create(ProjectDomainAttributesUpdateRequestSchema, {
        attributes: {
          project: "p",
          domain: "staging",
          matchingAttributes: attrs({ case: "taskResourceAttributes", value: { defaults: { cpu: "1" } } as never }),
        },
      }),
    );
    assert.deepEqual(await limits.get("p", "staging"), { cpu: "", memory: "", gpu: "", ephemeralStorage: "" });
    assert.deepEqual(await limits.get("p", "development"), { cpu: "8", memory: "16Gi", gpu: "", ephemeralStorage: "" });
    assert.deepEqual(await limits.get("q", "development"), configLimits);
  });
});

describe("workflow execution config defaults and merge", () => {
  test("server defaults carry max_parallelism and overwrite_cache, the rest only when configured", () => {
    const plain = workflowExecutionConfigOf(defaultWorkflowExecutionDefaults());
    assert.equal(plain.maxParallelism, 25);
    assert.equal(plain.overwriteCache, false);
    assert.deepEqual(
      [plain.securityContext, plain.rawOutputDataConfig, plain.labels, plain.annotations, plain.interruptible],
      [undefined, undefined, undefined, undefined, undefined],
    );
    const full = workflowExecutionConfigOf({
      ...defaultWorkflowExecutionDefaults(),
      k8sServiceAccount: "sa",
      outputLocationPrefix: "s3://raw",
      labels: { a: "1" },
      annotations: { b: "2" },
      interruptible: true,
      overwriteCache: true,
    });
    assert.equal(full.securityContext?.runAs?.k8sServiceAccount, "sa");
    assert.equal(full.rawOutputDataConfig?.outputLocationPrefix, "s3://raw");
    assert.deepEqual(
      [full.labels?.values, full.annotations?.values, full.interruptible, full.overwriteCache],
      [{ a: "1" }, { b: "2" }, true, true],
    );
  });

  test("mergeIntoExecConfig fills only empty fields and leaves its arguments alone", () => {
    const low = create(WorkflowExecutionConfigSchema, {
      maxParallelism: 25,
      securityContext: { runAs: { k8sServiceAccount: "low-sa" } },
      rawOutputDataConfig: { outputLocationPrefix: "s3://low" },
      labels: { values: { l: "low" } },
      annotations: { values: { a: "low" } },
      interruptible: true,
      overwriteCache: true,
      envs: { values: [{ key: "K", value: "V" }] },
    });
    const emptyHigh = create(WorkflowExecutionConfigSchema, { securityContext: { runAs: {} }, labels: { values: {} } });
    const filled = mergeIntoExecConfig(emptyHigh, low);
    assert.equal(filled.maxParallelism, 25);
    assert.equal(
      filled.securityContext?.runAs?.k8sServiceAccount,
      "",
      "a present security context is kept even when empty",
    );
    assert.equal(filled.rawOutputDataConfig?.outputLocationPrefix, "s3://low");
    assert.deepEqual(filled.labels?.values, { l: "low" });
    assert.deepEqual(filled.annotations?.values, { a: "low" });
    assert.equal(filled.interruptible, true);
    assert.equal(filled.overwriteCache, true);
    assert.equal(filled.envs?.values[0]?.key, "K");
    assert.deepEqual(emptyHigh.labels?.values, {}, "the argument is unchanged");

    const high = create(WorkflowExecutionConfigSchema, {
      maxParallelism: 3,
      interruptible: false,
      labels: { values: { l: "high" } },
    });
    const kept = mergeIntoExecConfig(high, low);
    assert.deepEqual([kept.maxParallelism, kept.interruptible, kept.labels?.values], [3, false, { l: "high" }]);
    const noRunAs = mergeIntoExecConfig(
      create(WorkflowExecutionConfigSchema),
      create(WorkflowExecutionConfigSchema, { securityContext: { runAs: {} } }),
    );
    assert.equal(noRunAs.securityContext, undefined, "a low security context without an identity is not taken");
  });
});

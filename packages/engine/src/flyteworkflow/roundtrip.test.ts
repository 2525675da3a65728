// The reverse direction: a FlyteWorkflow read back into the engine's execution spec. The rebuilt closure must
// describe the same resource (closure → resource → closure → resource is a fixed point for every fixture and for
// the node kinds the fixtures lack), admin's launch settings must come back, and the engine must run the rebuilt
// closure exactly as it runs the original.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { create, fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { fixturesDir } from "@aloft/core/testing";
import { RawOutputDataConfigSchema } from "@aloft/idl/flyteidl/admin/common_pb.js";
import {
  WorkflowExecutionConfigSchema,
  PluginOverrideSchema,
} from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import { CompiledWorkflowClosureSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { ResourceType, WorkflowExecutionIdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { ParameterMapSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { SecurityContextSchema } from "@aloft/idl/flyteidl/core/security_pb.js";
import { Resources_ResourceName } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { NodeSchema, WorkflowMetadata_OnFailurePolicy, type Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { engineHarness } from "../testing/harness.ts";
import { succeed } from "../testing/fake-plugin.ts";
import { b, compiler, incChain, incOutputs, intLit, intOf } from "../testing/workflows.ts";
import { buildFlyteWorkflow, serializeFlyteWorkflow } from "./build.ts";
import { parseIdentifierText } from "./closure-from-spec.ts";
import { identifierText } from "./node-spec.ts";
import { prepareFlyteWorkflow } from "./prepare.ts";
import { readFlyteWorkflow } from "./read.ts";

const dir = fixturesDir();
const execId = { project: "hello", domain: "domain", name: "name" };

describe("FlyteWorkflow → execution → FlyteWorkflow", { skip: dir === undefined && "fixtures not found" }, () => {
  const files = dir
    ? readdirSync(join(dir, "k8s"))
        .filter((f) => f.endsWith("_wf_crd.json"))
        .sort()
    : [];
  for (const file of files) {
    it(`${file}: the rebuilt closure yields the same resource`, async () => {
      const upstream = JSON.parse(readFileSync(join(dir!, "k8s", file), "utf8")) as { inputs: JsonValue };
      const closure = fromJson(
        CompiledWorkflowClosureSchema,
        JSON.parse(readFileSync(join(dir!, "compiled", file.replace(/_crd\.json$/, ".json")), "utf8")) as JsonValue,
      );
      const inputs = fromJson(LiteralMapSchema, upstream.inputs);
      const wf = buildFlyteWorkflow(closure, inputs, execId, "namespace");
      const back = await readFlyteWorkflow(wf);
      assert.deepEqual(toJson(LiteralMapSchema, back.inputs), toJson(LiteralMapSchema, inputs));
      assert.deepEqual(back.executionId, execId);
      const again = buildFlyteWorkflow(back.closure, back.inputs, back.executionId, back.namespace);
      assert.equal(serializeFlyteWorkflow(again), serializeFlyteWorkflow(wf));
      // Task templates come back whole (interfaces stripped as upstream stores them).
      assert.deepEqual(
        back.closure.tasks.map((t) => identifierText(t.template?.id)).sort(),
        closure.tasks.map((t) => identifierText(t.template?.id)).sort(),
      );
    });
  }
});

describe("identifier text", () => {
  it("parses what protoText writes, escapes included", () => {
    const id = b.id(ResourceType.LAUNCH_PLAN, 'we"ird\\name ü');
    id.project = "p";
    id.version = "v1";
    assert.deepEqual(parseIdentifierText(identifierText(id)), id);
  });
});

/** A workflow with the node kinds and settings the fixtures lack: gate, array, launch plan, overrides, failure node. */
function richClosure() {
  const t = b.taskNode("t", "inc", [b.bind("a", b.promise("start-node", "x"))]);
  if (t.target.case === "taskNode") {
    t.target.value.overrides = {
      $typeName: "flyteidl.core.TaskNodeOverrides",
      resources: {
        $typeName: "flyteidl.core.Resources",
        requests: [
          { $typeName: "flyteidl.core.Resources.ResourceEntry", name: Resources_ResourceName.CPU, value: "0.5" },
        ],
        limits: [
          { $typeName: "flyteidl.core.Resources.ResourceEntry", name: Resources_ResourceName.MEMORY, value: "1024Mi" },
        ],
      },
      containerImage: "example/image:1",
      podTemplate: { $typeName: "flyteidl.core.K8sPod", primaryContainerName: "main", podSpec: { hostNetwork: true } },
    };
  }
  t.metadata = create(NodeSchema, {
    metadata: {
      name: "timed",
      timeout: durationFromMs(90_500),
      retries: { retries: 2 },
      interruptibleValue: { case: "interruptible", value: true },
    },
  }).metadata;
  const gate = create(NodeSchema, {
    id: "g",
    upstreamNodeIds: ["t"],
    target: { case: "gateNode", value: { condition: { case: "sleep", value: { duration: durationFromMs(1000) } } } },
  });
  const mapped: Node = create(NodeSchema, {
    id: "m",
    inputs: [b.bind("a", b.list(b.promise("t", "o"), b.int(3)))],
    target: {
      case: "arrayNode",
      value: {
        node: b.taskNode("m-sub", "inc"),
        parallelismOption: { case: "parallelism", value: 4 },
        successCriteria: { case: "minSuccessRatio", value: 0.75 },
        isOriginalSubNodeInterface: true,
        boundInputs: [],
      },
    },
  });
  const lpNode = b.launchPlanNode("lp", "child", [b.bind("a", b.promise("t", "o"))]);
  const wf = b.workflow("rich", [t, gate, mapped, lpNode], { x: b.INT }, { y: b.INT }, [
    b.bind("y", b.promise("t", "o")),
  ]);
  wf.failureNode = b.taskNode("on-fail", "noop");
  wf.metadata = {
    $typeName: "flyteidl.core.WorkflowMetadata",
    onFailure: WorkflowMetadata_OnFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE,
    tags: {},
  };
  wf.metadataDefaults = { $typeName: "flyteidl.core.WorkflowMetadataDefaults", interruptible: true };
  const lp = {
    id: b.id(ResourceType.LAUNCH_PLAN, "child"),
    expectedInputs: create(ParameterMapSchema, { parameters: { a: { var: { type: b.INT } } } }),
    expectedOutputs: b.vars({}),
  };
  return compiler.ok(wf, { lps: [lp] });
}

describe("FlyteWorkflow node kinds beyond the fixtures", () => {
  it("gate, array, launch plan, overrides, failure node and defaults survive the round trip", async () => {
    const closure = richClosure();
    const inputs = create(LiteralMapSchema, { literals: { x: intLit(1) } });
    const wf = buildFlyteWorkflow(closure, inputs, execId, "ns");
    const nodes = wf.spec!.nodes;
    assert.deepEqual(nodes["t"]?.resources, { limits: { memory: "1Gi" }, requests: { cpu: "500m" } });
    assert.equal(nodes["t"]?.executionDeadline, "1m30.5s");
    assert.equal(nodes["t"]?.activeDeadline, "3m1s");
    assert.deepEqual(nodes["t"]?.retry, { minAttempts: 3 });
    assert.equal(nodes["t"]?.interruptible, true);
    assert.equal(nodes["t"]?.containerImage, "example/image:1");
    // Upstream embeds the K8sPod without a jsonpb marshaller: Go's encoder writes the protobuf-go structs, so the
    // pod spec (a google.protobuf.Struct) comes out as its `fields` map of `Kind` oneof wrappers.
    assert.deepEqual(nodes["t"]?.podTemplate, {
      pod_spec: { fields: { hostNetwork: { Kind: { BoolValue: true } } } },
      primary_container_name: "main",
    });
    assert.deepEqual(nodes["g"]?.gate, { kind: "sleep", sleep: { duration: "1s" } });
    assert.equal(nodes["m"]?.array?.Parallelism, 4);
    assert.equal(nodes["m"]?.array?.MinSuccessRatio, 0.75);
    assert.equal(nodes["lp"]?.workflow?.launchPlanRefId?.["resourceType"], "LAUNCH_PLAN");
    assert.equal(wf.spec?.onFailure?.id, "on-fail");
    assert.equal(wf.spec?.onFailurePolicy, 1);
    assert.deepEqual(wf["node-defaults"], { interruptible: true });

    const back = await readFlyteWorkflow(wf);
    const again = buildFlyteWorkflow(back.closure, back.inputs, back.executionId, back.namespace);
    assert.equal(serializeFlyteWorkflow(again), serializeFlyteWorkflow(wf));
  });
});

describe("admin's additions come back as the engine's launch settings", () => {
  it("execution id, acceptedAt, labels, annotations, security context and execution config", async () => {
    const closure = richClosure();
    const built = buildFlyteWorkflow(closure, create(LiteralMapSchema, { literals: { x: intLit(1) } }), execId, "ns");
    const prepared = prepareFlyteWorkflow(built, {
      executionId: create(WorkflowExecutionIdentifierSchema, execId),
      acceptedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
      roleNameKey: "iam.amazonaws.com/role",
      labels: { team: "ml", project: "overridden" },
      annotations: { note: "hi" },
      eventVersion: 2,
      executionConfig: create(WorkflowExecutionConfigSchema, {
        maxParallelism: 7,
        interruptible: false,
        overwriteCache: true,
        envs: {
          values: [
            { key: "B", value: "2" },
            { key: "A", value: "1" },
          ],
        },
        securityContext: {
          runAs: { k8sServiceAccount: "runner", iamRole: "arn:role" },
          secrets: [{ group: "g", key: "k" }],
        },
      }),
      taskPluginOverrides: [create(PluginOverrideSchema, { taskType: "python-task", pluginId: ["k8s-array"] })],
      recoveryExecution: create(WorkflowExecutionIdentifierSchema, { project: "hello", domain: "domain", name: "old" }),
      taskResources: { defaults: { cpu: "0.25", memory: "256Mi" }, limits: { cpu: "2", gpu: "1" } },
      rawOutputDataConfig: create(RawOutputDataConfigSchema, { outputLocationPrefix: "s3://bucket/raw" }),
    });
    assert.equal(built.acceptedAt, undefined, "the input resource is not modified");
    assert.deepEqual(prepared.executionId, { project: "hello", domain: "domain", name: "name" });
    assert.equal(prepared.acceptedAt, "2026-01-02T03:04:05Z");
    assert.equal(prepared.serviceAccountName, "runner");
    assert.deepEqual(prepared.metadata.annotations, { "iam.amazonaws.com/role": "arn:role", note: "hi" });
    assert.equal(prepared.metadata.labels?.["project"], "overridden", "user labels win, as upstream's addMapValues");
    assert.deepEqual(prepared.securityContext, {
      run_as: { iam_role: "arn:role", k8s_service_account: "runner" },
      secrets: [{ group: "g", key: "k" }],
    });
    assert.deepEqual(prepared.rawOutputDataConfig, { output_location_prefix: "s3://bucket/raw" });
    assert.deepEqual(prepared.executionConfig, {
      TaskPluginImpls: { "python-task": { PluginIDs: ["k8s-array"], MissingPluginBehavior: 0 } },
      MaxParallelism: 7,
      RecoveryExecution: { project: "hello", domain: "domain", name: "old" },
      TaskResources: {
        Requests: { CPU: "250m", Memory: "256Mi", EphemeralStorage: "0", Storage: "0", GPU: "0" },
        Limits: { CPU: "2", Memory: "0", EphemeralStorage: "0", Storage: "0", GPU: "1" },
      },
      Interruptible: false,
      OverwriteCache: true,
      EnvironmentVariables: { A: "1", B: "2" },
    });
    assert.deepEqual(Object.keys(prepared).slice(0, 8), [
      "kind",
      "apiVersion",
      "metadata",
      "spec",
      "workflowMeta",
      "inputs",
      "executionId",
      "tasks",
    ]);

    const back = await readFlyteWorkflow(prepared);
    assert.deepEqual(back.executionId, execId);
    assert.equal(back.acceptedAt, Date.UTC(2026, 0, 2, 3, 4, 5));
    const { kubernetes, ...spec } = back.spec;
    // The pod plugin's settings: the resource's namespace, labels, annotations, account and TaskResources (zero
    // quantities unset); no owner before the API server gave the resource a uid.
    assert.deepEqual(kubernetes, {
      namespace: "ns",
      labels: prepared.metadata.labels,
      annotations: { "iam.amazonaws.com/role": "arn:role", note: "hi" },
      serviceAccountName: "runner",
      taskResources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "2", gpu: "1" } },
    });
    const created = { ...prepared, metadata: { ...prepared.metadata, uid: "u-1" } };
    assert.deepEqual((await readFlyteWorkflow(created)).spec.kubernetes?.owner, {
      apiVersion: "flyte.lyft.com/v1alpha1",
      kind: "FlyteWorkflow",
      name: prepared.metadata.name,
      uid: "u-1",
    });
    assert.deepEqual(spec, {
      maxParallelism: 7,
      rawOutputPrefix: "s3://bucket/raw",
      interruptible: false,
      envs: { A: "1", B: "2" },
      taskPluginImpls: { "python-task": "k8s-array" },
      overwriteCache: true,
      eventVersion: 2,
      recoverFrom: { project: "hello", domain: "domain", name: "old" },
    });
    assert.equal(back.serviceAccountName, "runner");
    assert.deepEqual(
      toJson(SecurityContextSchema, back.securityContext!),
      toJson(
        SecurityContextSchema,
        create(SecurityContextSchema, {
          runAs: { k8sServiceAccount: "runner", iamRole: "arn:role" },
          secrets: [{ group: "g", key: "k" }],
        }),
      ),
    );
    assert.equal(back.labels["team"], "ml");
    assert.equal(back.namespace, "ns");
  });
});

describe("the engine runs the rebuilt closure as it runs the original", () => {
  it("same outputs and the same events", async () => {
    const closure = incChain(2);
    const inputs = create(LiteralMapSchema, { literals: { x: intLit(40) } });
    const back = await readFlyteWorkflow(buildFlyteWorkflow(closure, inputs, execId, "ns"));
    const run = async (name: string, c: typeof closure) => {
      const h = engineHarness();
      h.plugin.script("inc", succeed(incOutputs));
      await h.engine.start();
      try {
        await h.launch(name, c, { x: intLit(40) });
        const s = await h.waitTerminal(name);
        return { phase: s.phase, y: intOf((await h.outputs(s)).literals["y"]), lines: h.sink.lines(name) };
      } finally {
        await h.engine.stop();
      }
    };
    const original = await run("orig", closure);
    const rebuilt = await run("orig", back.closure);
    assert.equal(original.phase, "Success");
    assert.equal(original.y, 42n);
    assert.deepEqual(rebuilt, original);
  });
});

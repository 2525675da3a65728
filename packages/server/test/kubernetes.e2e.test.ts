// Admin and engine through Kubernetes (the test API server), issue 12's first "Done when": admin with
// `executor: kubernetes` creates a FlyteWorkflow resource per launch in the project-domain's namespace, the engine in
// Kubernetes mode (leader-elected, `taskRuntime: kubernetes`) runs its tasks as pods in that namespace, owned by the
// resource and labelled as it is; a simulated kubelet runs them; the engine reports events to admin and the execution
// succeeds with its outputs. Terminate deletes the resource, the engine aborts, and the pods are deleted.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { TaskExecution_Phase, WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { silentLogger, systemClock } from "@aloft/core";
import { create } from "@bufbuild/protobuf";
import { TaskTemplateSchema, type TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { createKubeApi, isNotFound, type KubeObject, resources } from "@aloft/kube";
import { eventually, type SimulatedKubelet, startSimulatedKubelet } from "@aloft/kube/testing";
import { flyteWorkflows, PodPlugin } from "@aloft/engine/kube";
import { startFlyteWorkflowApi, type FlyteWorkflowApi } from "@aloft/engine/testing";
import {
  id,
  intOf,
  launchOneTask,
  registerWorkflow,
  startTestPlatform,
  taskNode,
  type Admin,
  type TestPlatform,
} from "@aloft/testkit";
import { inProcessAdmin } from "../src/wiring/in-process.ts";
import { createKubeEngine, type KubeEngineWiring } from "../src/wiring/kube.ts";

const P = "flytesnacks";
const D = "development";
// A namespace template other than the default: admin's system metadata and the resource both follow it.
const NS = `aloft-${P}-${D}`;

let k: FlyteWorkflowApi;
let platform: TestPlatform;
let running: KubeEngineWiring;
let admin: Admin;
let dir: string;
let kubelet: SimulatedKubelet;
let pods: PodPlugin;
/** A node script that writes `2 * a` as the task's outputs.pb (what a container's SDK would do). */
let doubler: string;

/** A container task (a pod) running `node <script> <args…>`; the simulated kubelet ignores the image. */
function podTask(name: string, inputs: string[], outputs: string[], args: string[]): TaskTemplate {
  const vars = (names: string[]) =>
    Object.fromEntries(
      names.map((n) => [n, { type: { type: { case: "simple" as const, value: SimpleType.INTEGER } } }]),
    );
  return create(TaskTemplateSchema, {
    id: id(ResourceType.TASK, P, D, name, "v1"),
    type: "container",
    metadata: { runtime: { version: "1.0.0" } },
    interface: { inputs: { variables: vars(inputs) }, outputs: { variables: vars(outputs) } },
    target: { case: "container", value: { image: "alpine", command: [process.execPath], args } },
  });
}

before(async () => {
  k = await startFlyteWorkflowApi([NS, "aloft"]);
  dir = mkdtempSync(join(tmpdir(), "aloft-kube-e2e-"));
  const url = (m: string) => JSON.stringify(import.meta.resolve(m));
  doubler = join(dir, "double.mjs");
  writeFileSync(
    doubler,
    [
      `import { mkdirSync, writeFileSync } from "node:fs";`,
      `import { create, toBinary } from ${url("@bufbuild/protobuf")};`,
      `import { LiteralMapSchema } from ${url("@aloft/idl/flyteidl/core/literals_pb.js")};`,
      `const [a, prefix] = process.argv.slice(2);`,
      `const dir = prefix.startsWith("file://") ? new URL(prefix).pathname : prefix;`,
      `const int = { value: { case: "integer", value: BigInt(a) * 2n } };`,
      `const o = { value: { case: "scalar", value: { value: { case: "primitive", value: int } } } };`,
      `mkdirSync(dir, { recursive: true });`,
      `writeFileSync(dir + "/outputs.pb", toBinary(LiteralMapSchema, create(LiteralMapSchema, { literals: { o } })));`,
    ].join("\n"),
  );
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, k.server.kubeConfig().exportConfig());
  platform = await startTestPlatform({
    overrides: {
      executor: "kubernetes",
      kubernetes: {
        kubeconfig,
        namespaceTemplate: "aloft-{{ project }}-{{ domain }}",
        leaderElection: { leaseDurationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 0.5 },
      },
    },
  });
  const api = createKubeApi(k.server.kubeConfig(), { fieldManager: "aloft-engine" });
  kubelet = await startSimulatedKubelet(api, { maxGraceMs: 500 });
  pods = new PodPlugin({ api, clock: systemClock, config: {} });
  running = createKubeEngine({
    config: platform.config,
    blobStore: platform.admin.blobStore,
    ...inProcessAdmin(platform.admin),
    clock: systemClock,
    logger: silentLogger(),
    httpBaseUrl: () => platform.httpUrl,
    api,
    taskRuntime: pods,
    identity: "engine-0",
  });
  running.kube.start();
  await eventually(() => running.kube.isLeading(), "the engine to lead");
  admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
});

after(async () => {
  await running?.kube.stop();
  pods?.close();
  await kubelet?.stop();
  await platform?.close();
  await k?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function waitPhase(name: string, want: WorkflowExecution_Phase): Promise<void> {
  await eventually(async () => {
    const phase = (await admin.getExecution({ id: { project: P, domain: D, name } })).closure!.phase;
    if (phase !== want && (phase === WorkflowExecution_Phase.FAILED || phase === WorkflowExecution_Phase.ABORTED))
      throw new Error(`execution ${name} ended ${WorkflowExecution_Phase[phase]}`);
    return phase === want;
  }, `execution ${name} to be ${WorkflowExecution_Phase[want]}`);
}

const getWf = (name: string) => k.api.get<KubeObject>(flyteWorkflows, name, { namespace: NS });
const podsOf = async (name: string) =>
  (await k.api.list(resources.pods, { namespace: NS, labelSelector: { "execution-id": name } })).items;

test("a launch through admin creates a FlyteWorkflow whose task runs as a pod; SUCCEEDED with its outputs", async () => {
  const double = podTask("double", ["a"], ["o"], [doubler, "{{.Inputs.a}}", "{{.outputPrefix}}"]);
  const exec = await launchOneTask(admin, {
    project: P,
    domain: D,
    name: "double",
    task: double,
    x: 21,
    labels: { team: "ml" },
    annotations: { note: "k8s" },
  });
  // The resource, as admin's executor created it: the project-domain's namespace, upstream's labels plus the user's.
  const wf = await getWf(exec.name);
  assert.equal(wf.kind, "FlyteWorkflow");
  const labels = wf.metadata.labels ?? {};
  assert.equal(labels["execution-id"], exec.name);
  assert.equal(labels["project"], P);
  assert.equal(labels["domain"], D);
  assert.equal(labels["workflow-name"], "double");
  assert.match(labels["shard-key"] ?? "", /^\d+$/);
  assert.equal(labels["team"], "ml");
  assert.equal(wf.metadata.annotations?.["note"], "k8s");
  assert.deepEqual(wf["executionId"], { project: P, domain: D, name: exec.name });
  assert.deepEqual(wf.metadata.finalizers, ["flyte-finalizer"], "the engine's finalizer from the start");

  const execution = await admin.getExecution({ id: exec });
  assert.equal(execution.spec?.metadata?.systemMetadata?.namespace, NS);

  await waitPhase(exec.name, WorkflowExecution_Phase.SUCCEEDED);
  const data = await admin.getExecutionData({ id: exec });
  assert.equal(intOf(data.fullOutputs, "y"), 42);
  // The task ran as a pod in the execution's namespace, owned by the resource and labelled as it is (upstream's).
  const [pod, ...more] = await podsOf(exec.name);
  assert.ok(pod, "the task's pod");
  assert.equal(more.length, 0);
  assert.equal(pod.status?.["phase"], "Succeeded");
  assert.deepEqual(pod.metadata.ownerReferences, [
    {
      apiVersion: "flyte.lyft.com/v1alpha1",
      kind: "FlyteWorkflow",
      name: exec.name,
      uid: wf.metadata.uid!,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.equal(pod.metadata.labels?.["team"], "ml");
  assert.equal(pod.metadata.labels?.["workflow-name"], "double");
  assert.equal(pod.metadata.labels?.["node-id"], "n0");
  assert.equal(pod.metadata.annotations?.["note"], "k8s");
  const tes = await admin.listTaskExecutions({ nodeExecutionId: { executionId: exec, nodeId: "n0" }, limit: 5 });
  assert.equal(TaskExecution_Phase[tes.taskExecutions[0]!.closure!.phase], "SUCCEEDED");
  const done = await getWf(exec.name);
  assert.equal(done.metadata.labels?.["termination-status"], "terminated");
  assert.deepEqual(done.metadata.finalizers ?? [], []);
  // Deleting the finished resource deletes its pods (the owner reference's cascade).
  await k.api.delete(flyteWorkflows, exec.name, { namespace: NS });
  await eventually(async () => (await podsOf(exec.name)).length === 0, "the pods to follow their workflow");
});

test("terminate deletes the resource; the engine aborts the running pod, which is deleted, and reports ABORTED", async () => {
  const slow = podTask("slow", [], [], ["-e", "setTimeout(() => {}, 30000)"]);
  const lp = await registerWorkflow(admin, {
    project: P,
    domain: D,
    name: "slow",
    version: "v1",
    tasks: [slow],
    inputs: [],
    nodes: [taskNode("n0", slow.id!, {})],
    outputs: {},
  });
  const { id: exec } = await admin.createExecution({ project: P, domain: D, spec: { launchPlan: lp }, inputs: {} });
  await eventually(async () => {
    const tes = await admin.listTaskExecutions({ nodeExecutionId: { executionId: exec, nodeId: "n0" }, limit: 5 });
    return tes.taskExecutions[0]?.closure?.phase === TaskExecution_Phase.RUNNING;
  }, "the task to run");
  assert.equal((await podsOf(exec!.name)).length, 1);
  assert.equal(kubelet.running, 1);
  await admin.terminateExecution({ id: exec, cause: "stop it" });
  await waitPhase(exec!.name, WorkflowExecution_Phase.ABORTED);
  await eventually(() => getWf(exec!.name).then(() => false, isNotFound), "the resource to be deleted");
  await eventually(async () => (await podsOf(exec!.name)).length === 0, "the pod to be deleted");
  const tes = await admin.listTaskExecutions({ nodeExecutionId: { executionId: exec, nodeId: "n0" }, limit: 5 });
  assert.equal(TaskExecution_Phase[tes.taskExecutions[0]!.closure!.phase], "ABORTED");
  await eventually(() => kubelet.running === 0, "the pod's process to stop");
});

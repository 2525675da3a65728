// Admin and engine through Kubernetes (the test API server): admin with `executor: kubernetes` creates a FlyteWorkflow
// resource per launch in the project-domain's namespace, the engine in Kubernetes mode (leader-elected) runs it with
// local processes and reports events to admin; terminate deletes the resource and the engine aborts what runs.
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
import { createKubeApi, isNotFound, type KubeObject } from "@aloft/kube";
import { eventually } from "@aloft/kube/testing";
import { flyteWorkflows } from "@aloft/engine";
import { startFlyteWorkflowApi, type FlyteWorkflowApi } from "@aloft/engine/testing";
import {
  id,
  intLiteral,
  intOf,
  promise,
  registerWorkflow,
  shellTask,
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

before(async () => {
  k = await startFlyteWorkflowApi([NS, "aloft"]);
  dir = mkdtempSync(join(tmpdir(), "aloft-kube-e2e-"));
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
  running = createKubeEngine({
    config: platform.config,
    blobStore: platform.admin.blobStore,
    ...inProcessAdmin(platform.admin),
    clock: systemClock,
    logger: silentLogger(),
    httpBaseUrl: () => platform.httpUrl,
    api: createKubeApi(k.server.kubeConfig(), { fieldManager: "aloft-engine" }),
    identity: "engine-0",
  });
  running.kube.start();
  await eventually(() => running.kube.isLeading(), "the engine to lead");
  admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
});

after(async () => {
  await running?.kube.stop();
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

test("a launch through admin creates a FlyteWorkflow that the engine runs to SUCCEEDED with its outputs", async () => {
  const double = shellTask(
    id(ResourceType.TASK, P, D, "double", "v1"),
    ["a"],
    ["o"],
    'echo "$(( $(cat /var/inputs/a) * 2 ))" > /var/outputs/o',
  );
  const lp = await registerWorkflow(admin, {
    project: P,
    domain: D,
    name: "double",
    version: "v1",
    tasks: [double],
    inputs: ["x"],
    nodes: [taskNode("n0", double.id!, { a: promise("start-node", "x") })],
    outputs: { y: promise("n0", "o") },
  });
  const { id: exec } = await admin.createExecution({
    project: P,
    domain: D,
    spec: { launchPlan: lp, labels: { values: { team: "ml" } }, annotations: { values: { note: "k8s" } } },
    inputs: { literals: { x: intLiteral(21) } },
  });
  // The resource, as admin's executor created it: the project-domain's namespace, upstream's labels plus the user's.
  const wf = await getWf(exec!.name);
  assert.equal(wf.kind, "FlyteWorkflow");
  const labels = wf.metadata.labels ?? {};
  assert.equal(labels["execution-id"], exec!.name);
  assert.equal(labels["project"], P);
  assert.equal(labels["domain"], D);
  assert.equal(labels["workflow-name"], "double");
  assert.match(labels["shard-key"] ?? "", /^\d+$/);
  assert.equal(labels["team"], "ml");
  assert.equal(wf.metadata.annotations?.["note"], "k8s");
  assert.deepEqual(wf["executionId"], { project: P, domain: D, name: exec!.name });
  assert.deepEqual(wf.metadata.finalizers, ["flyte-finalizer"], "the engine's finalizer from the start");

  const execution = await admin.getExecution({ id: exec! });
  assert.equal(execution.spec?.metadata?.systemMetadata?.namespace, NS);

  await waitPhase(exec!.name, WorkflowExecution_Phase.SUCCEEDED);
  const data = await admin.getExecutionData({ id: exec! });
  assert.equal(intOf(data.fullOutputs, "y"), 42);
  const done = await getWf(exec!.name);
  assert.equal(done.metadata.labels?.["termination-status"], "terminated");
  assert.deepEqual(done.metadata.finalizers ?? [], []);
});

test("terminate deletes the resource; the engine aborts the running task and reports ABORTED", async () => {
  const slow = shellTask(id(ResourceType.TASK, P, D, "slow", "v1"), [], [], "sleep 30");
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
  await admin.terminateExecution({ id: exec, cause: "stop it" });
  await waitPhase(exec!.name, WorkflowExecution_Phase.ABORTED);
  await eventually(() => getWf(exec!.name).then(() => false, isNotFound), "the resource to be deleted");
  const tes = await admin.listTaskExecutions({ nodeExecutionId: { executionId: exec, nodeId: "n0" }, limit: 5 });
  assert.equal(TaskExecution_Phase[tes.taskExecutions[0]!.closure!.phase], "ABORTED");
});

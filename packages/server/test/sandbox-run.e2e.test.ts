// The sandbox runs workflows end to end: register through the API, launch, local processes run the tasks, events
// reach admin, and every read (execution, node and task executions, data, logs) answers — on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import {
  WorkflowExecution_Phase,
  NodeExecution_Phase,
  TaskExecution_Phase,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import { create } from "@bufbuild/protobuf";
import { NodeSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { postgresAvailability } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import {
  id,
  intLiteral,
  intOf,
  launchOneTask,
  promise,
  registerWorkflow,
  shellTask,
  taskNode,
  waitForEnd,
  type Admin,
} from "@aloft/testkit";

const P = "flytesnacks";
const D = "development";
for (const kind of ["sqlite", "postgres"] as const) {
  describe(`sandbox runs workflows (${kind})`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    let platform: TestPlatform;
    let admin: Admin;
    before(async () => {
      platform = await startTestPlatform({ database: kind, engine: true });
      admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
    });
    after(async () => platform?.close());

    test("a two-task chain: phases, outputs, node and task executions, logs", async () => {
      const add = shellTask(
        id(ResourceType.TASK, P, D, "add", "v1"),
        ["a", "b"],
        ["sum"],
        'echo "$(( $(cat /var/inputs/a) + $(cat /var/inputs/b) ))" > /var/outputs/sum; echo added',
      );
      const lp = await registerWorkflow(admin, {
        project: P,
        domain: D,
        name: "chain",
        version: "v1",
        tasks: [add],
        inputs: ["x", "y"],
        nodes: [
          taskNode("n0", add.id!, { a: promise("start-node", "x"), b: promise("start-node", "y") }),
          taskNode("n1", add.id!, { a: promise("n0", "sum"), b: promise("n0", "sum") }, ["n0"]),
        ],
        outputs: { total: promise("n1", "sum") },
      });
      const { id: exId } = await admin.createExecution({
        project: P,
        domain: D,
        spec: { launchPlan: lp },
        inputs: { literals: { x: intLiteral(2), y: intLiteral(3) } },
      });
      const done = await waitForEnd(admin, exId!);
      assert.equal(
        WorkflowExecution_Phase[done.closure!.phase],
        "SUCCEEDED",
        done.closure?.outputResult.case === "error" ? done.closure.outputResult.value.message : "",
      );
      const data = await admin.getExecutionData({ id: exId });
      assert.equal(intOf(data.fullOutputs, "total"), 10);
      assert.equal(intOf(data.fullInputs, "x"), 2);

      const nodes = await admin.listNodeExecutions({ workflowExecutionId: exId, limit: 100 });
      const phases = Object.fromEntries(
        nodes.nodeExecutions.map((n) => [n.id!.nodeId, NodeExecution_Phase[n.closure!.phase]]),
      );
      assert.deepEqual(phases, {
        "start-node": "SUCCEEDED",
        n0: "SUCCEEDED",
        n1: "SUCCEEDED",
        "end-node": "SUCCEEDED",
      });

      const tasks = await admin.listTaskExecutions({ nodeExecutionId: { executionId: exId, nodeId: "n0" }, limit: 10 });
      assert.equal(tasks.taskExecutions.length, 1);
      const te = tasks.taskExecutions[0]!;
      assert.equal(TaskExecution_Phase[te.closure!.phase], "SUCCEEDED");
      // Even a task that ends before the engine looks again has a start time and a duration (a RUNNING event).
      assert.ok(te.closure!.startedAt, "task execution started_at");
      assert.ok(te.closure!.duration, "task execution duration");
      const log = te.closure!.logs[0];
      assert.ok(log, "task log link");
      const text = await (await fetch(log.uri)).text();
      assert.match(text, /added/);

      const n1Data = await admin.getNodeExecutionData({ id: { executionId: exId, nodeId: "n1" } });
      assert.equal(intOf(n1Data.fullInputs, "a"), 5);
      assert.equal(intOf(n1Data.fullOutputs, "sum"), 10);
    });

    test("a launch-plan node runs its child as an execution of its own and uses its outputs", async () => {
      const inc = shellTask(
        id(ResourceType.TASK, P, D, "inc", "v1"),
        ["a"],
        ["o"],
        'echo "$(( $(cat /var/inputs/a) + 1 ))" > /var/outputs/o',
      );
      const child = await registerWorkflow(admin, {
        project: P,
        domain: D,
        name: "child",
        version: "v1",
        tasks: [inc],
        inputs: ["x"],
        nodes: [taskNode("n0", inc.id!, { a: promise("start-node", "x") })],
        outputs: { y: promise("n0", "o") },
      });
      const lpNode = create(NodeSchema, {
        id: "sub",
        metadata: { name: "sub" },
        inputs: [{ var: "x", binding: promise("start-node", "x") }],
        target: { case: "workflowNode", value: { reference: { case: "launchplanRef", value: child } } },
      });
      const parent = await registerWorkflow(admin, {
        project: P,
        domain: D,
        name: "parent",
        version: "v1",
        tasks: [],
        inputs: ["x"],
        nodes: [lpNode, taskNode("n1", inc.id!, { a: promise("sub", "y") }, ["sub"])],
        outputs: { z: promise("n1", "o") },
      });
      const { id: exId } = await admin.createExecution({
        project: P,
        domain: D,
        spec: { launchPlan: parent },
        inputs: { literals: { x: intLiteral(40) } },
      });
      const done = await waitForEnd(admin, exId!);
      assert.equal(WorkflowExecution_Phase[done.closure!.phase], "SUCCEEDED");
      assert.equal(intOf((await admin.getExecutionData({ id: exId })).fullOutputs, "z"), 42);
      const sub = (await admin.listNodeExecutions({ workflowExecutionId: exId, limit: 10 })).nodeExecutions.find(
        (n) => n.id!.nodeId === "sub",
      );
      const childId =
        sub?.closure?.targetMetadata.case === "workflowNodeMetadata"
          ? sub.closure.targetMetadata.value.executionId
          : undefined;
      assert.ok(childId, "the node records its child execution");
      const childExec = await admin.getExecution({ id: childId });
      assert.equal(WorkflowExecution_Phase[childExec.closure!.phase], "SUCCEEDED");
      assert.equal(childExec.spec?.metadata?.parentNodeExecution?.nodeId, "sub");
    });

    test("a failing task fails the execution with the task's error; retries are attempted", async () => {
      const exId = await launchOneTask(admin, {
        project: P,
        domain: D,
        name: "fails",
        script: "echo boom >&2; exit 3",
        retries: 1,
        x: 1,
      });
      const done = await waitForEnd(admin, exId);
      assert.equal(WorkflowExecution_Phase[done.closure!.phase], "FAILED");
      const attempts = await admin.listTaskExecutions({
        nodeExecutionId: { executionId: exId, nodeId: "n0" },
        limit: 10,
      });
      assert.equal(attempts.taskExecutions.length, 2, "one retry");
      assert.ok(attempts.taskExecutions.every((t) => TaskExecution_Phase[t.closure!.phase] === "FAILED"));
    });

    test("terminating a running execution kills its process and ends ABORTED", async () => {
      const exId = await launchOneTask(admin, {
        project: P,
        domain: D,
        name: "slow",
        script: "echo started; sleep 60; echo 1 > /var/outputs/o",
        x: 1,
      });
      // Wait until the task process runs (its log says so).
      const deadline = Date.now() + 30_000;
      let logUri = "";
      while (!logUri && Date.now() < deadline) {
        const tes = await admin
          .listTaskExecutions({ nodeExecutionId: { executionId: exId, nodeId: "n0" }, limit: 10 })
          .catch(() => undefined);
        const uri = tes?.taskExecutions[0]?.closure?.logs[0]?.uri;
        if (uri && (await (await fetch(uri)).text()).includes("started")) logUri = uri;
        else await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(logUri, "the task started");
      await admin.terminateExecution({ id: exId, cause: "test says stop" });
      const done = await waitForEnd(admin, exId, 30_000);
      assert.equal(WorkflowExecution_Phase[done.closure!.phase], "ABORTED");
      assert.equal(done.closure?.outputResult.case, "abortMetadata");
      const tes = await admin.listTaskExecutions({ nodeExecutionId: { executionId: exId, nodeId: "n0" }, limit: 10 });
      assert.equal(TaskExecution_Phase[tes.taskExecutions[0]!.closure!.phase], "ABORTED");
      // Terminating it again is idempotent (deliberate difference from upstream).
      await admin.terminateExecution({ id: exId, cause: "again" });
    });
  });
}

// `aloft admin` and `aloft engine` as two processes sharing storage: admin launches into the shared workflow store,
// the engine picks the execution up, runs it and reports every event over gRPC.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { TaskExecution_Phase, WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import {
  ALOFT_READY,
  aloftProcesses,
  id,
  intLiteral,
  intOf,
  promise,
  registerWorkflow,
  shellTask,
  taskNode,
} from "@aloft/testkit";

const run = aloftProcesses("aloft-split-");

test("a workflow launched on a standalone admin runs on a standalone engine", async () => {
  const m = await run(["admin", "--http-port", "0", "--grpc-port", "0"], ALOFT_READY);
  const [grpcPort, httpPort] = [m[1], m[2]];
  await run(
    [
      "engine",
      "--admin-endpoint",
      `127.0.0.1:${grpcPort}`,
      "--admin-http-url",
      `http://127.0.0.1:${httpPort}`,
      "--resync-ms",
      "100",
    ],
    /engine is up/,
  );
  const admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${grpcPort}` }));
  const P = "flytesnacks";
  const D = "development";
  const double = shellTask(
    id(ResourceType.TASK, P, D, "double", "v1"),
    ["a"],
    ["o"],
    'echo "$(( $(cat /var/inputs/a) * 2 ))" > /var/outputs/o; echo doubled',
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
    spec: { launchPlan: lp },
    inputs: { literals: { x: intLiteral(21) } },
  });
  const deadline = Date.now() + 60_000;
  let phase = WorkflowExecution_Phase.UNDEFINED;
  while (phase !== WorkflowExecution_Phase.SUCCEEDED) {
    assert.ok(Date.now() < deadline, `stuck in ${WorkflowExecution_Phase[phase]}`);
    assert.ok(
      phase !== WorkflowExecution_Phase.FAILED && phase !== WorkflowExecution_Phase.ABORTED,
      WorkflowExecution_Phase[phase],
    );
    await new Promise((r) => setTimeout(r, 100));
    phase = (await admin.getExecution({ id: exec })).closure!.phase;
  }
  const data = await admin.getExecutionData({ id: exec });
  assert.equal(intOf(data.fullOutputs, "y"), 42);
  const tes = await admin.listTaskExecutions({ nodeExecutionId: { executionId: exec, nodeId: "n0" }, limit: 5 });
  assert.equal(TaskExecution_Phase[tes.taskExecutions[0]!.closure!.phase], "SUCCEEDED");
  // The log link points at admin's HTTP server, which serves the engine's log directory (same data dir).
  assert.match(await (await fetch(tes.taskExecutions[0]!.closure!.logs[0]!.uri)).text(), /doubled/);
  // The engine's events went in batches (aloft.admin.v1.EventService/CreateEvents), not one flyteidl RPC each.
  const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const calls = (method: string) =>
    [...metrics.matchAll(new RegExp(`^aloft_admin_rpc_requests_total\\{[^}]*method="${method}"[^}]*\\} (\\d+)`, "gm"))]
      .map((x) => Number(x[1]))
      .reduce((a, b) => a + b, 0);
  assert.ok(calls("CreateEvents") > 0, "events sent with CreateEvents");
  assert.equal(calls("CreateNodeEvent") + calls("CreateTaskEvent") + calls("CreateWorkflowEvent"), 0);
});

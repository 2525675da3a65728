// `aloft admin` and `aloft engine` as two processes sharing storage: admin launches into the shared workflow store,
// the engine picks the execution up, runs it and reports every event over gRPC.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { TaskExecution_Phase, WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { aloftProcesses, intOf, launchOneTask, startAdminAndEngine, waitForEnd } from "@aloft/testkit";

const run = aloftProcesses("aloft-split-");

test("a workflow launched on a standalone admin runs on a standalone engine", async () => {
  const { grpcPort, httpPort } = await startAdminAndEngine(run);
  const admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${grpcPort}` }));
  const exec = await launchOneTask(admin, {
    project: "flytesnacks",
    domain: "development",
    name: "double",
    script: 'echo "$(( $(cat /var/inputs/a) * 2 ))" > /var/outputs/o; echo doubled',
    x: 21,
  });
  const done = await waitForEnd(admin, exec);
  assert.equal(WorkflowExecution_Phase[done.closure!.phase], "SUCCEEDED");
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

// RecoverExecution really recovers: the new execution copies the original's succeeded nodes (RECOVERED, their tasks
// not run again) and runs only what failed — end to end in the sandbox, on SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ExecutionMetadata_ExecutionMode } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { NodeExecutionIdentifierSchema, ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { NodeExecution_Phase, WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { create } from "@bufbuild/protobuf";
import type { NodeExecutionList } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { NodeSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { AloftError, Code } from "@aloft/core";
import { remoteAdmin } from "../src/wiring/remote.ts";
import { postgresAvailability } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import {
  id,
  intLiteral,
  intOf,
  promise,
  registerWorkflow,
  shellTask,
  taskNode,
  waitForEnd,
  type Admin,
} from "@aloft/testkit";

const P = "flytesnacks";
const D = "development";
/** The child execution a launch-plan node `n1` launched. */
function childOf(list: NodeExecutionList) {
  const t = list.nodeExecutions.find((n) => n.id!.nodeId === "n1")?.closure?.targetMetadata;
  return t?.case === "workflowNodeMetadata" ? t.value.executionId : undefined;
}

const runs = (file: string) =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== "").length
    : 0;

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`RecoverExecution (${kind})`, { skip: kind === "postgres" ? await postgresAvailability() : false }, () => {
    let platform: TestPlatform;
    let admin: Admin;
    let dir: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "aloft-recover-"));
      platform = await startTestPlatform({ database: kind, engine: true });
      admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
    });
    after(async () => {
      await platform?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test("a chain whose last node failed: recovery copies the first two nodes and reruns only the last", async () => {
      const stepRuns = join(dir, "step-runs");
      const lastRuns = join(dir, "last-runs");
      const marker = join(dir, "marker");
      const step = shellTask(
        id(ResourceType.TASK, P, D, "step", "v1"),
        ["a"],
        ["o"],
        `echo run >> '${stepRuns}'; echo "$(( $(cat /var/inputs/a) + 1 ))" > /var/outputs/o`,
      );
      const last = shellTask(
        id(ResourceType.TASK, P, D, "last", "v1"),
        ["a"],
        ["o"],
        `echo run >> '${lastRuns}'; if [ ! -f '${marker}' ]; then echo "no marker yet" >&2; exit 1; fi; echo "$(( $(cat /var/inputs/a) * 10 ))" > /var/outputs/o`,
      );
      const lp = await registerWorkflow(admin, {
        project: P,
        domain: D,
        name: "recoverable",
        version: "v1",
        tasks: [step, last],
        inputs: ["x"],
        nodes: [
          taskNode("n0", step.id!, { a: promise("start-node", "x") }),
          taskNode("n1", step.id!, { a: promise("n0", "o") }, ["n0"]),
          taskNode("n2", last.id!, { a: promise("n1", "o") }, ["n1"]),
        ],
        outputs: { y: promise("n2", "o") },
      });
      const { id: origId } = await admin.createExecution({
        project: P,
        domain: D,
        spec: { launchPlan: lp },
        inputs: { literals: { x: intLiteral(1) } },
      });
      const orig = await waitForEnd(admin, origId!);
      assert.equal(WorkflowExecution_Phase[orig.closure!.phase], "FAILED");
      assert.equal(runs(stepRuns), 2);
      assert.equal(runs(lastRuns), 1);

      writeFileSync(marker, "");
      const { id: recId } = await admin.recoverExecution({ id: origId, name: `${origId!.name}-r` });
      const rec = await waitForEnd(admin, recId!);
      assert.equal(
        WorkflowExecution_Phase[rec.closure!.phase],
        "SUCCEEDED",
        rec.closure?.outputResult.case === "error" ? rec.closure.outputResult.value.message : "",
      );
      assert.equal(rec.spec?.metadata?.mode, ExecutionMetadata_ExecutionMode.RECOVERED);
      assert.equal(rec.spec?.metadata?.referenceExecution?.name, origId!.name);
      assert.equal(intOf((await admin.getExecutionData({ id: recId })).fullOutputs, "y"), 30);
      assert.equal(runs(stepRuns), 2, "the recovered nodes' tasks did not run again");
      assert.equal(runs(lastRuns), 2, "the failed node ran again");

      const nodes = await admin.listNodeExecutions({ workflowExecutionId: recId, limit: 100 });
      const phases = Object.fromEntries(
        nodes.nodeExecutions.map((n) => [n.id!.nodeId, NodeExecution_Phase[n.closure!.phase]]),
      );
      assert.equal(phases["n0"], "RECOVERED");
      assert.equal(phases["n1"], "RECOVERED");
      assert.equal(phases["n2"], "SUCCEEDED");
      assert.equal(
        (await admin.listTaskExecutions({ nodeExecutionId: { executionId: recId, nodeId: "n1" }, limit: 10 }))
          .taskExecutions.length,
        0,
      );
      const n1 = await admin.getNodeExecutionData({ id: { executionId: recId, nodeId: "n1" } });
      assert.equal(intOf(n1.fullInputs, "a"), 2);
      assert.equal(intOf(n1.fullOutputs, "o"), 3);

      // The port a separate `aloft engine` process uses reads the same over gRPC; a node never run is NOT_FOUND.
      const connection = remoteAdmin(`http://${platform.grpcAddress}`);
      after(() => connection.close());
      const remote = connection.recovery;
      const n0 = await remote.getNodeExecution(
        create(NodeExecutionIdentifierSchema, { executionId: origId, nodeId: "n0" }),
      );
      assert.equal(NodeExecution_Phase[n0.closure!.phase], "SUCCEEDED");
      const n0Data = await remote.getNodeExecutionData(
        create(NodeExecutionIdentifierSchema, { executionId: origId, nodeId: "n0" }),
      );
      assert.equal(intOf(n0Data.fullOutputs, "o"), 2);
      await assert.rejects(
        remote.getNodeExecution(create(NodeExecutionIdentifierSchema, { executionId: origId, nodeId: "nope" })),
        (e) => e instanceof AloftError && e.code === Code.NOT_FOUND,
      );
    });

    test("a launch-plan node whose child failed: the new child execution recovers the original child", async () => {
      const stepRuns = join(dir, "lp-step-runs");
      const lastRuns = join(dir, "lp-last-runs");
      const marker = join(dir, "lp-marker");
      const step = shellTask(
        id(ResourceType.TASK, P, D, "lp-step", "v1"),
        ["a"],
        ["o"],
        `echo run >> '${stepRuns}'; echo "$(( $(cat /var/inputs/a) + 1 ))" > /var/outputs/o`,
      );
      const last = shellTask(
        id(ResourceType.TASK, P, D, "lp-last", "v1"),
        ["a"],
        ["o"],
        `echo run >> '${lastRuns}'; if [ ! -f '${marker}' ]; then exit 1; fi; echo "$(( $(cat /var/inputs/a) * 10 ))" > /var/outputs/o`,
      );
      const child = await registerWorkflow(admin, {
        project: P,
        domain: D,
        name: "rec-child",
        version: "v1",
        tasks: [step, last],
        inputs: ["x"],
        nodes: [
          taskNode("c0", step.id!, { a: promise("start-node", "x") }),
          taskNode("c1", last.id!, { a: promise("c0", "o") }, ["c0"]),
        ],
        outputs: { y: promise("c1", "o") },
      });
      const lpNode = create(NodeSchema, {
        id: "n1",
        metadata: { name: "n1" },
        inputs: [{ var: "x", binding: promise("n0", "o") }],
        upstreamNodeIds: ["n0"],
        target: { case: "workflowNode", value: { reference: { case: "launchplanRef", value: child } } },
      });
      const parent = await registerWorkflow(admin, {
        project: P,
        domain: D,
        name: "rec-parent",
        version: "v1",
        tasks: [],
        inputs: ["x"],
        nodes: [taskNode("n0", step.id!, { a: promise("start-node", "x") }), lpNode],
        outputs: { z: promise("n1", "y") },
      });
      const { id: origId } = await admin.createExecution({
        project: P,
        domain: D,
        spec: { launchPlan: parent },
        inputs: { literals: { x: intLiteral(1) } },
      });
      assert.equal(WorkflowExecution_Phase[(await waitForEnd(admin, origId!)).closure!.phase], "FAILED");
      assert.deepEqual([runs(stepRuns), runs(lastRuns)], [2, 1]);
      const origChild = childOf(await admin.listNodeExecutions({ workflowExecutionId: origId, limit: 10 }));
      assert.ok(origChild);

      writeFileSync(marker, "");
      const { id: recId } = await admin.recoverExecution({ id: origId });
      const rec = await waitForEnd(admin, recId!);
      assert.equal(
        WorkflowExecution_Phase[rec.closure!.phase],
        "SUCCEEDED",
        rec.closure?.outputResult.case === "error" ? rec.closure.outputResult.value.message : "",
      );
      assert.equal(intOf((await admin.getExecutionData({ id: recId })).fullOutputs, "z"), 30);
      assert.deepEqual([runs(stepRuns), runs(lastRuns)], [2, 2], "neither n0 nor the child's c0 ran again");

      const recNodes = await admin.listNodeExecutions({ workflowExecutionId: recId, limit: 10 });
      assert.equal(
        NodeExecution_Phase[recNodes.nodeExecutions.find((n) => n.id!.nodeId === "n0")!.closure!.phase],
        "RECOVERED",
      );
      const newChild = childOf(recNodes);
      assert.ok(newChild && newChild.name !== origChild.name);
      const childExec = await admin.getExecution({ id: newChild });
      assert.equal(childExec.spec?.metadata?.mode, ExecutionMetadata_ExecutionMode.RECOVERED);
      assert.equal(childExec.spec?.metadata?.referenceExecution?.name, origChild.name);
      assert.equal(childExec.spec?.metadata?.parentNodeExecution?.nodeId, "n1");
      const childNodes = await admin.listNodeExecutions({ workflowExecutionId: newChild, limit: 10 });
      const phases = Object.fromEntries(
        childNodes.nodeExecutions.map((n) => [n.id!.nodeId, NodeExecution_Phase[n.closure!.phase]]),
      );
      assert.equal(phases["c0"], "RECOVERED");
      assert.equal(phases["c1"], "SUCCEEDED");
    });
  });
}

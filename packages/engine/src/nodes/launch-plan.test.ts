import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  ExecutionSchema,
  type Execution,
  type ExecutionCreateRequest,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { ParameterMapSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { AloftError, Code } from "@aloft/core";
import type { ChildExecutionPort } from "../ports.ts";
import { engineHarness } from "../testing/harness.ts";
import { harness } from "@aloft/core/testing";
import { TASKS, b, intLit, intOf } from "../testing/workflows.ts";

class FakeAdmin implements ChildExecutionPort {
  readonly created: ExecutionCreateRequest[] = [];
  readonly terminated: string[] = [];
  phase = WorkflowExecution_Phase.RUNNING;
  async createExecution(req: ExecutionCreateRequest) {
    if (this.created.some((c) => c.name === req.name)) throw new AloftError(Code.ALREADY_EXISTS, "x", "exists");
    this.created.push(req);
  }
  async getExecution(id: WorkflowExecutionIdentifier): Promise<Execution> {
    return create(ExecutionSchema, { id, closure: { phase: this.phase } });
  }
  async getOutputs(): Promise<LiteralMap> {
    return create(LiteralMapSchema, { literals: { o: intLit(7) } });
  }
  async terminateExecution(id: WorkflowExecutionIdentifier, cause: string) {
    this.terminated.push(`${id.name}: ${cause}`);
  }
}

const lpWorkflow = () => {
  const lp = {
    id: b.id(ResourceType.LAUNCH_PLAN, "child"),
    expectedInputs: create(ParameterMapSchema, { parameters: { a: { var: { type: b.INT } } } }),
    expectedOutputs: b.vars({ o: b.INT }),
  };
  const wf = b.workflow(
    "lp",
    [b.launchPlanNode("n0", "child", [b.bind("a", b.promise("start-node", "x"))])],
    { x: b.INT },
    { y: b.INT },
    [b.bind("y", b.promise("n0", "o"))],
  );
  return harness(TASKS).ok(wf, { lps: [lp] });
};

test("launch-plan node: creates the child once, polls it, takes its outputs", async () => {
  const admin = new FakeAdmin();
  const h = engineHarness({ children: admin });
  const engine = h.engine;
  await engine.start();
  try {
    await h.launch("lp1", lpWorkflow(), { x: intLit(3) });
    await h.waitFor("lp1", (s) => s.nodes["n0"]?.phase === "Running", "child launched");
    assert.equal(admin.created.length, 1);
    const req = admin.created[0]!;
    assert.equal(req.project, "p");
    assert.equal(req.spec?.launchPlan?.name, "child");
    assert.equal(req.spec?.metadata?.parentNodeExecution?.nodeId, "n0");
    assert.equal(intOf(req.inputs?.literals["a"]), 3n);
    admin.phase = WorkflowExecution_Phase.SUCCEEDED;
    const s = await h.waitFor("lp1", (st) => st.phase === "Success", "success");
    assert.equal(intOf((await h.outputs(s)).literals["y"]), 7n);
    const running = h.sink.events.find(
      (r) => r.kind === "node" && r.event.id?.nodeId === "n0" && r.event.targetMetadata.case === "workflowNodeMetadata",
    );
    assert.ok(running?.kind === "node" && running.event.targetMetadata.case === "workflowNodeMetadata");
    assert.equal(running.event.targetMetadata.value.executionId?.name, req.name);
  } finally {
    await engine.stop();
  }
});

test("launch-plan node: abort terminates the child; a failed child fails the node", async () => {
  const admin = new FakeAdmin();
  const h = engineHarness({ children: admin });
  const engine = h.engine;
  await engine.start();
  try {
    await h.launch("lp2", lpWorkflow(), { x: intLit(3) });
    await h.waitFor("lp2", (s) => s.nodes["n0"]?.phase === "Running", "child launched");
    await engine.abort(h.id("lp2"), "stop");
    assert.equal((await h.waitTerminal("lp2")).phase, "Aborted");
    assert.match(admin.terminated[0]!, /cascading abort as parent execution id \[lp2\] aborted, reason \[stop\]/);
    admin.phase = WorkflowExecution_Phase.ABORTED;
    await h.launch("lp3", lpWorkflow(), { x: intLit(3) });
    const s = await h.waitTerminal("lp3");
    assert.equal(s.phase, "Failed");
    assert.equal(s.error?.code, "RemoteChildWorkflowExecutionFailed");
  } finally {
    await engine.stop();
  }
});

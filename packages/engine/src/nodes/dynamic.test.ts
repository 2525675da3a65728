import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { DynamicJobSpecSchema } from "@aloft/idl/flyteidl/core/dynamic_job_pb.js";
import { NodeExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { putMessage } from "@aloft/core";
import { futuresKey } from "@aloft/core";
import { engineHarness } from "../testing/harness.ts";
import { dynamicWorkflow, writesFutures } from "../testing/dynamic-workflow.ts";
import { permanentFailure, queued, succeed } from "../testing/fake-plugin.ts";
import { b, incOutputs, intLit, intOf } from "../testing/workflows.ts";

test("dynamic node: futures.pb compiled and run under the node; its outputs become the node's", async () => {
  const h = engineHarness();
  h.plugin.script("gen", writesFutures).script("inc", succeed(incOutputs));
  await h.engine.start();
  try {
    await h.launch("d1", dynamicWorkflow(), { x: intLit(5) });
    const s = await h.waitTerminal("d1");
    assert.equal(s.phase, "Success", JSON.stringify(s));
    assert.equal(intOf((await h.outputs(s)).literals["y"]), 7n);
    assert.deepEqual(h.plugin.started, ["d1-n0-0", "d1-n0-0-d0-0", "d1-n0-0-d1-0"]);
    const dyn = h.sink.events.find((r) => r.kind === "node" && r.event.phase === NodeExecution_Phase.DYNAMIC_RUNNING);
    assert.ok(dyn?.kind === "node");
    assert.equal(dyn.event.id?.nodeId, "n0");
    assert.ok(dyn.event.isDynamic && dyn.event.isParent);
    assert.equal(dyn.event.targetMetadata.case, "taskNodeMetadata");
    assert.equal(dyn.event.targetMetadata.value.dynamicWorkflow?.id?.name, "dynamic_n0");
    const child = h.sink.events.find((r) => r.kind === "node" && r.event.id?.nodeId === "n0-0-d0");
    assert.ok(
      child?.kind === "node" && child.event.isInDynamicChain && child.event.parentNodeMetadata?.nodeId === "n0",
    );
    const lines = h.sink.lines("d1");
    assert.ok(lines.indexOf("task n0#0 SUCCEEDED v0") < lines.indexOf("node n0-0-d0 QUEUED"));
    assert.equal(lines.filter((l) => l === "node n0 SUCCEEDED").length, 1);
  } finally {
    await h.engine.stop();
  }
});

test("dynamic node: a failing dynamic child fails the node; a spec that does not compile is a user error", async () => {
  const h = engineHarness();
  h.plugin.script("gen", writesFutures).script("inc", permanentFailure());
  await h.engine.start();
  try {
    await h.launch("d2", dynamicWorkflow(), { x: intLit(5) });
    const s = await h.waitTerminal("d2");
    assert.equal(s.phase, "Failed");
    assert.equal(s.error?.code, "Fatal");
  } finally {
    await h.engine.stop();
  }
  const h2 = engineHarness();
  h2.plugin.script("gen", async (a) => {
    if (a.call === 1) return queued();
    const spec = create(DynamicJobSpecSchema, { nodes: [b.taskNode("d0", "missing-task")] });
    await putMessage(
      a.ctx.blobStore,
      futuresKey(a.ctx.blobStore.keyOf(a.ctx.outputPrefix)),
      DynamicJobSpecSchema,
      spec,
    );
    return { phase: "Success", version: 0 };
  });
  await h2.engine.start();
  try {
    await h2.launch("d3", dynamicWorkflow(), { x: intLit(5) });
    const s = await h2.waitTerminal("d3");
    assert.equal(s.phase, "Failed");
    assert.equal(s.error?.code, "DynamicWorkflowBuildFailed");
  } finally {
    await h2.engine.stop();
  }
});

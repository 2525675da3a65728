import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { CompiledWorkflowClosureSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { NodeExecution_Phase, TaskExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { rawOutputShard } from "@aloft/core/testing";
import { AloftError, Code } from "@aloft/core";
import { engineHarness } from "../testing/harness.ts";
import { succeed } from "../testing/fake-plugin.ts";
import { b, compiler, incOutputs, intLit, intOf } from "../testing/workflows.ts";

const oneTask = () =>
  compiler.ok(
    b.workflow(
      "one",
      [b.taskNode("n0", "inc", [b.bind("a", b.promise("start-node", "x"))])],
      { x: b.INT },
      { y: b.INT },
      [b.bind("y", b.promise("n0", "o"))],
    ),
  );

test("one task: the canonical event sequence (upstream flytepropeller/pkg/controller/nodes/task/transformer.go) and the workflow outputs", async () => {
  const h = engineHarness();
  h.plugin.script("inc", succeed(incOutputs));
  await h.engine.start();
  try {
    await h.launch("e1", oneTask(), { x: intLit(41) });
    const s = await h.waitTerminal("e1");
    assert.equal(s.phase, "Success");
    assert.equal(intOf((await h.outputs(s)).literals["y"]), 42n);
    assert.deepEqual(h.sink.lines("e1"), [
      "wf RUNNING",
      "node start-node SUCCEEDED",
      "node n0 QUEUED",
      "task n0#0 QUEUED v0",
      "node n0 RUNNING",
      "task n0#0 RUNNING v0",
      "task n0#0 SUCCEEDED v0",
      "node n0 SUCCEEDED",
      "node end-node QUEUED",
      "node end-node SUCCEEDED",
      "wf SUCCEEDING",
      "wf SUCCEEDED",
    ]);
    const n0 = h.sink.events.find(
      (r) => r.kind === "node" && r.event.id?.nodeId === "n0" && r.event.phase === NodeExecution_Phase.QUEUED,
    );
    assert.ok(n0 && n0.kind === "node");
    assert.equal(n0.event.inputValue.case, "inputUri");
    assert.equal(n0.event.inputValue.value, "mem://test/metadata/propeller/p-d-e1/n0/data/inputs.pb");
    const start = h.sink.events.find((r) => r.kind === "node" && r.event.id?.nodeId === "start-node");
    assert.ok(start && start.kind === "node");
    assert.equal(start.event.outputResult.value, "mem://test/metadata/propeller/p-d-e1/start-node/data/0/outputs.pb");
    const wfDone = h.sink.events.at(-1)!;
    assert.equal(wfDone.kind, "wf");
    assert.equal(wfDone.event.outputResult.value, "mem://test/metadata/propeller/p-d-e1/end-node/data/0/outputs.pb");
    assert.deepEqual(h.plugin.started, ["e1-n0-0"]);
    assert.deepEqual(h.plugin.finalized, ["e1-n0-0"]);
  } finally {
    await h.engine.stop();
  }
});

test("launch is idempotent", async () => {
  const h = engineHarness();
  h.plugin.script("inc", succeed(incOutputs));
  await h.engine.start();
  try {
    const both = await Promise.all([
      h.launch("e2", oneTask(), { x: intLit(1) }),
      h.launch("e2", oneTask(), { x: intLit(1) }),
    ]);
    assert.deepEqual(both.sort(), [false, true]);
    assert.equal(await h.launch("e2", oneTask(), { x: intLit(1) }), false);
    const s = await h.waitTerminal("e2");
    assert.equal(s.phase, "Success");
    assert.equal(await h.launch("e2", oneTask(), { x: intLit(1) }), false);
    assert.equal(h.sink.lines("e2").filter((l) => l === "wf RUNNING").length, 1);
    assert.equal(h.plugin.started.length, 1);
  } finally {
    await h.engine.stop();
  }
});

test("task and node event contents (upstream flytepropeller/pkg/controller/nodes/transformers.go)", async () => {
  const h = engineHarness();
  h.plugin.script("inc", async (a) => {
    if (a.call === 2) await a.ctx.blobStore.put(`${a.ctx.blobStore.keyOf(a.ctx.outputPrefix)}/deck.html`, "<html/>");
    return succeed(incOutputs)(a);
  });
  await h.engine.start();
  try {
    await h.launch("e3", oneTask(), { x: intLit(1) }, { rawOutputPrefix: "s3://bucket/raw" });
    await h.waitTerminal("e3");
    const tasks = h.sink.events.flatMap((r) => (r.kind === "task" ? [r.event] : []));
    const done = tasks.at(-1)!;
    assert.equal(done.phase, TaskExecution_Phase.SUCCEEDED);
    assert.equal(done.taskId?.name, "inc");
    assert.equal(done.parentNodeExecutionId?.nodeId, "n0");
    assert.equal(done.parentNodeExecutionId?.executionId?.name, "e3");
    assert.equal(done.retryAttempt, 0);
    assert.equal(done.producerId, "propeller");
    assert.equal(done.eventVersion, 1);
    assert.equal(done.taskType, "python-task");
    assert.equal(done.metadata?.generatedName, "e3-n0-0");
    assert.equal(done.metadata?.pluginIdentifier, "fake");
    assert.equal(done.inputValue.value, "mem://test/metadata/propeller/p-d-e3/n0/data/inputs.pb");
    assert.equal(done.outputResult.value, "mem://test/metadata/propeller/p-d-e3/n0/data/0/outputs.pb");
    assert.ok(done.occurredAt && done.reportedAt);
    const nodeDone = h.sink.events.find(
      (r) => r.kind === "node" && r.event.id?.nodeId === "n0" && r.event.phase === NodeExecution_Phase.SUCCEEDED,
    );
    assert.ok(nodeDone?.kind === "node");
    assert.equal(nodeDone.event.eventVersion, 1);
    assert.equal(nodeDone.event.specNodeId, "n0");
    assert.equal(nodeDone.event.nodeName, "n0");
    assert.equal(nodeDone.event.targetEntity?.name, "inc");
    assert.equal(nodeDone.event.targetMetadata.case, "taskNodeMetadata");
    assert.equal(nodeDone.event.outputResult.value, "mem://test/metadata/propeller/p-d-e3/n0/data/0/outputs.pb");
    assert.equal(nodeDone.event.deckUri, "mem://test/metadata/propeller/p-d-e3/n0/data/0/deck.html");
    assert.equal(h.plugin.rawPrefixes[0], `s3://bucket/raw/${rawOutputShard("e3-n0-0")}/e3-n0-0`);
  } finally {
    await h.engine.stop();
  }
});

test("a plugin that throws is a SYSTEM failure, retried within the system budget", async () => {
  const h = engineHarness();
  let calls = 0;
  h.plugin.script("inc", async (a) => {
    calls++;
    if (calls <= 2) throw new Error("plugin crashed");
    return succeed(incOutputs)(a);
  });
  await h.engine.start();
  try {
    await h.launch("e4", oneTask(), { x: intLit(1) });
    const s = await h.waitTerminal("e4");
    assert.equal(s.phase, "Success");
    assert.deepEqual(h.plugin.started, ["e4-n0-0", "e4-n0-1", "e4-n0-2"]);
  } finally {
    await h.engine.stop();
  }
});

test("launch rejects a closure without a primary workflow", async () => {
  const h = engineHarness();
  await assert.rejects(h.launch("bad", create(CompiledWorkflowClosureSchema, {})), /no primary workflow/);
});

test("a node event admin cannot take (INVALID_ARGUMENT) fails the node with NodeFailed", async () => {
  const h = engineHarness();
  h.plugin.script("inc", succeed(incOutputs));
  h.sink.rejectNode = (e) =>
    e.id?.nodeId === "n0" && e.phase === NodeExecution_Phase.SUCCEEDED
      ? new AloftError(Code.INVALID_ARGUMENT, "test.too_big", "output too large")
      : undefined;
  await h.engine.start();
  try {
    await h.launch("e6", oneTask(), { x: intLit(1) });
    const s = await h.waitTerminal("e6");
    assert.equal(s.phase, "Failed");
    assert.equal(s.error?.code, "NodeFailed");
    assert.ok(h.sink.lines("e6").includes("node n0 FAILED"));
  } finally {
    await h.engine.stop();
  }
});

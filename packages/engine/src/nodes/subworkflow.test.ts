import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { NodeExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { NodeMetadataSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { ManualClock } from "@aloft/core/testing";
import { engineHarness } from "../testing/harness.ts";
import { never, permanentFailure, succeed } from "../testing/fake-plugin.ts";
import { b, compiler, incOutputs, intLit, intOf } from "../testing/workflows.ts";

const sub = (failing = false) =>
  b.workflow(
    "sub",
    [
      b.taskNode("n0", "inc", [b.bind("a", b.promise("start-node", "x"))]),
      ...(failing ? [b.taskNode("n1", "noop")] : []),
    ],
    { x: b.INT },
    { y: b.INT },
    [b.bind("y", b.promise("n0", "o"))],
  );

const primary = () =>
  b.workflow(
    "main",
    [
      b.subWorkflowNode("n2", "sub", [b.bind("x", b.promise("start-node", "x"))]),
      b.taskNode("n3", "inc", [b.bind("a", b.promise("n2", "y"))]),
    ],
    { x: b.INT },
    { z: b.INT },
    [b.bind("z", b.promise("n3", "o"))],
  );

async function runIt(name: string, failing: boolean, setup?: (h: ReturnType<typeof engineHarness>) => void) {
  const h = engineHarness();
  h.plugin.script("inc", succeed(incOutputs));
  setup?.(h);
  await h.engine.start();
  try {
    await h.launch(name, compiler.ok(primary(), { subs: [sub(failing)] }), { x: intLit(1) });
    return { h, s: await h.waitTerminal(name) };
  } finally {
    await h.engine.stop();
  }
}

test("inline sub-workflow: nested data dirs, unique ids n2-0-<child>, parent metadata, outputs copied", async () => {
  const { h, s } = await runIt("sw1", false);
  assert.equal(s.phase, "Success");
  assert.equal(intOf((await h.outputs(s)).literals["z"]), 3n);
  const lines = h.sink.lines("sw1");
  for (const l of [
    "node n2 QUEUED",
    "node n2 RUNNING",
    "node n2-0-start-node SUCCEEDED",
    "node n2-0-n0 QUEUED",
    "task n2-0-n0#0 SUCCEEDED v0",
    "node n2-0-end-node SUCCEEDED",
    "node n2 SUCCEEDED",
  ]) {
    assert.ok(lines.includes(l), `${l} missing from\n${lines.join("\n")}`);
  }
  assert.ok(lines.indexOf("node n2 RUNNING") < lines.indexOf("node n2-0-n0 QUEUED"));
  assert.ok(lines.indexOf("node n2-0-end-node SUCCEEDED") < lines.indexOf("node n2 SUCCEEDED"));
  const child = h.sink.events.find(
    (r) => r.kind === "node" && r.event.id?.nodeId === "n2-0-n0" && r.event.phase === NodeExecution_Phase.QUEUED,
  );
  assert.ok(child?.kind === "node");
  assert.equal(child.event.parentNodeMetadata?.nodeId, "n2");
  assert.equal(child.event.specNodeId, "n0");
  assert.equal(child.event.inputValue.value, "mem://test/metadata/propeller/p-d-sw1/n2/data/0/n0/inputs.pb");
  const parent = h.sink.events.find((r) => r.kind === "node" && r.event.id?.nodeId === "n2");
  assert.ok(parent?.kind === "node" && parent.event.isParent);
  assert.deepEqual(h.plugin.started, ["sw1-n2-0-n0-0", "sw1-n3-0"]);
});

test("a failing sub-workflow fails its node with the original error and aborts its running nodes", async () => {
  const { h, s } = await runIt("sw2", true, (h) => h.plugin.script("noop", permanentFailure()).script("inc", never()));
  assert.equal(s.phase, "Failed");
  assert.equal(s.error?.code, "Fatal");
  const lines = h.sink.lines("sw2");
  assert.ok(lines.includes("node n2-0-n1 FAILED"));
  assert.ok(lines.includes("node n2-0-n0 ABORTED"), lines.join("\n"));
  assert.ok(lines.includes("node n2 FAILED"));
  assert.ok(!lines.some((l) => l.startsWith("node n3")));
  assert.deepEqual(
    h.plugin.aborted.map((a) => a.name),
    ["sw2-n2-0-n0-0"],
  );
});

test("a timed-out sub-workflow node stops the tasks running inside it", async () => {
  const wf = primary();
  wf.nodes[0]!.metadata = create(NodeMetadataSchema, { name: "n2", timeout: durationFromMs(1000) });
  const clock = new ManualClock();
  const h = engineHarness({ clock });
  h.plugin.script("inc", never());
  await h.engine.start();
  try {
    await h.launch("sw3", compiler.ok(wf, { subs: [sub(false)] }), { x: intLit(1) });
    await h.waitFor("sw3", (s) => s.nodes["n2"]?.children?.["n0"]?.phase === "Running", "nested task running");
    clock.advance(5000);
    const s = await h.waitTerminal("sw3");
    assert.equal(s.phase, "Failed");
    assert.equal(s.error?.code, "Timeout");
    assert.deepEqual(
      h.plugin.aborted.map((a) => a.name),
      ["sw3-n2-0-n0-0"],
    );
    assert.ok(h.sink.lines("sw3").includes("node n2 TIMED_OUT"));
  } finally {
    await h.engine.stop();
  }
});

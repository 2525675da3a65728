import { test } from "node:test";
import assert from "node:assert/strict";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { SignalSchema, type SignalGetOrCreateRequest } from "@aloft/idl/flyteidl/admin/signal_pb.js";
import type { Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { GateNodeSchema, NodeSchema, type Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { ManualClock } from "@aloft/core/testing";
import { Engine } from "../controller/engine.ts";
import { engineHarness } from "../testing/harness.ts";
import { succeed } from "../testing/fake-plugin.ts";
import { b, compiler, incOutputs, intLit, intOf } from "../testing/workflows.ts";

const gate = (
  id: string,
  condition: MessageInitShape<typeof GateNodeSchema>["condition"],
  inputs: Node["inputs"] = [],
) => create(NodeSchema, { id, inputs, target: { case: "gateNode", value: create(GateNodeSchema, { condition }) } });

test("sleep gate: passes once its duration has elapsed", async () => {
  const clock = new ManualClock();
  const h = engineHarness({ clock });
  await h.engine.start();
  try {
    const wf = b.workflow("g", [gate("sleep", { case: "sleep", value: { duration: durationFromMs(60_000) } })]);
    await h.launch("g1", compiler.ok(wf));
    await h.waitFor("g1", (s) => s.nodes["sleep"]?.phase === "Running", "sleeping");
    clock.advance(59_000);
    clock.advance(2_000);
    const s = await h.waitTerminal("g1");
    assert.equal(s.phase, "Success");
    assert.ok(s.stoppedAt! - s.startedAt! >= 60_000, "it waited the whole minute");
  } finally {
    await h.engine.stop();
  }
});

test("signal and approve gates ask the signal port; a rejection fails the node", async () => {
  const values = new Map<string, Literal>();
  const asked: string[] = [];
  const signals = {
    async getOrCreateSignal(req: SignalGetOrCreateRequest) {
      asked.push(req.id!.signalId);
      const value = values.get(req.id!.signalId);
      return create(SignalSchema, { id: req.id, ...(value ? { value } : {}) });
    },
  };
  const h = engineHarness();
  const engine = new Engine({
    store: h.store,
    blobs: h.blobs,
    sink: h.sink,
    plugins: [h.plugin],
    signals,
    config: { pollIntervalMs: 2 },
  });
  h.plugin.script("inc", succeed(incOutputs));
  const wf = b.workflow(
    "s",
    [
      gate("wait", { case: "signal", value: { signalId: "num", type: b.INT, outputVariableName: "n" } }),
      b.taskNode("use", "inc", [b.bind("a", b.promise("wait", "n"))]),
      gate("ok", { case: "approve", value: { signalId: "go" } }, [b.bind("v", b.promise("use", "o"))]),
    ],
    {},
    { y: b.INT },
    [b.bind("y", b.promise("ok", "v"))],
  );
  await engine.start();
  try {
    await engine.launch({
      executionId: h.id("s1"),
      closure: compiler.ok(wf),
      inputs: create(LiteralMapSchema),
      spec: {},
    });
    await h.waitFor("s1", () => asked.includes("num"), "signal asked");
    values.set("num", intLit(41));
    await h.waitFor("s1", () => asked.includes("go"), "approval asked");
    values.set("go", b.literalOf({ case: "boolean", value: true }));
    const s = await h.waitFor("s1", (st) => st.phase === "Success", "success");
    assert.equal(intOf((await h.outputs(s)).literals["y"]), 42n);
    await engine.launch({
      executionId: h.id("s2"),
      closure: compiler.ok(wf),
      inputs: create(LiteralMapSchema),
      spec: {},
    });
    values.set("go", b.literalOf({ case: "boolean", value: false }));
    const f = await h.waitFor("s2", (st) => st.phase === "Failed", "rejected");
    assert.equal(f.error?.code, "ReceivedRejectSignal");
  } finally {
    await engine.stop();
  }
});

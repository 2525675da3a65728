import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { NodeMetadataSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { TaskExecutionMetadata_InstanceClass } from "@aloft/idl/flyteidl/event/event_pb.js";
import { ManualClock } from "@aloft/core/testing";
import { engineHarness } from "../testing/harness.ts";
import { failTimes, never, succeed } from "../testing/fake-plugin.ts";
import { b, compiler } from "../testing/workflows.ts";

function timed(retries: number) {
  const node = b.taskNode("n0", "noop");
  node.metadata = create(NodeMetadataSchema, { name: "n0", timeout: durationFromMs(10_000), retries: { retries } });
  return compiler.ok(b.workflow("t", [node]));
}

test("execution deadline: the attempt fails with TimeoutExpired (retryable, counts as a user attempt)", async () => {
  const clock = new ManualClock();
  const h = engineHarness({ clock });
  h.plugin.script("noop", never());
  await h.engine.start();
  try {
    await h.launch("t1", timed(0));
    await h.waitFor("t1", (s) => s.nodes["n0"]?.phase === "Running", "running");
    clock.advance(10_001);
    const s = await h.waitTerminal("t1");
    assert.equal(s.phase, "Failed");
    assert.equal(s.error?.code, "RetriesExhausted|TimeoutExpired");
    assert.match(s.error!.message, /task execution timeout \[10s\] expired/);
    assert.deepEqual(
      h.plugin.aborted.map((a) => a.name),
      ["t1-n0-0"],
    );
  } finally {
    await h.engine.stop();
  }
});

test("active deadline (2 x timeout from queued): the node times out for good", async () => {
  const clock = new ManualClock();
  const h = engineHarness({ clock });
  h.plugin.script("noop", never());
  await h.engine.start();
  try {
    await h.launch("t2", timed(1));
    await h.waitFor("t2", (s) => s.nodes["n0"]?.phase === "Running", "running");
    clock.advance(10_001);
    await h.waitFor(
      "t2",
      (s) => s.nodes["n0"]?.attempts === 1 && s.nodes["n0"]?.task?.phase === "Running",
      "second attempt",
    );
    clock.advance(10_000);
    const s = await h.waitTerminal("t2");
    assert.equal(s.phase, "Failed");
    assert.deepEqual(s.error, { kind: "USER", code: "Timeout", message: "Timeout in node" });
    assert.ok(h.sink.lines("t2").includes("node n0 TIMED_OUT"));
    assert.deepEqual(h.plugin.started, ["t2-n0-0", "t2-n0-1"]);
  } finally {
    await h.engine.stop();
  }
});

test("interruptible comes from the execution; the last system retry runs non-interruptible", async () => {
  const h = engineHarness();
  h.plugin.script("noop", failTimes(3, "SYSTEM", succeed()));
  await h.engine.start();
  try {
    await h.launch("i1", compiler.ok(b.workflow("i", [b.taskNode("n0", "noop")])), {}, { interruptible: true });
    const s = await h.waitTerminal("i1");
    assert.equal(s.phase, "Success");
    assert.deepEqual(h.plugin.interruptible, [true, true, true, false]);
    const classes = h.sink.events.flatMap((r) => (r.kind === "task" ? [r.event.metadata?.instanceClass] : []));
    assert.equal(classes[0], TaskExecutionMetadata_InstanceClass.INTERRUPTIBLE);
    assert.equal(classes.at(-1), TaskExecutionMetadata_InstanceClass.DEFAULT);
  } finally {
    await h.engine.stop();
  }
});

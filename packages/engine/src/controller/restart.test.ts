import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryBlobStore } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";
import { engineHarness } from "../testing/harness.ts";
import { FakePlugin, queued, running, succeed, type Script } from "../testing/fake-plugin.ts";
import { RecordingEventSink } from "../testing/recording-sink.ts";
import { MemoryWorkflowStore } from "../store/memory-workflow-store.ts";
import type { WorkflowStatus } from "../executor/status.ts";
import { b, compiler, incOutputs, intLit, intOf } from "../testing/workflows.ts";

const chain = () =>
  compiler.ok(
    b.workflow(
      "rs",
      [
        b.taskNode("n0", "inc", [b.bind("a", b.promise("start-node", "x"))]),
        b.taskNode("n1", "add", [b.bind("a", b.promise("n0", "o")), b.bind("b", b.int(0))]),
        b.taskNode("n2", "inc", [b.bind("a", b.promise("n1", "o"))]),
      ],
      { x: b.INT },
      { y: b.INT },
      [b.bind("y", b.promise("n2", "o"))],
    ),
  );

function gated(gate: { open: boolean }): Script {
  return async (a) => {
    if (a.call === 1) return queued();
    if (!gate.open) return running();
    await a.writeOutputs({ o: a.inputs.literals["a"]! });
    return { phase: "Success", version: 0 };
  };
}

const noDuplicates = (lines: string[]) => assert.equal(new Set(lines).size, lines.length, lines.join("\n"));

test("a new engine over the same store resumes mid-execution: nothing restarted, nothing lost", async () => {
  const store = new MemoryWorkflowStore();
  const blobs = new MemoryBlobStore();
  const sink = new RecordingEventSink();
  const gate = { open: false };
  const p1 = new FakePlugin().script("inc", succeed(incOutputs)).script("add", gated(gate));
  const h1 = engineHarness({ store, blobs, sink, plugin: p1 });
  await h1.engine.start();
  await h1.launch("r1", chain(), { x: intLit(1) });
  await h1.waitFor("r1", (s) => s.nodes["n1"]?.phase === "Running", "n1 running");
  await h1.engine.stop();

  const p2 = new FakePlugin().script("inc", succeed(incOutputs)).script("add", gated(gate));
  const h2 = engineHarness({ store, blobs, sink, plugin: p2 });
  gate.open = true;
  await h2.engine.start();
  try {
    const s = await h2.waitTerminal("r1");
    assert.equal(s.phase, "Success");
    assert.equal(intOf((await h2.outputs(s)).literals["y"]), 3n);
    assert.deepEqual(p1.started, ["r1-n0-0", "r1-n1-0"]);
    assert.deepEqual(p2.started, ["r1-n2-0"], "n1 continues from its persisted plugin state");
    noDuplicates(sink.lines("r1"));
    assert.equal(sink.lines("r1").at(-1), "wf SUCCEEDED");
  } finally {
    await h2.engine.stop();
  }
});

/** Loses some status writes, as a crash between sending events and saving would. */
class LossyStore extends MemoryWorkflowStore {
  lose = new Set<number>();
  #n = 0;
  override async updateStatus(key: string, status: WorkflowStatus, expectedVersion: number): Promise<number> {
    this.#n++;
    if (this.lose.has(this.#n)) throw new AloftError(Code.UNAVAILABLE, "test.lost_write", "write lost");
    return super.updateStatus(key, status, expectedVersion);
  }
}

test("lost status writes replay the round: events deduplicated, outputs right", async () => {
  const store = new LossyStore();
  store.lose = new Set([2, 4, 7, 11]);
  const h = engineHarness({ store });
  h.plugin.script("inc", succeed(incOutputs)).script(
    "add",
    succeed((i) => ({ o: i.literals["a"]! })),
  );
  await h.engine.start();
  try {
    await h.launch("r2", chain(), { x: intLit(5) });
    const s = await h.waitTerminal("r2");
    assert.equal(s.phase, "Success");
    assert.equal(intOf((await h.outputs(s)).literals["y"]), 7n);
    noDuplicates(h.sink.lines("r2"));
    assert.deepEqual(
      h.sink.lines("r2").filter((l) => l.startsWith("wf")),
      ["wf RUNNING", "wf SUCCEEDING", "wf SUCCEEDED"],
    );
  } finally {
    await h.engine.stop();
  }
});

test("an engine can be stopped and started again", async () => {
  const h = engineHarness();
  h.plugin.script("inc", succeed(incOutputs)).script(
    "add",
    succeed((i) => ({ o: i.literals["a"]! })),
  );
  await h.engine.start();
  await h.engine.stop();
  await h.launch("r3", chain(), { x: intLit(1) });
  await h.engine.start();
  try {
    assert.equal((await h.waitTerminal("r3")).phase, "Success");
  } finally {
    await h.engine.stop();
  }
});

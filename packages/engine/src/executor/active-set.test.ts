import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { WorkflowMetadataSchema, WorkflowMetadata_OnFailurePolicy } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { MemoryBlobStore } from "@aloft/core";
import { activeSetOf, advanceActiveSet } from "./active-set.ts";
import type { NodeStatus } from "./status.ts";
import { engineHarness } from "../testing/harness.ts";
import { FakePlugin, permanentFailure, queued, running, succeed, type Script } from "../testing/fake-plugin.ts";
import { RecordingEventSink } from "../testing/recording-sink.ts";
import { MemoryWorkflowStore } from "../store/memory-workflow-store.ts";
import { b, compiler } from "../testing/workflows.ts";

// start → a, b → c (a diamond closed by c), in the shape ClosureIndex gives it.
const graph = {
  order: ["start-node", "a", "b", "c"],
  upstream: new Map([
    ["start-node", []],
    ["a", ["start-node"]],
    ["b", ["start-node"]],
    ["c", ["a", "b"]],
  ]),
  downstream: new Map([
    ["start-node", ["a", "b"]],
    ["a", ["c"]],
    ["b", ["c"]],
    ["c", []],
  ]),
};
const st = (phase: NodeStatus["phase"]): NodeStatus => ({ phase });
const sorted = (s: ReadonlySet<string>) => [...s].sort();

test("the active set of a status: unfinished nodes, nodes whose upstreams all settled, finished and failed counts", () => {
  const fresh = activeSetOf(graph, {});
  assert.deepEqual(sorted(fresh.ready), ["start-node"]);
  assert.equal(fresh.live.size, 0);

  const mid = activeSetOf(graph, { "start-node": st("Succeeded"), a: st("Succeeded"), b: st("Running") });
  assert.deepEqual(sorted(mid.live), ["b"]);
  assert.deepEqual(sorted(mid.ready), [], "c waits for b");
  assert.equal(mid.finished, 2);

  const settled = activeSetOf(graph, { "start-node": st("Succeeded"), a: st("Succeeded"), b: st("Failed") });
  assert.deepEqual(sorted(settled.ready), ["c"], "a failed upstream settles too: c is to be skipped");
  assert.deepEqual(sorted(settled.failed), ["b"]);
  assert.equal(settled.finished, 3);

  const succeeding = activeSetOf(graph, { "start-node": st("Succeeded"), a: st("Succeeding"), b: st("Succeeded") });
  assert.deepEqual(sorted(succeeding.ready), ["c"], "a Succeeding upstream has written its outputs");
  assert.deepEqual(sorted(succeeding.live), ["a"]);
});

test("advancing the active set looks only at replaced statuses and the successors of what changed", () => {
  const start = st("Succeeded");
  const before: Record<string, NodeStatus> = { "start-node": start, a: st("Running"), b: st("Running") };
  const prev = activeSetOf(graph, before);
  // a round in which b finished (replaced) and a did not move (same object)
  const after: Record<string, NodeStatus> = { ...before, b: st("Succeeded") };
  const { next, changed } = advanceActiveSet(prev, graph, before, after);
  assert.deepEqual(changed, ["b"]);
  assert.deepEqual(sorted(next.live), ["a"]);
  assert.deepEqual(sorted(next.ready), [], "c still waits for a");
  assert.equal(next.finished, 2);
  // the next round: a finishes, c becomes ready although nothing queued it in that round
  const later: Record<string, NodeStatus> = { ...after, a: st("Failed") };
  const step2 = advanceActiveSet(next, graph, after, later);
  assert.deepEqual(sorted(step2.next.ready), ["c"]);
  assert.deepEqual(sorted(step2.next.failed), ["a"]);
  assert.deepEqual(step2.next, activeSetOf(graph, later), "what a restart would derive from the saved status");
  // c queued and finished in one round, then its status is found (a cache hit on queue)
  const done: Record<string, NodeStatus> = { ...later, c: st("Skipped") };
  const step3 = advanceActiveSet(step2.next, graph, later, done);
  assert.deepEqual(step3.changed, ["c"]);
  assert.equal(step3.next.finished, 4);
  assert.equal(step3.next.ready.size + step3.next.live.size, 0);
});

const fanIn = (width: number) =>
  compiler.ok(
    b.workflow("fanin", [
      ...Array.from({ length: width }, (_, i) => b.taskNode(`u${i}`, "noop")),
      b.taskNode(
        "join",
        "noop",
        [],
        Array.from({ length: width }, (_, i) => `u${i}`),
      ),
      b.taskNode("after", "noop", [], ["join"]),
    ]),
  );

/** Finishes once `gate.open`, after a first look that reports it queued. */
function gated(gate: { open: boolean }): Script {
  return async (a) => {
    if (a.call === 1) return queued();
    if (!gate.open) return running();
    return { phase: "Success", version: 0 };
  };
}

test("a large fan-in: the join node is queued once, in the round its last upstream succeeds or the next", async () => {
  const h = engineHarness();
  h.plugin.script("noop", succeed());
  await h.engine.start();
  try {
    await h.launch("fi1", fanIn(150), {});
    const s = await h.waitTerminal("fi1");
    assert.equal(s.phase, "Success");
    const lines = h.sink.lines("fi1");
    assert.equal(new Set(lines).size, lines.length, "no event twice");
    const queuedJoin = lines.indexOf("node join QUEUED");
    assert.ok(queuedJoin > 0, lines.join("\n"));
    for (let i = 0; i < 150; i++) assert.ok(lines.indexOf(`node u${i} SUCCEEDED`) < queuedJoin, `u${i} before join`);
    assert.ok(lines.indexOf("node after QUEUED") > lines.indexOf("node join SUCCEEDED"));
    assert.equal(h.plugin.started.length, 152);
  } finally {
    await h.engine.stop();
  }
});

/** What two engines one after the other (a restart) share. */
const sharedStores = () => ({
  store: new MemoryWorkflowStore(),
  blobs: new MemoryBlobStore(),
  sink: new RecordingEventSink(),
});

/** A second engine over the same stores runs `name` to its end; no event was sent twice. */
async function resume(shared: ReturnType<typeof sharedStores>, plugin: FakePlugin, name: string) {
  const h = engineHarness({ ...shared, plugin });
  await h.engine.start();
  try {
    const s = await h.waitTerminal(name);
    const lines = shared.sink.lines(name);
    assert.equal(new Set(lines).size, lines.length, lines.join("\n"));
    return { s, lines };
  } finally {
    await h.engine.stop();
  }
}

test("a restart in the middle of a fan-in resumes from the saved status: nothing started twice, the join runs", async () => {
  const shared = sharedStores();
  const gate = { open: false };
  const script = (): Script => {
    // half of the upstreams finish at once, the other half wait for the gate
    return (a) => (/-u\d*[13579]-/.test(a.ctx.generatedName) ? gated(gate)(a) : succeed()(a));
  };
  const p1 = new FakePlugin().script("noop", script());
  const h1 = engineHarness({ ...shared, plugin: p1 });
  await h1.engine.start();
  await h1.launch("fi2", fanIn(20), {});
  await h1.waitFor(
    "fi2",
    (s) =>
      Array.from({ length: 20 }, (_, i) => s.nodes[`u${i}`]?.phase).every((p) => p !== undefined && p !== "Queued") &&
      p1.started.length === 20,
    "every upstream started",
  );
  await h1.engine.stop();

  gate.open = true;
  const p2 = new FakePlugin().script("noop", script());
  const { s } = await resume(shared, p2, "fi2");
  assert.equal(s.phase, "Success");
  assert.deepEqual(p2.started.sort(), ["fi2-after-0", "fi2-join-0"], "the upstreams continue, not restarted");
  assert.equal(p1.started.length, 20);
});

test("a restart after a failure (FAIL_AFTER_EXECUTABLE_NODES_COMPLETE): its dependents skipped once, the rest runs", async () => {
  const wf = b.workflow("fail-after", [
    b.taskNode("bad", "inc", [b.bind("a", b.int(1))]),
    b.taskNode("after", "noop", [], ["bad"]),
    b.taskNode("after2", "noop", [], ["after"]),
    b.taskNode("slow", "noop"),
    b.taskNode("good", "noop", [], ["slow"]),
  ]);
  wf.metadata = create(WorkflowMetadataSchema, {
    onFailure: WorkflowMetadata_OnFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE,
  });
  const shared = sharedStores();
  const gate = { open: false };
  const p1 = new FakePlugin().script("inc", permanentFailure()).script("noop", gated(gate));
  const h1 = engineHarness({ ...shared, plugin: p1 });
  await h1.engine.start();
  await h1.launch("fa2", compiler.ok(wf), {});
  await h1.waitFor("fa2", (s) => s.nodes["bad"]?.phase === "Failed", "bad failed");
  await h1.engine.stop();

  gate.open = true;
  const p2 = new FakePlugin().script("inc", permanentFailure()).script("noop", gated(gate));
  const { s, lines } = await resume(shared, p2, "fa2");
  assert.equal(s.phase, "Failed");
  for (const l of ["node after SKIPPED", "node after2 SKIPPED", "node good SUCCEEDED", "node end-node SKIPPED"]) {
    assert.ok(lines.includes(l), `${l}\n${lines.join("\n")}`);
  }
  assert.deepEqual(lines.slice(-2), ["wf FAILING", "wf FAILED"]);
});

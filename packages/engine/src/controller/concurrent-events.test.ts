// A sink whose calls may overlap (EventSink.concurrent, as the split-mode engine's batching sink): a round sends its
// nodes' events without awaiting each (the primary workflow's and nested scopes' alike), saves its status only after
// admin accepted every event it reflects, and reports the same events per node as with a sink taking one event at a
// time — refusals included.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { NodeExecutionEventRequest } from "@aloft/idl/flyteidl/admin/event_pb.js";
import { NodeExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { AloftError, Code } from "@aloft/core";
import { engineHarness } from "../testing/harness.ts";
import { succeed } from "../testing/fake-plugin.ts";
import { RecordingEventSink } from "../testing/recording-sink.ts";
import { MemoryWorkflowStore } from "../store/memory-workflow-store.ts";
import type { WorkflowStatus } from "../executor/status.ts";
import { dynamicWorkflow, writesFutures } from "../testing/dynamic-workflow.ts";
import { b, compiler, incChain, incOutputs, intLit } from "../testing/workflows.ts";

/** Counts the node events in flight at once. */
class CountingSink extends RecordingEventSink {
  inFlight = 0;
  maxInFlight = 0;
  override async nodeEvent(req: NodeExecutionEventRequest): Promise<void> {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      await super.nodeEvent(req);
    } finally {
      this.inFlight--;
    }
  }
}

const EVENT_OF: Record<string, string> = {
  Queued: "QUEUED",
  Running: "RUNNING",
  Succeeding: "SUCCEEDED",
  Succeeded: "SUCCEEDED",
  Failing: "FAILED",
  Failed: "FAILED",
};

/** A store that checks, at every save, that admin accepted the event each primary node's saved phase reflects. */
class CheckingStore extends MemoryWorkflowStore {
  sink: RecordingEventSink | undefined;
  readonly unreported: string[] = [];
  override async updateStatus(key: string, status: WorkflowStatus, expectedVersion: number): Promise<number> {
    const lines = new Set(this.sink!.lines(key.split("/")[2]));
    for (const [id, st] of Object.entries(status.nodes)) {
      const event = EVENT_OF[st.phase];
      if (event && !lines.has(`node ${id} ${event}`)) this.unreported.push(`${id} ${st.phase}`);
    }
    return super.updateStatus(key, status, expectedVersion);
  }
}

/** Runs `closure` with a concurrent or a one-at-a-time sink; its events per node, in order. */
async function run(
  concurrent: boolean,
  name: string,
  closure: ReturnType<typeof compiler.ok>,
  refuse?: (e: NonNullable<NodeExecutionEventRequest["event"]>) => AloftError | undefined,
  setup?: (h: ReturnType<typeof engineHarness>) => void,
) {
  const sink = new CountingSink();
  sink.concurrent = concurrent;
  sink.rejectNode = refuse;
  const store = new CheckingStore();
  store.sink = sink;
  const h = engineHarness({ sink, store });
  h.plugin.script("inc", succeed(incOutputs));
  setup?.(h);
  await h.engine.start();
  try {
    await h.launch(name, closure, { x: intLit(1) });
    const s = await h.waitTerminal(name);
    const perNode = new Map<string, string[]>();
    for (const line of sink.lines(name)) {
      const [kind, id] = line.split(" ");
      const key = kind === "wf" ? "wf" : id!.split("#")[0]!;
      perNode.set(key, [...(perNode.get(key) ?? []), line]);
    }
    return { s, sink, store, perNode, lines: sink.lines(name) };
  } finally {
    await h.engine.stop();
  }
}

const fanOutWorkflow = (n: number) =>
  b.workflow(
    "fan",
    Array.from({ length: n }, (_, i) => b.taskNode(`n${i}`, "inc", [b.bind("a", b.promise("start-node", "x"))])),
    { x: b.INT },
  );
const fanOut = (n: number) => compiler.ok(fanOutWorkflow(n));
/** The same fan-out inside sub-workflow node `s`. */
const nestedFanOut = (n: number) =>
  compiler.ok(
    b.workflow("outer", [b.subWorkflowNode("s", "fan", [b.bind("x", b.promise("start-node", "x"))])], { x: b.INT }),
    { subs: [fanOutWorkflow(n)] },
  );

const chain = () => incChain(2);

test("a fan-out's events are in flight together; every saved status was reported first; the same events per node", async () => {
  const one = await run(false, "f1", fanOut(8));
  const many = await run(true, "f1", fanOut(8));
  assert.equal(one.s.phase, "Success");
  assert.equal(many.s.phase, "Success");
  assert.equal(one.sink.maxInFlight, 1);
  assert.ok(many.sink.maxInFlight >= 8, `at most ${many.sink.maxInFlight} node events in flight`);
  assert.deepEqual(many.store.unreported, []);
  assert.deepEqual(one.store.unreported, []);
  assert.deepEqual(new Map([...many.perNode].sort()), new Map([...one.perNode].sort()));
  assert.equal(many.lines.at(-1), "wf SUCCEEDED");
  assert.equal(
    many.lines.filter((l) => l.startsWith("wf ")).length,
    one.lines.filter((l) => l.startsWith("wf ")).length,
  );
});

test("a SUCCEEDED event admin cannot take fails the node before its downstream node reads it, as one at a time", async () => {
  const refuse = (e: NonNullable<NodeExecutionEventRequest["event"]>) =>
    e.id?.nodeId === "n0" && e.phase === NodeExecution_Phase.SUCCEEDED
      ? new AloftError(Code.INVALID_ARGUMENT, "test.too_big", "output too large")
      : undefined;
  const one = await run(false, "c1", chain(), refuse);
  const many = await run(true, "c1", chain(), refuse);
  assert.equal(many.s.phase, "Failed");
  assert.equal(many.s.error?.code, "NodeFailed");
  assert.deepEqual(many.lines, one.lines);
  assert.ok(many.lines.includes("node n0 FAILED"));
  assert.ok(!many.lines.some((l) => l.startsWith("node n1")), "n1 never starts");
});

test("a RUNNING event admin cannot take fails the node with NodeFailed, as one at a time", async () => {
  const refuse = (e: NonNullable<NodeExecutionEventRequest["event"]>) =>
    e.id?.nodeId === "n3" && e.phase === NodeExecution_Phase.RUNNING
      ? new AloftError(Code.INVALID_ARGUMENT, "test.invalid", "invalid event")
      : undefined;
  const one = await run(false, "f2", fanOut(6), refuse);
  const many = await run(true, "f2", fanOut(6), refuse);
  assert.equal(many.s.phase, "Failed");
  assert.equal(many.s.error?.code, one.s.error?.code);
  assert.deepEqual(new Map([...many.perNode].sort()), new Map([...one.perNode].sort()));
  assert.deepEqual(many.store.unreported, []);
});

test("a refused QUEUED event fails the round (nothing saved), which is replayed until admin takes it", async () => {
  let refusals = 2;
  const refuse = (e: NonNullable<NodeExecutionEventRequest["event"]>) =>
    e.id?.nodeId === "n2" && e.phase === NodeExecution_Phase.QUEUED && refusals-- > 0
      ? new AloftError(Code.INTERNAL, "test.internal", "try again")
      : undefined;
  const many = await run(true, "f3", fanOut(4), refuse);
  assert.equal(many.s.phase, "Success");
  assert.deepEqual(many.store.unreported, []);
  assert.deepEqual(many.perNode.get("n2")?.slice(0, 2), ["node n2 QUEUED", "task n2#0 QUEUED v0"]);
});

test("a sub-workflow's fan-out: its events in flight together, the same events per node, its node's after them", async () => {
  const one = await run(false, "s1", nestedFanOut(8));
  const many = await run(true, "s1", nestedFanOut(8));
  assert.equal(one.s.phase, "Success");
  assert.equal(many.s.phase, "Success");
  assert.ok(many.sink.maxInFlight >= 8, `at most ${many.sink.maxInFlight} node events in flight`);
  assert.deepEqual(many.store.unreported, []);
  assert.deepEqual(new Map([...many.perNode].sort()), new Map([...one.perNode].sort()));
  const last = (prefix: string) => many.lines.findLastIndex((l) => l.startsWith(prefix));
  assert.ok(last("node s-0-") < many.lines.indexOf("node s SUCCEEDED"), many.lines.join("\n"));
});

test("a sub-workflow node's RUNNING event admin cannot take fails it with NodeFailed, as one at a time", async () => {
  const refuse = (e: NonNullable<NodeExecutionEventRequest["event"]>) =>
    e.id?.nodeId === "s-0-n3" && e.phase === NodeExecution_Phase.RUNNING
      ? new AloftError(Code.INVALID_ARGUMENT, "test.invalid", "invalid event")
      : undefined;
  const one = await run(false, "s2", nestedFanOut(6), refuse);
  const many = await run(true, "s2", nestedFanOut(6), refuse);
  assert.equal(many.s.phase, "Failed");
  assert.equal(many.s.error?.code, one.s.error?.code);
  assert.deepEqual(new Map([...many.perNode].sort()), new Map([...one.perNode].sort()));
  assert.ok(many.lines.includes("node s-0-n3 FAILED"));
});

test("a dynamic node's workflow: the same events per node as one at a time, its children after DYNAMIC_RUNNING", async () => {
  const gen = (h: ReturnType<typeof engineHarness>) => void h.plugin.script("gen", writesFutures);
  const one = await run(false, "d1", dynamicWorkflow(), undefined, gen);
  const many = await run(true, "d1", dynamicWorkflow(), undefined, gen);
  assert.equal(many.s.phase, "Success");
  assert.deepEqual(new Map([...many.perNode].sort()), new Map([...one.perNode].sort()));
  assert.ok(many.lines.indexOf("node n0 DYNAMIC_RUNNING") < many.lines.indexOf("node n0-0-d0 QUEUED"));
});

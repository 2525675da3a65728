// Issue 9: an engine apart from admin (split mode) keeps working through an admin outage. Events that cannot be
// delivered (UNAVAILABLE, a refused connection) make the round wait and replay; they never count against the
// execution's system-retry budget nor fail a task that finished.
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { TaskExecutionEventRequestSchema } from "@aloft/idl/flyteidl/admin/event_pb.js";
import { TaskExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { AloftError, Code } from "@aloft/core";
import { engineHarness } from "../testing/harness.ts";
import { queued, running, type Script } from "../testing/fake-plugin.ts";
import { RecordingEventSink } from "../testing/recording-sink.ts";
import { b, compiler, incOutputs, intOf } from "../testing/workflows.ts";
import { isOutage, isUnreachable } from "../executor/unreachable.ts";

/** Admin behind a switch: while down, every call fails as connect-node reports a refused connection. */
class SwitchableSink extends RecordingEventSink {
  down = false;
  refused = 0;
  #check() {
    if (!this.down) return;
    this.refused++;
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8089"), { code: "ECONNREFUSED" });
    throw new AloftError(Code.UNAVAILABLE, "remote.Unavailable", "connect ECONNREFUSED 127.0.0.1:8089", { cause });
  }
  override async workflowEvent(...a: Parameters<RecordingEventSink["workflowEvent"]>) {
    this.#check();
    return super.workflowEvent(...a);
  }
  override async nodeEvent(...a: Parameters<RecordingEventSink["nodeEvent"]>) {
    this.#check();
    return super.nodeEvent(...a);
  }
  override async taskEvent(...a: Parameters<RecordingEventSink["taskEvent"]>) {
    this.#check();
    return super.taskEvent(...a);
  }
}

const chain = () =>
  compiler.ok(
    b.workflow(
      "outage",
      [b.taskNode("n0", "inc", [b.bind("a", b.int(1))]), b.taskNode("n1", "inc", [b.bind("a", b.promise("n0", "o"))])],
      {},
      { y: b.INT },
      [b.bind("y", b.promise("n1", "o"))],
    ),
  );

async function until(what: string, pred: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("unreachable: UNAVAILABLE, DEADLINE_EXCEEDED and socket errors anywhere in the cause chain; nothing else", () => {
  assert.ok(isUnreachable(new AloftError(Code.UNAVAILABLE, "x", "down")));
  assert.ok(isUnreachable(new Error("wrapped", { cause: new AloftError(Code.DEADLINE_EXCEEDED, "x", "slow") })));
  assert.ok(
    isUnreachable(new Error("round", { cause: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }) })),
  );
  assert.ok(isUnreachable({ code: 14, message: "a raw gRPC error" }));
  assert.ok(!isUnreachable(new AloftError(Code.INTERNAL, "x", "bug")));
  assert.ok(!isUnreachable(new AloftError(Code.RESOURCE_EXHAUSTED, "x", "disk full")));
  assert.ok(!isUnreachable(Object.assign(new Error("no space"), { code: "ENOSPC" })));
  assert.ok(!isUnreachable(undefined));
  // A full disk is waited out too (isOutage), an ordinary bug is not.
  assert.ok(
    isOutage(new AloftError(Code.RESOURCE_EXHAUSTED, "resource.exhausted", "write x: out of disk space (ENOSPC)")),
  );
  assert.ok(
    isOutage(
      new Error("insert", { cause: Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }) }),
    ),
  );
  assert.ok(
    isOutage(
      new AloftError(Code.RESOURCE_EXHAUSTED, "remote.ResourceExhausted", "write y: out of disk space (ENOSPC)"),
    ),
  );
  assert.ok(!isOutage(new AloftError(Code.RESOURCE_EXHAUSTED, "remote.ResourceExhausted", "message larger than max")));
  assert.ok(!isOutage(new AloftError(Code.INTERNAL, "x", "bug")));
});

test("admin down while a task finishes: the execution waits, replays its events and succeeds with one attempt per node", async () => {
  const sink = new SwitchableSink();
  // Few round errors allowed and short backoffs: the outage below outlasts the budget many times over.
  const h = engineHarness({
    sink,
    config: { maxWorkflowRetries: 2, roundErrorBackoffMaxMs: 10, eventRetryDelaysMs: [1] },
  });
  let finish = false;
  const script: Script = async (a) => {
    if (a.call === 1) return queued();
    if (!finish) return running();
    await a.writeOutputs(incOutputs(a.inputs));
    return { phase: "Success", version: 0 };
  };
  h.plugin.script("inc", script);
  await h.engine.start();
  try {
    await h.launch("o1", chain());
    await h.waitFor("o1", (s) => s.nodes["n0"]?.phase === "Running", "n0 running");
    sink.down = true;
    finish = true; // the task exits 0 while admin is away
    // Far more refused events than (maxWorkflowRetries + 1) rounds × (1 + event retries): the old rule failed here.
    await until("40 refused events", () => sink.refused >= 40);
    const during = await h.engine.status(h.id("o1"));
    assert.equal(during?.phase, "Running", "the execution waits for admin");
    assert.equal(during?.failedAttempts ?? 0, 0, "an unreachable admin is not a system error");
    sink.down = false;
    const s = await h.waitTerminal("o1");
    assert.equal(s.phase, "Success", s.message);
    assert.equal(intOf((await h.outputs(s)).literals["y"]), 3n);
    const lines = sink.lines("o1");
    assert.equal(new Set(lines).size, lines.length, `each event accepted once:\n${lines.join("\n")}`);
    assert.deepEqual(
      lines.filter((l) => l.startsWith("wf ")),
      ["wf RUNNING", "wf SUCCEEDING", "wf SUCCEEDED"],
    );
    assert.ok(lines.includes("node n0 SUCCEEDED") && lines.includes("node n1 SUCCEEDED"), lines.join("\n"));
    assert.ok(
      lines.filter((l) => l.startsWith("task ")).every((l) => /#0 /.test(l)),
      `no retry attempts:\n${lines.join("\n")}`,
    );
    assert.deepEqual([...new Set(h.plugin.started)].sort(), ["o1-n0-0", "o1-n1-0"]);
  } finally {
    await h.engine.stop();
  }
});

test("admin down while an abort is requested: the abort waits and still ends ABORTED", async () => {
  const sink = new SwitchableSink();
  const h = engineHarness({
    sink,
    config: { maxWorkflowRetries: 1, roundErrorBackoffMaxMs: 10, eventRetryDelaysMs: [1] },
  });
  h.plugin.script("inc", (a) => (a.call === 1 ? queued() : running()));
  await h.engine.start();
  try {
    await h.launch("o2", chain());
    await h.waitFor("o2", (s) => s.nodes["n0"]?.phase === "Running", "n0 running");
    sink.down = true;
    await h.engine.abort(h.id("o2"), "stop");
    await until("20 refused events", () => sink.refused >= 20);
    assert.equal((await h.engine.status(h.id("o2")))?.phase, "Running");
    sink.down = false;
    const s = await h.waitTerminal("o2");
    assert.equal(s.phase, "Aborted");
    const lines = sink.lines("o2");
    assert.equal(lines.at(-1), "wf ABORTED");
    // Nothing stays RUNNING in admin: the node and its task got their ABORTED events after the outage.
    assert.ok(lines.includes("node n0 ABORTED") && lines.some((l) => /^task n0#0 ABORTED/.test(l)), lines.join("\n"));
    assert.equal(s.failedAttempts ?? 0, 0);
  } finally {
    await h.engine.stop();
  }
});

/** Admin already has the attempt's end (the engine died after reporting it, before saving it): replays hit "terminal". */
class AheadSink extends RecordingEventSink {
  override async taskEvent(req: Parameters<RecordingEventSink["taskEvent"]>[0]) {
    const ev = req.event!;
    if (ev.phase === TaskExecution_Phase.QUEUED) {
      await super.taskEvent(req);
      return super.taskEvent(
        create(TaskExecutionEventRequestSchema, { event: { ...ev, phase: TaskExecution_Phase.SUCCEEDED } }),
      );
    }
    return super.taskEvent(req);
  }
}

test("a replayed RUNNING task event after admin recorded the attempt's end is skipped, not a round error", async () => {
  const sink = new AheadSink();
  const h = engineHarness({
    sink,
    config: { maxWorkflowRetries: 1, roundErrorBackoffMaxMs: 10, eventRetryDelaysMs: [1] },
  });
  h.plugin.script("inc", async (a) => {
    if (a.call === 1) return queued();
    if (a.call === 2) return running();
    await a.writeOutputs(incOutputs(a.inputs));
    return { phase: "Success", version: 0 };
  });
  await h.engine.start();
  try {
    await h.launch("o3", chain());
    const s = await h.waitTerminal("o3");
    assert.equal(s.phase, "Success", s.message);
    assert.equal(s.failedAttempts ?? 0, 0);
  } finally {
    await h.engine.stop();
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { engineHarness } from "../testing/harness.ts";
import { never, permanentFailure } from "../testing/fake-plugin.ts";
import { b, compiler, intLit } from "../testing/workflows.ts";

const chain = () =>
  compiler.ok(
    b.workflow("ab", [
      b.taskNode("n0", "inc", [b.bind("a", b.int(1))]),
      b.taskNode("n1", "inc", [b.bind("a", b.promise("n0", "o"))]),
    ]),
  );

test("abort while a task runs: plugin aborted, task/node/workflow ABORTED", async () => {
  const h = engineHarness();
  h.plugin.script("inc", never());
  await h.engine.start();
  try {
    await h.launch("a1", chain());
    await h.waitFor("a1", (s) => s.nodes["n0"]?.phase === "Running", "n0 running");
    await h.engine.abort(h.id("a1"), "user asked");
    const s = await h.waitTerminal("a1");
    assert.equal(s.phase, "Aborted");
    assert.deepEqual(h.plugin.aborted, [{ name: "a1-n0-0", reason: "user asked" }]);
    assert.deepEqual(h.plugin.finalized, ["a1-n0-0"]);
    assert.deepEqual(h.sink.lines("a1").slice(-3), ["task n0#0 ABORTED v0", "node n0 ABORTED", "wf ABORTED"]);
    // Repeating the abort of a terminal execution changes nothing.
    await h.engine.abort(h.id("a1"), "again");
    assert.equal((await h.engine.status(h.id("a1")))?.phase, "Aborted");
  } finally {
    await h.engine.stop();
  }
});

test("abort before the first round and of unknown executions", async () => {
  const h = engineHarness();
  await h.launch("a2", chain());
  await h.engine.abort(h.id("a2"), "early");
  await h.engine.start();
  try {
    const s = await h.waitTerminal("a2");
    assert.equal(s.phase, "Aborted");
    assert.deepEqual(h.sink.lines("a2"), ["wf ABORTED"]);
    assert.equal(await h.engine.abort(h.id("nope"), "x"), false);
  } finally {
    await h.engine.stop();
  }
});

test("abort reaches tasks inside sub-workflows and branches", async () => {
  const sub = b.workflow("sub", [b.taskNode("n0", "inc", [b.bind("a", b.promise("start-node", "x"))])], { x: b.INT });
  const wf = b.workflow("main", [b.subWorkflowNode("n2", "sub", [b.bind("x", b.promise("start-node", "x"))])], {
    x: b.INT,
  });
  const h = engineHarness();
  h.plugin.script("inc", never());
  await h.engine.start();
  try {
    await h.launch("a3", compiler.ok(wf, { subs: [sub] }), { x: intLit(1) });
    await h.waitFor("a3", (s) => s.nodes["n2"]?.children?.["n0"]?.phase === "Running", "nested task running");
    await h.engine.abort(h.id("a3"), "stop");
    const s = await h.waitTerminal("a3");
    assert.equal(s.phase, "Aborted");
    assert.deepEqual(
      h.plugin.aborted.map((a) => a.name),
      ["a3-n2-0-n0-0"],
    );
    const lines = h.sink.lines("a3");
    assert.ok(lines.includes("node n2-0-n0 ABORTED") && lines.includes("node n2 ABORTED"), lines.join("\n"));
  } finally {
    await h.engine.stop();
  }
});

test("abort while the failure node runs", async () => {
  const wf = b.workflow("fn", [b.taskNode("n0", "noop")]);
  wf.failureNode = b.taskNode("fn0", "inc", [b.bind("a", b.int(1))]);
  const h = engineHarness();
  h.plugin.script("noop", permanentFailure()).script("inc", never());
  await h.engine.start();
  try {
    await h.launch("a4", compiler.ok(wf));
    await h.waitFor("a4", (s) => s.failureNode?.phase === "Running", "failure node running");
    await h.engine.abort(h.id("a4"), "stop");
    const s = await h.waitTerminal("a4");
    assert.equal(s.phase, "Aborted");
    assert.deepEqual(
      h.plugin.aborted.map((a) => a.name),
      ["a4-fn0-0"],
    );
  } finally {
    await h.engine.stop();
  }
});

test("abort converges even when admin fails events for a while", async () => {
  const h = engineHarness();
  h.plugin.script("inc", never());
  await h.engine.start();
  try {
    await h.launch("a5", chain());
    await h.waitFor("a5", (s) => s.nodes["n0"]?.phase === "Running", "n0 running");
    h.sink.failNext = 3;
    await h.engine.abort(h.id("a5"), "stop");
    const s = await h.waitTerminal("a5");
    assert.equal(s.phase, "Aborted");
    assert.equal(h.sink.lines("a5").at(-1), "wf ABORTED");
  } finally {
    await h.engine.stop();
  }
});

test("an execution admin no longer knows fails with ExecutionNotFound and its tasks are stopped", async () => {
  const h = engineHarness();
  h.plugin.script("inc", async (a) =>
    a.call === 1 ? { phase: "Queued", version: 0 } : { phase: "Running", version: a.call },
  );
  await h.engine.start();
  try {
    await h.launch("a6", chain());
    await h.waitFor("a6", (s) => s.nodes["n0"]?.phase === "Running", "n0 running");
    h.sink.unknown.add("a6");
    const s = await h.waitTerminal("a6");
    assert.equal(s.phase, "Failed");
    assert.equal(s.error?.code, "ExecutionNotFound");
    assert.deepEqual(
      h.plugin.aborted.map((a) => a.name),
      ["a6-n0-0"],
    );
  } finally {
    await h.engine.stop();
  }
});

test("abort ends ABORTED even when the plugin cannot stop the task", async () => {
  const h = engineHarness({ config: { maxWorkflowRetries: 2 } });
  h.plugin.script("inc", never());
  h.plugin.abort = async () => {
    throw new Error("cannot kill");
  };
  await h.engine.start();
  try {
    await h.launch("a7", chain());
    await h.waitFor("a7", (s) => s.nodes["n0"]?.phase === "Running", "n0 running");
    await h.engine.abort(h.id("a7"), "stop");
    const s = await h.waitTerminal("a7");
    assert.equal(s.phase, "Aborted");
    assert.equal(h.sink.lines("a7").at(-1), "wf ABORTED");
  } finally {
    await h.engine.stop();
  }
});

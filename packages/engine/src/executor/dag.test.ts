import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { WorkflowMetadataSchema, WorkflowMetadata_OnFailurePolicy } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { TaskMetadataSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { harness } from "@aloft/core/testing";
import { engineHarness } from "../testing/harness.ts";
import { errorPb, failTimes, never, permanentFailure, succeed } from "../testing/fake-plugin.ts";
import { TASKS, addOutputs, b, compiler, incChain, incOutputs, intLit, intOf } from "../testing/workflows.ts";

async function run(
  name: string,
  setup: (h: ReturnType<typeof engineHarness>) => Parameters<ReturnType<typeof engineHarness>["launch"]>,
) {
  const h = engineHarness();
  h.plugin.script("inc", succeed(incOutputs)).script("add", succeed(addOutputs));
  await h.engine.start();
  try {
    const args = setup(h);
    await h.launch(...args);
    const s = await h.waitTerminal(name);
    return { h, s };
  } finally {
    await h.engine.stop();
  }
}

test("a chain passes outputs along", async () => {
  const c = incChain(3);
  const { h, s } = await run("c1", () => ["c1", c, { x: intLit(10) }]);
  assert.equal(s.phase, "Success");
  assert.equal(intOf((await h.outputs(s)).literals["y"]), 13n);
  assert.deepEqual(h.plugin.started, ["c1-n0-0", "c1-n1-0", "c1-n2-0"]);
  assert.deepEqual(s.nodes, {}, "terminal executions keep no node statuses");
});

test("fan-out and fan-in", async () => {
  const nodes = [
    b.taskNode("a", "inc", [b.bind("a", b.promise("start-node", "x"))]),
    b.taskNode("b", "inc", [b.bind("a", b.promise("start-node", "x"))]),
    b.taskNode("c", "inc", [b.bind("a", b.int(100))]),
    b.taskNode("sum", "add", [b.bind("a", b.promise("a", "o")), b.bind("b", b.promise("b", "o"))]),
    b.taskNode("total", "add", [b.bind("a", b.promise("sum", "o")), b.bind("b", b.promise("c", "o"))]),
  ];
  const c = compiler.ok(b.workflow("fan", nodes, { x: b.INT }, { y: b.INT }, [b.bind("y", b.promise("total", "o"))]));
  const { h, s } = await run("f1", () => ["f1", c, { x: intLit(1) }]);
  assert.equal(s.phase, "Success");
  assert.equal(intOf((await h.outputs(s)).literals["y"]), 105n);
  const lines = h.sink.lines("f1");
  const idx = (l: string) => lines.indexOf(l);
  assert.ok(idx("node sum QUEUED") > idx("node a SUCCEEDED") && idx("node sum QUEUED") > idx("node b SUCCEEDED"));
  // a, b and c start in the same round.
  assert.ok(idx("node c QUEUED") < idx("task a#0 QUEUED v0"), lines.join("\n"));
});

test("max parallelism bounds the tasks queued or running at once", async () => {
  const nodes = ["a", "b", "c", "d"].map((id) => b.taskNode(id, "noop"));
  const c = compiler.ok(b.workflow("par", nodes));
  const { h, s } = await run("p1", () => ["p1", c, {}, { maxParallelism: 1 }]);
  assert.equal(s.phase, "Success");
  const lines = h.sink
    .lines("p1")
    .filter((l) => / (QUEUED|SUCCEEDED)$/.test(l) && l.startsWith("node ") && !l.includes("-node"));
  for (let i = 0; i < lines.length; i += 2) {
    assert.match(lines[i]!, /QUEUED$/);
    assert.equal(lines[i + 1]!.replace("SUCCEEDED", "QUEUED"), lines[i]);
  }
});

test("user retries: fails twice then succeeds within the task's retry budget", async () => {
  const t = b.task("flaky", { a: b.INT }, { o: b.INT });
  t.template!.metadata = create(TaskMetadataSchema, { retries: { retries: 2 } });
  const wf = b.workflow("r", [b.taskNode("n0", "flaky", [b.bind("a", b.int(1))])], {}, { y: b.INT }, [
    b.bind("y", b.promise("n0", "o")),
  ]);
  const { h, s } = await run("r1", (h) => {
    h.plugin.script("flaky", failTimes(2, "USER", succeed(incOutputs)));
    return ["r1", compilerWith(t).ok(wf)];
  });
  assert.equal(s.phase, "Success");
  assert.deepEqual(h.plugin.started, ["r1-n0-0", "r1-n0-1", "r1-n0-2"]);
  const lines = h.sink.lines("r1").filter((l) => l.includes("n0"));
  assert.deepEqual(lines, [
    "node n0 QUEUED",
    "task n0#0 QUEUED v0",
    "node n0 RUNNING",
    "task n0#0 FAILED v0",
    "task n0#1 QUEUED v0",
    "task n0#1 FAILED v0",
    "task n0#2 QUEUED v0",
    "task n0#2 RUNNING v0",
    "task n0#2 SUCCEEDED v0",
    "node n0 SUCCEEDED",
  ]);
});

test("user retries exhausted fail the node with RetriesExhausted", async () => {
  const t = b.task("flaky", { a: b.INT }, { o: b.INT });
  t.template!.metadata = create(TaskMetadataSchema, { retries: { retries: 1 } });
  const wf = b.workflow("r", [b.taskNode("n0", "flaky", [b.bind("a", b.int(1))])]);
  const { h, s } = await run("r2", (h) => {
    h.plugin.script("flaky", failTimes(5, "USER", succeed()));
    return ["r2", compilerWith(t).ok(wf)];
  });
  assert.equal(s.phase, "Failed");
  assert.equal(s.error?.code, "RetriesExhausted|UserError");
  assert.match(s.error!.message, /^\[2\/2\] currentAttempt done. Last Error: USER::attempt 1 failed/);
  assert.equal(h.plugin.started.length, 2);
  assert.deepEqual(h.sink.lines("r2").slice(-3), ["node n0 FAILED", "wf FAILING", "wf FAILED"]);
});

test("system failures have their own budget (3 retries) regardless of user retries", async () => {
  const wf = b.workflow("s", [b.taskNode("n0", "noop")]);
  const { h, s } = await run("s1", (h) => {
    h.plugin.script("noop", failTimes(3, "SYSTEM", succeed()));
    return ["s1", compiler.ok(wf)];
  });
  assert.equal(s.phase, "Success");
  assert.equal(h.plugin.started.length, 4);
  const { s: s2, h: h2 } = await run("s2", (h) => {
    h.plugin.script("noop", failTimes(10, "SYSTEM", succeed()));
    return ["s2", compiler.ok(wf)];
  });
  assert.equal(s2.phase, "Failed");
  assert.equal(h2.plugin.started.length, 4);
  assert.deepEqual(h2.plugin.interruptible, [false, false, false, false]);
});

test("error.pb: non-recoverable fails at once with its kind; recoverable is retried", async () => {
  const t = b.task("bad", {}, { o: b.INT });
  t.template!.metadata = create(TaskMetadataSchema, { retries: { retries: 1 } });
  const wf = b.workflow("e", [b.taskNode("n0", "bad")]);
  const { h, s } = await run("e1", (h) => {
    h.plugin.script("bad", errorPb(false, "SYSTEM"));
    return ["e1", compilerWith(t).ok(wf)];
  });
  assert.equal(s.phase, "Failed");
  assert.deepEqual(s.error, { kind: "SYSTEM", code: "ValueError", message: "bad value" });
  assert.equal(h.plugin.started.length, 1);
  const { h: h2, s: s2 } = await run("e2", (h) => {
    h.plugin.script("bad", errorPb(true, "USER"));
    return ["e2", compilerWith(t).ok(wf)];
  });
  assert.equal(s2.phase, "Failed");
  assert.equal(s2.error?.code, "RetriesExhausted|ValueError");
  assert.equal(h2.plugin.started.length, 2);
});

test("missing outputs.pb is a recoverable OutputsNotFound", async () => {
  const wf = b.workflow("o", [b.taskNode("n0", "inc", [b.bind("a", b.int(1))])]);
  const { s } = await run("o1", (h) => {
    h.plugin.script("inc", succeed());
    return ["o1", compiler.ok(wf)];
  });
  assert.equal(s.phase, "Failed");
  assert.equal(s.error?.code, "RetriesExhausted|OutputsNotFound");
});

function policyWorkflow(policy: WorkflowMetadata_OnFailurePolicy) {
  const wf = b.workflow("pol", [
    b.taskNode("bad", "noop"),
    b.taskNode("after", "noop", [], ["bad"]),
    b.taskNode("slow", "inc", [b.bind("a", b.int(1))]),
    b.taskNode("good", "inc", [b.bind("a", b.promise("slow", "o"))]),
  ]);
  wf.metadata = create(WorkflowMetadataSchema, { onFailure: policy });
  return compiler.ok(wf);
}

test("FAIL_IMMEDIATELY aborts running nodes on the first failure", async () => {
  const { h, s } = await run("fi", (h) => {
    h.plugin.script("noop", permanentFailure()).script("inc", never());
    return ["fi", policyWorkflow(WorkflowMetadata_OnFailurePolicy.FAIL_IMMEDIATELY)];
  });
  assert.equal(s.phase, "Failed");
  assert.equal(s.error?.code, "Fatal");
  assert.deepEqual(
    h.plugin.aborted.map((a) => a.name),
    ["fi-slow-0"],
  );
  const lines = h.sink.lines("fi");
  assert.ok(lines.includes("node slow ABORTED"));
  assert.ok(lines.includes("task slow#0 ABORTED v0"));
  assert.ok(!lines.some((l) => l.startsWith("node good ")));
});

test("FAIL_AFTER_EXECUTABLE_NODES_COMPLETE runs independent nodes and skips dependents of the failure", async () => {
  const { h, s } = await run("fa", (h) => {
    h.plugin.script("noop", permanentFailure());
    return ["fa", policyWorkflow(WorkflowMetadata_OnFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE)];
  });
  assert.equal(s.phase, "Failed");
  const lines = h.sink.lines("fa");
  assert.ok(lines.includes("node good SUCCEEDED"), lines.join("\n"));
  assert.ok(lines.includes("node after SKIPPED"));
  assert.ok(lines.includes("node end-node SKIPPED"));
  assert.deepEqual(lines.slice(-2), ["wf FAILING", "wf FAILED"]);
});

function compilerWith(t: ReturnType<typeof b.task>) {
  return { ok: (wf: Parameters<typeof compiler.ok>[0]) => compilerFor([t]).ok(wf) };
}
const compilerFor = (extra: ReturnType<typeof b.task>[]) =>
  harness([...TASKS.filter((x) => !extra.some((e) => e.template?.id?.name === x.template?.id?.name)), ...extra]);

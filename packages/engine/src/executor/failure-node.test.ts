import { test } from "node:test";
import assert from "node:assert/strict";
import { engineHarness } from "../testing/harness.ts";
import { permanentFailure, succeed } from "../testing/fake-plugin.ts";
import { b, compiler, incOutputs, intLit } from "../testing/workflows.ts";

function withFailureNode() {
  const wf = b.workflow("fn", [b.taskNode("n0", "noop")], { x: b.INT });
  wf.failureNode = b.taskNode("fn0", "inc", [b.bind("a", b.promise("start-node", "x"))]);
  return compiler.ok(wf);
}

test("failure node runs after the failure; the workflow keeps the original error", async () => {
  const h = engineHarness();
  h.plugin.script("noop", permanentFailure()).script("inc", succeed(incOutputs));
  await h.engine.start();
  try {
    await h.launch("fn1", withFailureNode(), { x: intLit(1) });
    const s = await h.waitTerminal("fn1");
    assert.equal(s.phase, "Failed");
    assert.equal(s.error?.code, "Fatal");
    const lines = h.sink.lines("fn1");
    assert.deepEqual(lines.slice(lines.indexOf("node n0 FAILED")), [
      "node n0 FAILED",
      "wf FAILING",
      "node fn0 QUEUED",
      "task fn0#0 QUEUED v0",
      "node fn0 RUNNING",
      "task fn0#0 RUNNING v0",
      "task fn0#0 SUCCEEDED v0",
      "node fn0 SUCCEEDED",
      "wf FAILED",
    ]);
    assert.deepEqual(h.plugin.started, ["fn1-n0-0", "fn1-fn0-0"]);
  } finally {
    await h.engine.stop();
  }
});

test("a failing failure node replaces the workflow error", async () => {
  const h = engineHarness();
  h.plugin.script("noop", permanentFailure()).script("inc", succeed());
  await h.engine.start();
  try {
    await h.launch("fn2", withFailureNode(), { x: intLit(1) });
    const s = await h.waitTerminal("fn2");
    assert.equal(s.phase, "Failed");
    assert.equal(s.error?.code, "RetriesExhausted|OutputsNotFound");
  } finally {
    await h.engine.stop();
  }
});

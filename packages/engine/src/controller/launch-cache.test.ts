// Issue 9 row 6: a launched execution's first rounds use the spec handed to launch() instead of reading back and
// decoding what was just written (for a 1,000,000-element input that decode alone held the event loop ~0.7 s).
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryWorkflowStore } from "../store/memory-workflow-store.ts";
import type { ExecutionSpec } from "../store/workflow-store.ts";
import { engineHarness } from "../testing/harness.ts";
import { succeed } from "../testing/fake-plugin.ts";
import { b, compiler, incOutputs, intLit } from "../testing/workflows.ts";

class CountingStore extends MemoryWorkflowStore {
  specReads = 0;
  override async getSpec(key: string): Promise<ExecutionSpec | undefined> {
    this.specReads++;
    return super.getSpec(key);
  }
}

test("launch hands its spec to the first round: the store's copy is not read back", async () => {
  const store = new CountingStore();
  const h = engineHarness({ store });
  h.plugin.script("inc", succeed(incOutputs));
  await h.engine.start();
  try {
    await h.launch(
      "c1",
      compiler.ok(
        b.workflow("c", [b.taskNode("n0", "inc", [b.bind("a", b.promise("start-node", "x"))])], { x: b.INT }),
      ),
      { x: intLit(1) },
    );
    assert.equal((await h.waitTerminal("c1")).phase, "Success");
    assert.equal(store.specReads, 0);
  } finally {
    await h.engine.stop();
  }
});

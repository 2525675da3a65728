import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import type { TaskExecutionContext } from "../plugins/plugin.ts";
import { engineHarness } from "../testing/harness.ts";
import { FakePlugin, running } from "../testing/fake-plugin.ts";
import { incChain, incOutputs, intLit, intOf } from "../testing/workflows.ts";

/** A plugin that wakes the execution when an attempt ends (as the local-process plugin on a process's exit). */
class WakingPlugin extends FakePlugin {
  readonly wakes = true;
}

const chain = () => incChain(2);

test("after a round that started a task of a waking plugin, no round follows at once: the next look is the wake's", async () => {
  const plugin = new WakingPlugin();
  const calls = new Map<string, number>();
  const started = new Map<string, TaskExecutionContext>();
  const released = new Set<string>();
  plugin.script("inc", async (a) => {
    const name = a.ctx.generatedName;
    calls.set(name, (calls.get(name) ?? 0) + 1);
    started.set(name, a.ctx);
    if (!released.has(name)) return running();
    await a.writeOutputs(incOutputs(a.inputs));
    return { phase: "Success", version: 0 };
  });
  // No poll within the test: only a wake (or a round run at once) looks at a task again.
  const h = engineHarness({ plugin, config: { pollIntervalMs: 600_000 } });
  await h.engine.start();
  try {
    await h.launch("q1", chain(), { x: intLit(1) });
    // n1 is queued and started in the round that ends n0 (Succeeding), and looked at once more in the round run at
    // once to finalise n0; after that round, nothing follows until the wake.
    for (const [name, looks] of [
      ["q1-n0-0", 1],
      ["q1-n1-0", 2],
    ] as const) {
      await h.waitFor("q1", (s) => s.nodes[name.split("-")[1]!]?.phase === "Running", `${name} running`);
      await sleep(30); // a round run at once would look at the task again within this
      assert.equal(calls.get(name), looks, `${name}: looked at ${looks} time(s) before its wake`);
      released.add(name);
      started.get(name)!.wake!();
    }
    const s = await h.waitTerminal("q1");
    assert.equal(s.phase, "Success");
    assert.equal(intOf((await h.outputs(s)).literals["y"]), 3n);
    assert.deepEqual(Object.fromEntries(calls), { "q1-n0-0": 2, "q1-n1-0": 3 });
  } finally {
    await h.engine.stop();
  }
});

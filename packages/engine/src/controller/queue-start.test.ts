// A node queued and started in one visit (dag-executor.ts preExecute): a chain node costs one status write, and a
// round replayed after a lost save sends admin nothing it has not taken already (ExecContext.queuedSent).
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { MemoryBlobStore } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";
import type { WorkflowStatus } from "../executor/status.ts";
import type { TaskExecutionContext } from "../plugins/plugin.ts";
import { MemoryWorkflowStore } from "../store/memory-workflow-store.ts";
import { FakePlugin, running, succeed } from "../testing/fake-plugin.ts";
import { engineHarness } from "../testing/harness.ts";
import { RecordingEventSink } from "../testing/recording-sink.ts";
import { incChain, incOutputs, intLit, intOf } from "../testing/workflows.ts";

/** A plugin that wakes the execution when an attempt ends (as the local-process plugin on a process's exit). */
class WakingPlugin extends FakePlugin {
  readonly wakes = true;
}

/** Records the node phases saved (the store counts the saves); loses the saves `lose` picks, as a crash before the save would. */
class CountingStore extends MemoryWorkflowStore {
  readonly savedPhases = new Set<string>();
  lose: ((s: WorkflowStatus) => boolean) | undefined;
  override async updateStatus(key: string, status: WorkflowStatus, expectedVersion: number): Promise<number> {
    if (this.lose?.(status)) {
      this.lose = undefined;
      throw new AloftError(Code.UNAVAILABLE, "test.lost_write", "write lost");
    }
    for (const n of Object.values(status.nodes)) this.savedPhases.add(n.phase);
    return super.updateStatus(key, status, expectedVersion);
  }
}

const noDuplicates = (lines: string[]) => assert.equal(new Set(lines).size, lines.length, lines.join("\n"));

test("a chain node of a waking plugin is queued and started in one visit: one status write per node", async () => {
  const plugin = new WakingPlugin();
  const started = new Map<string, TaskExecutionContext>();
  const released = new Set<string>();
  plugin.script("inc", async (a) => {
    started.set(a.ctx.generatedName, a.ctx);
    if (!released.has(a.ctx.generatedName)) return running();
    await a.writeOutputs(incOutputs(a.inputs));
    return { phase: "Success", version: 0 };
  });
  const store = new CountingStore();
  const h = engineHarness({ plugin, store, config: { pollIntervalMs: 600_000 } });
  await h.engine.start();
  try {
    await h.launch("c1", incChain(6), { x: intLit(1) });
    const writes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const name = `c1-n${i}-0`;
      await h.waitFor("c1", (s) => s.nodes[`n${i}`]?.phase === "Running", `${name} running`);
      await sleep(30); // the round run at once after it (finalising the node before) is over by then
      writes.push(store.writes);
      released.add(name);
      started.get(name)!.wake!();
    }
    const s = await h.waitTerminal("c1");
    assert.equal(s.phase, "Success");
    assert.equal(intOf((await h.outputs(s)).literals["y"]), 7n);
    // From one node running to the next: the round that ends one and queues and starts the next, saved once; the
    // round that finalises the ended node sends no event and is saved with the next one.
    assert.deepEqual(
      writes.slice(1).map((w, i) => w - writes[i]!),
      [1, 1, 1, 1, 1],
    );
    assert.ok(!store.savedPhases.has("Queued"), "no node is saved Queued: it is started in the same visit");
    const lines = h.sink.lines("c1");
    noDuplicates(lines);
    for (let i = 0; i < 6; i++) {
      assert.deepEqual(
        lines.filter((l) => l.startsWith(`node n${i} `)),
        [`node n${i} QUEUED`, `node n${i} RUNNING`, `node n${i} SUCCEEDED`],
      );
    }
  } finally {
    await h.engine.stop();
  }
});

test("a save lost after a round that queued and started a node: the replay sends admin the same events", async () => {
  const run = async (lose: boolean) => {
    const store = new CountingStore();
    // The round that queued and started n1 (its QUEUED, its task's first event and its RUNNING sent).
    if (lose) store.lose = (s) => s.nodes["n1"]?.phase === "Running";
    const h = engineHarness({ store });
    h.plugin.script("inc", succeed(incOutputs));
    await h.engine.start();
    try {
      await h.launch("r1", incChain(3), { x: intLit(1) });
      const s = await h.waitTerminal("r1");
      assert.equal(s.phase, "Success");
      assert.equal(intOf((await h.outputs(s)).literals["y"]), 4n);
      assert.equal(store.lose, undefined, "the save was lost");
      return h.sink.lines("r1");
    } finally {
      await h.engine.stop();
    }
  };
  const lossless = await run(false);
  const replayed = await run(true);
  noDuplicates(replayed);
  assert.deepEqual(replayed, lossless);
});

test("a node queued, started and ended in one visit, replayed by a new engine after a crash before the save", async () => {
  const store = new CountingStore();
  const blobs = new MemoryBlobStore();
  const sink = new RecordingEventSink();
  // Ends at its first look (as a task run in the engine's process): QUEUED and SUCCEEDED in one round.
  const instant = () =>
    new FakePlugin().script("inc", async (a) => {
      await a.writeOutputs(incOutputs(a.inputs));
      return { phase: "Success", version: 0 };
    });
  store.lose = (s) => s.nodes["n1"]?.phase === "Succeeding";
  // The first engine does not replay the round itself (its retry is far off): it stops, as if it had crashed.
  const h1 = engineHarness({ store, blobs, sink, plugin: instant(), config: { roundErrorBackoffMs: 600_000 } });
  await h1.engine.start();
  await h1.launch("r2", incChain(3), { x: intLit(1) });
  for (let i = 0; store.lose !== undefined; i++) {
    assert.ok(i < 2000, "the save was lost");
    await sleep(5);
  }
  await h1.engine.stop();
  assert.ok(sink.lines("r2").includes("node n1 SUCCEEDED"), sink.lines("r2").join("\n"));

  const h2 = engineHarness({ store, blobs, sink, plugin: instant(), config: { maxWorkflowRetries: 2 } });
  await h2.engine.start();
  try {
    const s = await h2.waitTerminal("r2");
    assert.equal(s.phase, "Success", s.message);
    assert.equal(intOf((await h2.outputs(s)).literals["y"]), 4n);
    const lines = sink.lines("r2");
    noDuplicates(lines);
    assert.deepEqual(
      lines.filter((l) => l.startsWith("node n1 ")),
      ["node n1 QUEUED", "node n1 SUCCEEDED"],
    );
  } finally {
    await h2.engine.stop();
  }
});

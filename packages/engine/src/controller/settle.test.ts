import { test } from "node:test";
import assert from "node:assert/strict";
import { AloftError, Code } from "@aloft/core";
import { nodeAt, plainNodes } from "../executor/node-map.ts";
import { isTerminalWorkflowPhase, type WorkflowStatus } from "../executor/status.ts";
import { MemoryWorkflowStore } from "../store/memory-workflow-store.ts";
import type { StatusChanges, StoredStatus } from "../store/workflow-store.ts";
import { FakePlugin, queued, running, type Script } from "../testing/fake-plugin.ts";
import { engineHarness } from "../testing/harness.ts";
import { b, compiler } from "../testing/workflows.ts";

const N = 12;
const fanOut = () =>
  compiler.ok(
    b.workflow(
      "fan",
      Array.from({ length: N }, (_, i) => b.taskNode(`n${i}`, "noop")),
    ),
  );

/** Queued, then running for as many polls as the node's number, then done: the nodes finish in different rounds. */
const slow: Script = (a) => {
  const i = Number(/-n(\d+)-/.exec(a.ctx.generatedName)?.[1]);
  return a.call === 1 ? queued() : a.call < 3 + i ? running(a.call) : { phase: "Success", version: 0 };
};

/**
 * Keeps the status object of the last write, as runLocal's store does, and reads it back as it is; fails the writes
 * numbered in `fail`. Every write checks that the status written last is still what was written (the engine replays
 * a failed round from it) and that the new status has every node it had; it counts the node maps the written
 * statuses end up with (the engine settles a saved round into its map in place instead of copying it).
 */
class KeepingStore extends MemoryWorkflowStore {
  readonly fail = new Set<number>();
  calls = 0;
  kept: (StoredStatus & { json: string }) | undefined;
  readonly maps = new Set<object>();
  readonly problems: string[] = [];
  readonly written: string[][] = [];

  override async getStatus(key: string): Promise<StoredStatus | undefined> {
    return this.kept ? { status: this.kept.status, version: this.kept.version } : super.getStatus(key);
  }

  override async updateStatus(
    key: string,
    status: WorkflowStatus,
    expectedVersion: number,
    _changes?: StatusChanges,
  ): Promise<number> {
    const n = ++this.calls;
    const kept = this.kept;
    if (kept) {
      if (json(kept.status) !== kept.json) this.problems.push(`write ${n}: the status written last was changed`);
      this.maps.add(kept.status.nodes);
      const before = Object.keys((JSON.parse(kept.json) as WorkflowStatus).nodes);
      const missing = before.filter((id) => nodeAt(status.nodes, id) === undefined);
      if (!isTerminalWorkflowPhase(status.phase) && missing.length > 0) {
        this.problems.push(`write ${n}: nodes missing ${missing.join(",")}`);
      }
    }
    if (this.fail.has(n)) throw new AloftError(Code.INTERNAL, "test.failed_write", `write ${n} failed`);
    const version = await super.updateStatus(key, status, expectedVersion);
    this.kept = { status, version, json: json(status) };
    this.written.push(Object.keys((await super.getStatus(key))!.status.nodes));
    return version;
  }
}

const json = (s: WorkflowStatus) => JSON.stringify({ ...s, nodes: plainNodes(s.nodes) });

test("saved rounds settle into one node map; a failed save leaves the status written last as it was", async () => {
  const store = new KeepingStore();
  store.fail.add(6);
  store.fail.add(15);
  const plugin = new FakePlugin().script("noop", slow);
  const h = engineHarness({ store, plugin });
  await h.engine.start();
  try {
    await h.launch("s1", fanOut());
    const s = await h.waitTerminal("s1");
    assert.equal(s.phase, "Success");
  } finally {
    await h.engine.stop();
  }
  assert.deepEqual(store.problems, []);
  assert.ok(store.calls > 15, `${store.calls} writes`);
  // Every node in the documents written before the end (a finished status keeps none).
  const running = store.written.slice(0, -1);
  const all = running.at(-1)!;
  for (let i = 0; i < N; i++) assert.ok(all.includes(`n${i}`), `n${i} in ${all.join(",")}`);
  for (let i = 1; i < running.length; i++) {
    for (const id of running[i - 1]!) assert.ok(running[i]!.includes(id), `write ${i + 1} keeps ${id}`);
  }
  // One map per load of the status from the store (the launch's, and one after each failed save re-read it).
  assert.ok(store.maps.size <= 1 + store.fail.size, `${store.maps.size} node maps for ${store.calls} writes`);
});

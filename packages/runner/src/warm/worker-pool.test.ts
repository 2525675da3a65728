// The pool's batching: several invocations per message to a worker and several results per message back, in order,
// each settled with its own result; a crash or an abort with a batch in flight fails only its own invocation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { FIXTURE_TASKS_FILE, fixtureTasks as fixtures, index as t } from "@aloft/sdk/testing";
import type { ExecuteArgs } from "@aloft/sdk";
import { WorkerPool, type WorkerPoolOptions } from "./worker-pool.ts";

/** A sandbox directory and the args of one invocation of a fixture task there (inputs.pb written). */
function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), "aloft-worker-pool-"));
  const args = (name: string, task: keyof typeof fixtures, inputs: Record<string, unknown> = {}): ExecuteArgs => {
    const types = (fixtures[task] as { inputs: t.TypeMap }).inputs;
    writeFileSync(join(dir, `${name}.pb`), toBinary(LiteralMapSchema, t.toLiteralMap(types, inputs as never)));
    return {
      inputs: join(dir, `${name}.pb`),
      outputPrefix: join(dir, name),
      rawOutputPrefix: join(dir, "raw", name),
      checkpointPath: join(dir, "raw", name, "_flytecheckpoints"),
      prevCheckpoint: "",
      module: FIXTURE_TASKS_FILE,
      task,
    };
  };
  const sum = (name: string) =>
    t.fromLiteralMap(fixtures.add.outputs, fromBinary(LiteralMapSchema, readFileSync(join(dir, name, "outputs.pb"))))
      .sum;
  return { args, sum, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A pool of one worker over a fresh sandbox, both removed after `body`. */
async function withPool(
  options: WorkerPoolOptions,
  body: (pool: WorkerPool, sb: ReturnType<typeof sandbox>) => Promise<void>,
): Promise<void> {
  const sb = sandbox();
  const pool = new WorkerPool({ size: 1, ...options });
  try {
    await body(pool, sb);
  } finally {
    await pool.close();
    sb.cleanup();
  }
}

/** Batches as large as the pipeline from the first invocation on. */
const BATCHES = { pipeline: 8, aheadMs: Number.POSITIVE_INFINITY };

test("a worker sent many invocations at once runs them in order and settles each with its own result", () =>
  withPool(BATCHES, async (pool, sb) => {
    const order: number[] = [];
    const runs = Array.from({ length: 20 }, (_, i) =>
      pool.run(`k${i}`, sb.args(`a${i}`, "add", { a: i, b: 100 }), {}).then((r) => {
        order.push(i);
        return r;
      }),
    );
    assert.equal(pool.placeInLine("k8"), 1, "beyond the pipeline, invocations wait in line");
    assert.equal(pool.placeInLine("k7"), undefined, "the first eight went to the worker");
    const results = await Promise.all(runs);
    for (let i = 0; i < 20; i++) {
      assert.equal(results[i]!.outcome, "success");
      assert.deepEqual(Object.keys(results[i]!.outputFiles ?? {}), ["outputs.pb"]);
      assert.equal(sb.sum(`a${i}`), i + 100, `invocation ${i} wrote its own sum`);
    }
    assert.deepEqual(
      order,
      Array.from({ length: 20 }, (_, i) => i),
      "settled in the order sent",
    );
    assert.equal(pool.pids.length, 1);
  }));

test("a worker that crashes with a batch in flight fails only the invocation that crashed it", () =>
  withPool(BATCHES, async (pool, sb) => {
    const names = ["a0", "a1", "a2", "crash", "a4", "a5"];
    const runs = names.map((n, i) =>
      pool.run(n, n === "crash" ? sb.args(n, "crash") : sb.args(n, "add", { a: i, b: 1 }), {}),
    );
    const settled = await Promise.allSettled(runs);
    for (const [i, n] of names.entries()) {
      const s = settled[i]!;
      if (n === "crash") {
        assert.equal(s.status, "rejected");
        assert.match(String((s as PromiseRejectedResult).reason), /warm worker \d+ exited \(7\) while running crash/);
      } else {
        assert.equal(s.status, "fulfilled", `${n}: ${String((s as PromiseRejectedResult).reason)}`);
        assert.equal(sb.sum(n), i + 1);
      }
    }
    // Still serving, on a new worker.
    assert.equal((await pool.run("after", sb.args("after", "add", { a: 1, b: 2 }), {})).outcome, "success");
    assert.equal(sb.sum("after"), 3);
  }));

test("aborting an invocation queued in a worker behind others fails it alone; the others run", () =>
  withPool(BATCHES, async (pool, sb) => {
    const slow = pool.run("slow", sb.args("slow", "sleepy", { ms: 60_000 }), {});
    const victim = pool.run("victim", sb.args("victim", "add", { a: 1, b: 1 }), {});
    const other = pool.run("other", sb.args("other", "add", { a: 2, b: 2 }), {});
    assert.equal(pool.placeInLine("victim"), undefined, "sent to the worker with the slow one");
    // Not sent yet (the batch goes at the end of this turn): dequeued without touching the worker.
    pool.abort("victim");
    await assert.rejects(victim, /aborted/);
    const before = pool.pids;
    // Sent, behind the running one: the worker is killed, and what it held goes back in line.
    await new Promise((r) => setImmediate(r));
    pool.abort("slow");
    await assert.rejects(slow, /exited \(SIGKILL\) while running sleepy/);
    assert.equal((await other).outcome, "success");
    assert.equal(sb.sum("other"), 4);
    assert.notDeepEqual(pool.pids, before, "a new worker ran it");
  }));

test("aborting the only invocation assigned to a worker before it was sent frees its place for the next in line", () =>
  withPool({}, async (pool, sb) => {
    const first = pool.run("first", sb.args("first", "sleepy", { ms: 60_000 }), {});
    const next = pool.run("next", sb.args("next", "add", { a: 2, b: 3 }), {});
    assert.equal(pool.placeInLine("next"), 1, "one worker, one invocation at a time: next waits");
    // Still in the worker's outbox (sent at the end of this turn): dequeued, and next takes its place.
    pool.abort("first");
    await assert.rejects(first, /aborted/);
    assert.equal(pool.placeInLine("next"), undefined);
    assert.equal((await next).outcome, "success");
    assert.equal(sb.sum("next"), 5);
  }));

test("until a run time is known a worker is sent one invocation at a time, then as many as the pipeline", () =>
  withPool({ pipeline: 4, aheadMs: 10_000 }, async (pool, sb) => {
    const first = pool.run("f0", sb.args("f0", "add", { a: 0, b: 0 }), {});
    const second = pool.run("f1", sb.args("f1", "add", { a: 0, b: 0 }), {});
    assert.equal(pool.placeInLine("f1"), 1, "one at a time before any run time is known");
    await first;
    // f0's result sent f1 to the worker; a run time is known, far under aheadMs: the worker may hold 4.
    assert.equal(pool.placeInLine("f1"), undefined);
    const runs = Array.from({ length: 5 }, (_, i) => pool.run(`g${i}`, sb.args(`g${i}`, "add", { a: i, b: 0 }), {}));
    assert.deepEqual(
      runs.map((_, i) => pool.placeInLine(`g${i}`)),
      [undefined, undefined, undefined, 1, 2],
    );
    await Promise.all([second, ...runs]);
    assert.equal(sb.sum("g4"), 4);
  }));

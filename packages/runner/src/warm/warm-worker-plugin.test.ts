import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { getMessage } from "@aloft/core";
import type { TaskExecutionContext } from "@aloft/engine";
import { drive, isTerminal, sandbox } from "@aloft/engine/testing";
import { index as t } from "@aloft/sdk/testing";
import { FIXTURE_TASKS_FILE, fixtureTasks as fixtures } from "@aloft/sdk/testing";
import { serializeModule } from "@aloft/sdk";
import { WARM_TASK_TYPE } from "@aloft/sdk";
import { WarmWorkerPlugin } from "./warm-worker-plugin.ts";
import { runLocal } from "../local/run-local.ts";

const MODULE = FIXTURE_TASKS_FILE;
const ser = serializeModule(fixtures, { project: "proj", domain: "dev", version: "v1", module: MODULE });
const template = (name: string) => ser.tasks.find((x) => x.id?.name === name)!;

test("warm tasks serialize with task type aloft-ts", () => {
  assert.equal(template("whoami").type, WARM_TASK_TYPE);
  assert.equal(template("add").type, "container");
});

test("one worker runs many invocations: same process, module loaded once, attempt numbers passed through", async () => {
  const sb = await sandbox();
  const plugin = new WarmWorkerPlugin({ size: 1 });
  try {
    const seen: { pid: number; loads: number; attempt: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const ctx = await sb.context({ nodeId: `n${i}`, attempt: i % 2, template: template("whoami"), inputs: {} });
      let woken = 0;
      const r = await drive(plugin, { ...ctx, wake: () => woken++ }, isTerminal);
      assert.equal(r.status.phase, "Success", JSON.stringify(r.status));
      assert.deepEqual(r.phases, ["Running", "Success"]);
      assert.equal(woken, 1, "the settled job woke its execution once");
      const outKey = sb.store.keyOf(`${ctx.outputPrefix}/outputs.pb`);
      // What the worker wrote is reported with Success: the engine need not probe the store for it.
      assert.deepEqual(r.status.outputFiles, { "outputs.pb": (await sb.store.head(outKey))!.size });
      const out = await getMessage(sb.store, outKey, LiteralMapSchema);
      seen.push(t.fromLiteralMap(fixtures.whoami.outputs, out));
    }
    assert.equal(new Set(seen.map((s) => s.pid)).size, 1, "one worker process");
    assert.notEqual(seen[0]!.pid, process.pid);
    assert.deepEqual(
      seen.map((s) => s.loads),
      [1, 1, 1, 1, 1],
    );
    assert.deepEqual(
      seen.map((s) => s.attempt),
      [0, 1, 0, 1, 0],
    );
  } finally {
    await plugin.close();
    await sb.cleanup();
  }
});

test("a user error is written to error.pb and the attempt still ends Success (the engine reads error.pb)", async () => {
  const sb = await sandbox();
  const plugin = new WarmWorkerPlugin({ size: 1, taskTypes: ["container", WARM_TASK_TYPE] });
  try {
    const ctx = await sb.context({ template: template("boom"), inputs: {} });
    const r = await drive(plugin, ctx, isTerminal);
    assert.equal(r.status.phase, "Success");
    const errHead = await sb.store.head(sb.store.keyOf(`${ctx.outputPrefix}/error.pb`));
    assert.ok(errHead);
    assert.deepEqual(r.status.outputFiles, { "error.pb": errHead.size }, "error.pb, and no outputs.pb");
  } finally {
    await plugin.close();
    await sb.cleanup();
  }
});

test("abort kills the worker running the attempt (Aborted), and the pool starts a new worker for the next task", async () => {
  const sb = await sandbox();
  const plugin = new WarmWorkerPlugin({ size: 1 });
  try {
    const slow = await sb.context({
      nodeId: "slow",
      template: template("sleepy"),
      inputs: t.toLiteralMap(fixtures.sleepy.inputs, { ms: 60_000 }),
    });
    const first = await plugin.handle(slow, undefined);
    assert.equal(first.status.phase, "Running");
    await plugin.abort(slow, first.state, "user asked");
    const r = await drive(plugin, slow, isTerminal, first.state);
    assert.equal(r.status.phase, "Aborted");
    const next = await sb.context({ nodeId: "after", template: template("whoami"), inputs: {} });
    assert.equal((await drive(plugin, next, isTerminal)).status.phase, "Success");
  } finally {
    await plugin.close();
    await sb.cleanup();
  }
});

test("start() starts every worker before any task, and a worker it started runs the first one", async () => {
  const sb = await sandbox();
  const plugin = new WarmWorkerPlugin({ size: 2 });
  try {
    assert.equal(plugin.pool.live, 0);
    await plugin.pool.start();
    assert.equal(plugin.pool.live, 2);
    const started = plugin.pool.pids;
    assert.equal(started.length, 2);
    const ctx = await sb.context({ template: template("whoami"), inputs: {} });
    assert.equal((await drive(plugin, ctx, isTerminal)).status.phase, "Success");
    const out = await getMessage(sb.store, sb.store.keyOf(`${ctx.outputPrefix}/outputs.pb`), LiteralMapSchema);
    assert.ok(started.includes(t.fromLiteralMap(fixtures.whoami.outputs, out).pid));
    assert.deepEqual(plugin.pool.pids, started, "no worker was added");
  } finally {
    await plugin.close();
    await sb.cleanup();
  }
});

test("after an engine restart, an attempt whose outputs exist is Success without running again", async () => {
  const sb = await sandbox();
  const a = new WarmWorkerPlugin({ size: 1 });
  const b = new WarmWorkerPlugin({ size: 1 });
  try {
    const ctx = await sb.context({ template: template("whoami"), inputs: {} });
    const r = await drive(a, ctx, isTerminal);
    await a.close();
    const again = await b.handle(ctx, r.state);
    assert.equal(again.status.phase, "Success");
    assert.equal(again.status.outputFiles, undefined, "judged from the files: the engine reads them itself");
    assert.equal(b.pool.live, 0, "no worker was started");
  } finally {
    await b.close();
    await sb.cleanup();
  }
});

test("registered with the engine: a workflow's warm tasks run in the pool (runLocal over a local blob store)", async () => {
  const sb = await sandbox();
  const plugin = new WarmWorkerPlugin({ size: 1 });
  try {
    const out = await runLocal(
      fixtures.whoami,
      {},
      { blobs: sb.store, module: MODULE, exports: fixtures, plugins: () => [plugin] },
    );
    assert.notEqual(out.pid, process.pid);
    assert.equal(out.loads, 1);
  } finally {
    await plugin.close();
    await sb.cleanup();
  }
});

/** A one-worker plugin with a log directory, a `sleepy` attempt of `ms`, and the attempt's log path (no extension). */
async function withLogs(
  ms: number,
  body: (plugin: WarmWorkerPlugin, ctx: TaskExecutionContext, logDir: string, path: string) => Promise<void>,
): Promise<void> {
  const sb = await sandbox();
  const logDir = mkdtempSync(join(tmpdir(), "aloft-warm-logs-"));
  const plugin = new WarmWorkerPlugin({ size: 1, logDir, logUrl: (p) => `http://admin/logs/${p}` });
  try {
    const ctx = await sb.context({
      nodeId: "talk",
      template: template("sleepy"),
      inputs: t.toLiteralMap(fixtures.sleepy.inputs, { ms }),
    });
    const exec = ctx.id.nodeExecutionId?.executionId;
    await body(plugin, ctx, logDir, `${exec?.project}/${exec?.domain}/${ctx.generatedName}`);
  } finally {
    await plugin.close();
    await sb.cleanup();
    rmSync(logDir, { recursive: true, force: true });
  }
}

test("what a warm task prints is its own log, linked from its status once there is something in it", () =>
  withLogs(1, async (plugin, ctx, logDir, path) => {
    const r = await drive(plugin, ctx, isTerminal);
    assert.equal(r.status.phase, "Success", JSON.stringify(r.status));
    assert.deepEqual(
      r.status.logs?.map((l) => [l.name, l.uri]),
      [["Local process logs", `http://admin/logs/${path}`]],
    );
    assert.equal(readFileSync(join(logDir, `${path}.log`), "utf8"), "sleeping 1 ms\n(a line on stderr)\n");
  }));

test("once an attempt's log has something in it, later visits link it without looking at the file again", () =>
  withLogs(60_000, async (plugin, ctx, logDir, path) => {
    let r = await plugin.handle(ctx, undefined);
    while (!r.status.logs?.length) {
      assert.equal(r.status.phase, "Running", JSON.stringify(r.status));
      await new Promise((resolve) => setTimeout(resolve, 10));
      r = await plugin.handle(ctx, r.state);
    }
    assert.equal(r.status.version, 1);
    // Gone from disk, the log is not looked for again: the link stands (a stat per visit would have dropped it).
    rmSync(join(logDir, `${path}.log`));
    const again = await plugin.handle(ctx, r.state);
    assert.equal(again.status.phase, "Running");
    assert.equal(again.status.version, 1);
    assert.deepEqual(
      again.status.logs?.map((l) => l.uri),
      [`http://admin/logs/${path}`],
    );
    await plugin.abort(ctx, again.state, "done");
    const end = await drive(plugin, ctx, isTerminal, again.state);
    assert.equal(end.status.phase, "Aborted");
    assert.equal(end.status.logs?.length, 1);
    await plugin.finalize(ctx);
  }));

test("an attempt waiting for a free warm worker is WaitingForResources with its place in line, then runs", async () => {
  const sb = await sandbox();
  const plugin = new WarmWorkerPlugin({ size: 1 });
  try {
    const sleep = (nodeId: string, ms: number) =>
      sb.context({ nodeId, template: template("sleepy"), inputs: t.toLiteralMap(fixtures.sleepy.inputs, { ms }) });
    const busy = await sleep("busy", 60_000);
    const first = await plugin.handle(busy, undefined);
    assert.equal(first.status.phase, "Running");
    const queued = await sleep("queued", 1);
    const waiting = await plugin.handle(queued, undefined);
    assert.equal(waiting.status.phase, "WaitingForResources");
    assert.equal(waiting.status.reason, "waiting for a free warm worker (1 of 1 busy; number 1 in line)");
    await plugin.abort(busy, first.state, "make room");
    const r = await drive(plugin, queued, isTerminal, waiting.state);
    assert.equal(r.status.phase, "Success", JSON.stringify(r.status));
  } finally {
    await plugin.close();
    await sb.cleanup();
  }
});

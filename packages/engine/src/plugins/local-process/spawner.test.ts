// The task spawner (spawner.ts): processes started through it, exit codes, abort of the group, the spawner dying
// (watched processes handed back, a new spawner forked for the next start, a request lost in flight) and an engine
// restart adopting what the previous engine's spawner started.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { containerTask, drive, isTerminal, type Sandbox, sandbox, until } from "./testing.ts";
import { groupExists } from "./process-control.ts";
import { Spawner, SpawnerLostError, SpawnerUnavailableError } from "./spawner.ts";

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Keeps the test process's event loop alive: the spawner's channel is unref'd while nothing is in flight. */
function keepAlive(t: { after: (fn: () => void) => void }): void {
  const timer = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(timer));
}

/** A sandbox and a spawner for one test, both gone when it ends. */
async function withSpawner(
  t: { after: (fn: () => void | Promise<void>) => void },
  opts?: ConstructorParameters<typeof Spawner>[0],
): Promise<{ sb: Sandbox; spawner: Spawner }> {
  keepAlive(t);
  const sb = await sandbox();
  const spawner = new Spawner(opts);
  t.after(async () => {
    spawner.close();
    await sb.cleanup();
  });
  return { sb, spawner };
}

test("processes start through the spawner (its children, not the engine's); exit codes and output as before", async (t) => {
  const { sb, spawner } = await withSpawner(t);
  const plugin = sb.plugin({ spawner });
  const ok = await sb.context({ nodeId: "ok", template: containerTask(["sh", "-c", "echo hello; exit 0"]) });
  const first = await plugin.handle(ok, undefined);
  const pid = first.state["pid"] as number;
  assert.equal(first.status.phase, "Running");
  assert.ok(spawner.pid !== undefined && spawner.pid !== process.pid);
  // The wrapper is the spawner's child while it runs, or already gone; never this process's.
  const parent = parentOf(pid);
  assert.ok(parent === undefined || parent === spawner.pid, `parent of the wrapper: ${parent}`);
  // The spawner filled the reserved record in place: same size, the identity in it, no longer "starting".
  const record = await readFile(join(sb.logDir, "exec1-ok-0.pid"), "utf8");
  assert.equal(Buffer.byteLength(record), 512);
  assert.deepEqual(JSON.parse(record), {
    pid,
    startTicks: first.state["startTicks"],
    startedAt: first.state["startedAt"],
    restarts: 0,
  });
  assert.equal(first.state["recorded"], undefined);
  const done = await drive(plugin, ok, isTerminal, first.state);
  assert.equal(done.status.phase, "Success");
  assert.equal(await readFile(join(sb.logDir, "exec1-ok-0.log"), "utf8"), "hello\n");
  // The wrapper wrote its status into the slot; the spawner renamed it before it reported the exit.
  assert.match(await readFile(join(sb.logDir, "exec1-ok-0.exit"), "utf8"), /^0\n *$/); // the slot's padding stays
  assert.equal(existsSync(join(sb.logDir, "exec1-ok-0.exit.slot")), false);

  const bad = await sb.context({ nodeId: "bad", template: containerTask(["sh", "-c", "echo oops >&2; exit 3"]) });
  const failed = await drive(plugin, bad, isTerminal);
  assert.equal(failed.status.phase, "RetryableFailure");
  assert.match(failed.status.error?.message ?? "", /exit code \(3\)[\s\S]*oops/);

  const missing = await sb.context({ nodeId: "missing", template: containerTask(["no-such-command-xyz"]) });
  assert.equal((await drive(plugin, missing, isTerminal)).status.phase, "PermanentFailure");
});

test("the exit of a process started through the spawner wakes its execution", async (t) => {
  const { sb, spawner } = await withSpawner(t);
  let woken = 0;
  const ctx = { ...(await sb.context({ template: containerTask(["true"]) })), wake: () => woken++ };
  const plugin = sb.plugin({ spawner });
  const started = await plugin.handle(ctx, undefined);
  await until(() => woken > 0, "wake on exit");
  // Woken: the next round sees the end without waiting for a poll.
  const next = await plugin.handle(ctx, started.state);
  assert.equal(next.status.phase, "Success");
});

test("abort through the spawner: SIGTERM then SIGKILL reach the whole group", async (t) => {
  const { sb, spawner } = await withSpawner(t);
  const ctx = await sb.context({ template: containerTask(["sh", "-c", 'trap "" TERM; sleep 60 & wait']) });
  const plugin = sb.plugin({ spawner, killGraceMs: 200, abortWaitMs: 50 });
  const run = await drive(plugin, ctx, (s) => s.phase === "Running");
  const pid = run.state["pid"] as number;
  assert.ok(groupExists(pid));
  await plugin.abort(ctx, run.state, "user asked");
  await until(() => !groupExists(pid), "group gone after SIGKILL");
  const end = await drive(plugin, ctx, isTerminal, run.state);
  assert.equal(end.status.phase, "Aborted");
});

test("the spawner dies: its running tasks are checked on their records, and the next start forks a new spawner", async (t) => {
  const { sb, spawner } = await withSpawner(t);
  let woken = 0;
  const plugin = sb.plugin({ spawner });
  const slow = {
    ...(await sb.context({ nodeId: "slow", template: containerTask(["sleep", "1"]) })),
    wake: () => woken++,
  };
  const run = await drive(plugin, slow, (s) => s.phase === "Running");
  const taskPid = run.state["pid"] as number;
  const first = spawner.pid!;
  process.kill(first, "SIGKILL");
  await until(() => woken > 0, "running task handed back when its spawner died");
  assert.ok(running(taskPid), "the task outlives its spawner");
  // Still running (from its records), then finished (from its exit record: no exit event can come any more).
  assert.equal((await plugin.handle(slow, run.state)).status.phase, "Running");
  assert.equal((await drive(plugin, slow, isTerminal, run.state)).status.phase, "Success");

  const next = await sb.context({ nodeId: "next", template: containerTask(["true"]) });
  assert.equal((await drive(plugin, next, isTerminal)).status.phase, "Success");
  assert.ok(spawner.pid !== undefined && spawner.pid !== first, "a new spawner was forked");
});

test("a start lost with its spawner is resolved on the next round: started once, then run to the end", async (t) => {
  const { sb, spawner } = await withSpawner(t);
  const plugin = sb.plugin({ spawner });
  const warm = await sb.context({ nodeId: "warm", template: containerTask(["true"]) });
  await drive(plugin, warm, isTerminal);
  // A stopped spawner never answers; killed, the request in flight is lost.
  const stopped = spawner.pid!;
  process.kill(stopped, "SIGSTOP");
  const ctx = await sb.context({
    nodeId: "lost",
    template: containerTask(["sh", "-c", `echo ran >> ${join(sb.root, "runs.txt")}`]),
  });
  const pending = plugin.handle(ctx, undefined);
  // The spawner lays out the reservation itself, so the stopped one never writes it; whether the request reached it
  // before the kill or not, nothing was started and the next round starts the task (a reserved record lost with its
  // spawner is the engine crash of process-records.test.ts).
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(existsSync(join(sb.logDir, "exec1-lost-0.pid")), false, "not reserved by a stopped spawner");
  process.kill(stopped, "SIGKILL");
  const first = await pending;
  assert.equal(first.status.phase, "Queued");
  assert.equal(first.state["pid"], undefined, "no process known: the next round looks at the record");
  const done = await drive(plugin, ctx, isTerminal, first.state);
  assert.equal(done.status.phase, "Success");
  assert.equal(await readFile(join(sb.root, "runs.txt"), "utf8"), "ran\n", "run exactly once");
});

test("an engine restart adopts what the previous engine's spawner started, after that spawner ended", async (t) => {
  keepAlive(t);
  const sb = await sandbox();
  const before = new Spawner();
  const after = new Spawner();
  t.after(async () => {
    before.close();
    after.close();
    await sb.cleanup();
  });
  const ctx = await sb.context({ template: containerTask(["sh", "-c", "sleep 0.5; exit 4"]) });
  const run = await drive(sb.plugin({ spawner: before }), ctx, (s) => s.phase === "Running");
  const pid = run.state["pid"] as number;
  const old = before.pid!;
  before.close(); // the engine is gone: its spawner ends with it
  await until(() => !running(old) || parentOf(old) !== process.pid, "old spawner ended");
  assert.ok(running(pid), "the task outlives the engine's spawner");
  const restarted = sb.plugin({ spawner: after });
  assert.equal((await restarted.handle(ctx, run.state)).status.phase, "Running");
  const end = await drive(restarted, ctx, isTerminal, run.state);
  assert.equal(end.status.phase, "RetryableFailure");
  assert.match(end.status.reason ?? "", /exit(ed)? with code 4/);
  // No spawner was there to rename the slot when the wrapper exited: the restarted engine did when it read it.
  const exitPath = join(sb.logDir, `${ctx.generatedName}.exit`);
  assert.match(await readFile(exitPath, "utf8"), /^4\n *$/);
  assert.equal(existsSync(`${exitPath}.slot`), false);
});

test("a spawner that cannot come up: after a few tries the engine starts the processes itself", async (t) => {
  const { sb, spawner } = await withSpawner(t, { execPath: "/bin/false" });
  const plugin = sb.plugin({ spawner });
  const ctx = await sb.context({ template: containerTask(["sh", "-c", "echo fine"]) });
  const done = await drive(plugin, ctx, isTerminal);
  assert.equal(done.status.phase, "Success");
  // The starts lost with the spawners that died are logged as restarts of the attempt; the command ran once.
  assert.match(
    await readFile(join(sb.logDir, "exec1-n0-0.log"), "utf8"),
    /^(\[aloft\] [^\n]*restarting[^\n]*\n)*fine\n$/,
  );
  await assert.rejects(
    spawner.spawn({ file: "true", args: [], env: {}, cwd: "/", logPath: "/dev/null" }),
    SpawnerUnavailableError,
  );
});

test("a closed spawner refuses requests as lost", async () => {
  const spawner = new Spawner();
  spawner.close();
  await assert.rejects(
    spawner.spawn({ file: "true", args: [], env: {}, cwd: "/", logPath: "/dev/null" }),
    SpawnerLostError,
  );
});

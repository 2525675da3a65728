// Abort, engine restarts and the concurrency limit, with real process groups.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readFile as readFileP, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ExecutionError_ErrorKind } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { containerTask, drive, isTerminal, sandbox, until } from "./testing.ts";
import { groupExists } from "./process-control.ts";

/** Alive and not a zombie (a container's PID 1 may never reap orphans). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const n = Number.parseInt(await readFileP(path, "utf8"), 10);
    return Number.isNaN(n) ? undefined : n;
  } catch {
    return undefined;
  }
}

test("abort kills the whole group, grandchildren too; SIGKILL follows when SIGTERM is ignored; idempotent", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const grandchild = join(sb.root, "grandchild.pid");
  // The wrapper runs sh, which runs a background sleep (the grandchild) and ignores SIGTERM, as do its children.
  const ctx = await sb.context({
    template: containerTask(["sh", "-c", `trap "" TERM; sleep 60 & echo $! > ${grandchild}; wait`]),
  });
  const plugin = sb.plugin({ killGraceMs: 200, abortWaitMs: 50 });
  const running = await drive(plugin, ctx, (s) => s.phase === "Running");
  await until(async () => (await readPid(grandchild)) !== undefined, "grandchild started");
  const gpid = (await readPid(grandchild))!;
  const leader = running.state["pid"] as number;
  assert.ok(alive(gpid) && alive(leader));

  await plugin.abort(ctx, running.state, "user asked");
  await plugin.abort(ctx, running.state, "user asked again"); // repeat: no error
  await until(() => !alive(gpid) && !alive(leader), "the group is gone after SIGKILL");
  await plugin.abort(ctx, running.state, "once more after it is gone");
  const after = await sb.plugin().handle(ctx, running.state);
  assert.equal(after.status.phase, "Aborted", "an aborted process is not restarted as a vanished one");
  await plugin.finalize(ctx, running.state);
  await plugin.finalize(ctx, running.state);
  assert.match(await readFileP(join(sb.logDir, `${ctx.generatedName}.log`), "utf8"), /\[aloft\] aborting: user asked/);
});

test("a plain SIGTERM abort ends a cooperative group quickly", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const ctx = await sb.context({ template: containerTask(["sleep", "60"]) });
  const plugin = sb.plugin();
  const running = await drive(plugin, ctx, (s) => s.phase === "Running");
  await plugin.abort(ctx, running.state, "stop");
  await until(() => !alive(running.state["pid"] as number), "sleep terminated");
  assert.equal(plugin.runningCount, 0);
});

test("restart: a new plugin instance finds a finished process's status and a running one still running", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const first = sb.plugin();
  const quick = await sb.context({ nodeId: "quick", template: containerTask(["sh", "-c", "echo out; exit 4"]) });
  const slow = await sb.context({ nodeId: "slow", template: containerTask(["sleep", "60"]) });
  const q = await first.handle(quick, undefined);
  const s = await first.handle(slow, undefined);
  assert.equal(q.status.phase, "Running");
  // The first engine "dies" here; the quick task ends while no engine watches.
  await until(
    async () => (await readPid(join(sb.logDir, `${quick.generatedName}.exit`))) !== undefined,
    "exit recorded",
  );

  const second = sb.plugin();
  const qr = await second.handle(quick, q.state);
  assert.equal(qr.status.phase, "RetryableFailure");
  assert.match(qr.status.error?.message ?? "", /exit code \(4\)/);
  const sr = await second.handle(slow, s.state);
  assert.equal(sr.status.phase, "Running");
  assert.equal(sr.state["pid"], s.state["pid"], "the same process, not a new one");

  // An engine that died before saving the state at all adopts the process from its pid record.
  const third = sb.plugin();
  const adopted = await third.handle(slow, undefined);
  assert.equal(adopted.status.phase, "Running");
  assert.equal(adopted.state["pid"], s.state["pid"]);
  await third.abort(slow, adopted.state, "test over");
  await until(() => !alive(s.state["pid"] as number), "slow task stopped");
});

test("restart: a vanished process without an exit record is started again for the same attempt", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const gate = join(sb.root, "gate");
  const ctx = await sb.context({
    template: containerTask(["sh", "-c", `echo run; while [ ! -f ${gate} ]; do sleep 0.02; done`]),
  });
  const first = sb.plugin();
  const started = await drive(first, ctx, (s) => s.phase === "Running");
  const oldPid = started.state["pid"] as number;
  // Running means the process exists, not that it has printed yet: wait for its first line before killing it.
  const logPath = join(sb.logDir, `${ctx.generatedName}.log`);
  await until(async () => (await readFileP(logPath, "utf8").catch(() => "")).includes("run\n"), "first run logged");
  process.kill(-oldPid, "SIGKILL"); // the wrapper dies too: no exit record
  // The whole group gone: on a loaded machine the wrapper's `sleep` outlives it for a moment, and until then the
  // attempt is still running (the next plugin would adopt it, not start it again).
  await until(() => !alive(oldPid) && !groupExists(oldPid), "killed");

  const second = sb.plugin();
  const again = await second.handle(ctx, started.state);
  assert.equal(again.status.phase, "Running");
  assert.notEqual(again.state["pid"], oldPid);
  assert.equal(again.state["restarts"], 1);
  await writeFile(gate, "");
  const done = await drive(second, ctx, isTerminal, again.state);
  assert.equal(done.status.phase, "Success");
  const log = await readFileP(logPath, "utf8");
  assert.match(log, /run\n\[aloft\] the previous process vanished without an exit status; restarting \(1\)\nrun\n/);
});

test("maxConcurrent: processes beyond the limit wait for resources until a slot frees", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const gate = join(sb.root, "gate");
  const plugin = sb.plugin({ maxConcurrent: 1 });
  const a = await sb.context({
    nodeId: "a",
    template: containerTask(["sh", "-c", `while [ ! -f ${gate} ]; do sleep 0.02; done`]),
  });
  const b = await sb.context({ nodeId: "b", template: containerTask(["true"]) });
  const ra = await plugin.handle(a, undefined);
  assert.equal(ra.status.phase, "Running");
  const rb = await plugin.handle(b, undefined);
  assert.equal(rb.status.phase, "WaitingForResources");
  const rb2 = await plugin.handle(b, rb.state);
  assert.equal(rb2.status.phase, "WaitingForResources", "still waiting while a runs");
  await writeFile(gate, "");
  await drive(plugin, a, isTerminal, ra.state);
  const doneB = await drive(plugin, b, isTerminal, rb2.state);
  assert.equal(doneB.phases[0], "Running", "started once a slot was free");
  assert.equal(doneB.status.phase, "Success");
});

test("finalize ends what a finished command left running in its group (as the end of a pod would)", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const bg = join(sb.root, "bg.pid");
  const ctx = await sb.context({
    template: containerTask(["sh", "-c", `sleep 60 > /dev/null 2>&1 & echo $! > ${bg}`]),
  });
  const plugin = sb.plugin();
  const done = await drive(plugin, ctx, isTerminal);
  assert.equal(done.status.phase, "Success");
  const pid = (await readPid(bg))!;
  assert.ok(alive(pid), "the background process outlived the command");
  await plugin.abort(ctx, done.state, "too late"); // a finished attempt is left alone by abort
  assert.ok(alive(pid));
  await plugin.finalize(ctx, done.state);
  await until(() => !alive(pid), "leftover killed by finalize");
});

test("a process that keeps vanishing fails the attempt as a SYSTEM error once the restarts are spent", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const ctx = await sb.context({ template: containerTask(["sleep", "60"]) });
  const plugin = sb.plugin({ maxRestarts: 0 });
  const running = await drive(plugin, ctx, (s) => s.phase === "Running");
  const pid = running.state["pid"] as number;
  process.kill(-pid, "SIGKILL");
  // The whole group gone (on a loaded machine `sleep` outlives its killed wrapper for a moment; until then it runs).
  await until(() => !alive(pid) && !groupExists(pid), "killed");
  // The plugin counts the attempt running until the spawner has reported the exit (its own message, which a loaded
  // machine may deliver after the group is gone): it is looked at again until then, as the engine's rounds would.
  const r = await drive(plugin, ctx, (s) => s.phase !== "Running", running.state);
  assert.equal(r.status.phase, "RetryableFailure");
  assert.equal(r.status.error?.code, "ProcessVanished");
  assert.equal(r.status.error?.kind, ExecutionError_ErrorKind.SYSTEM);
  assert.equal(plugin.runningCount, 0);
});

// The task spawner (spawner.ts): processes started through it, exit codes, abort of the group, the spawner dying
// (watched processes handed back, a new spawner forked for the next start, a request lost in flight) and an engine
// restart adopting what the previous engine's spawner started.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { containerTask, drive, isTerminal, type Sandbox, sandbox, until } from "./testing.ts";
import { groupExists, reservation, spawnDetached } from "./process-control.ts";
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

/**
 * A running `sleep 1` when `kill` ends its spawner (or the spawner's helper): handed back to the engine, still running
 * then finished as its records say (no exit event can come any more), and the next start on a new spawner.
 */
async function taskOutlivesSpawner(
  { sb, spawner }: { sb: Sandbox; spawner: Spawner },
  kill: (spawner: Spawner) => void,
  what: string,
): Promise<void> {
  let woken = 0;
  const plugin = sb.plugin({ spawner });
  const slow = {
    ...(await sb.context({ nodeId: "slow", template: containerTask(["sleep", "1"]) })),
    wake: () => woken++,
  };
  const run = await drive(plugin, slow, (s) => s.phase === "Running");
  const taskPid = run.state["pid"] as number;
  const first = spawner.pid!;
  kill(spawner);
  await until(() => woken > 0, `running task handed back when ${what} died`);
  assert.ok(running(taskPid), `the task outlives ${what}`);
  assert.equal((await plugin.handle(slow, run.state)).status.phase, "Running");
  assert.equal((await drive(plugin, slow, isTerminal, run.state)).status.phase, "Success");

  const next = await sb.context({ nodeId: "next", template: containerTask(["true"]) });
  assert.equal((await drive(plugin, next, isTerminal)).status.phase, "Success");
  assert.ok(spawner.pid !== undefined && spawner.pid !== first, "a new spawner was forked");
}

test("the spawner dies: its running tasks are checked on their records, and the next start forks a new spawner", async (t) => {
  await taskOutlivesSpawner(await withSpawner(t), (s) => process.kill(s.pid!, "SIGKILL"), "its spawner");
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

/** Starts `sh -c <script>` through `spawner` with a reservation laid out by it; resolves with the statuses reported. */
async function startReserved(
  spawner: Spawner,
  root: string,
  name: string,
  script: string,
  env: Record<string, string> = {},
): Promise<{ pid: number; recorded?: boolean; exits: Promise<(number | undefined)[]> }> {
  const logDir = join(root, "logs", "p", "d");
  const work = join(root, "work");
  const exitPath = join(logDir, `${name}.exit`);
  const recordPath = join(logDir, `${name}.pid`);
  let ended!: (s: (number | undefined)[]) => void;
  const exits = new Promise<(number | undefined)[]>((resolve) => (ended = resolve));
  const now = new Date();
  const rec = await spawnDetached(
    {
      argv: ["sh", "-c", script],
      env,
      cwd: root,
      logPath: join(logDir, `${name}.log`),
      exitPath,
      now,
      record: { path: recordPath, restarts: 0 },
      prepare: reservation(
        { shared: [logDir, work], fresh: [join(work, name), join(work, name, "tmp")] },
        exitPath,
        recordPath,
        { restarts: 0, startedAt: now.toISOString() },
      ),
      onExit: (exit) => ended([exit?.status]),
    },
    spawner,
  );
  return { pid: rec.pid, ...(rec.recorded === undefined ? {} : { recorded: rec.recorded }), exits };
}

test("an exit is reported with the status the wrapper recorded (the exit record's), none for a killed wrapper", async (t) => {
  const { sb, spawner } = await withSpawner(t);
  const three = await startReserved(spawner, sb.root, "three", "exit 3");
  assert.deepEqual(await three.exits, [3]);
  assert.match(await readFile(join(sb.root, "logs", "p", "d", "three.exit"), "utf8"), /^3\n *$/);
  const killed = await startReserved(spawner, sb.root, "killed", "sleep 5");
  process.kill(-killed.pid, "SIGKILL");
  assert.deepEqual(await killed.exits, [undefined]);
  assert.equal(existsSync(join(sb.root, "logs", "p", "d", "killed.exit")), false);
});

test("a process's environment is the one requested, sent as a difference from the engine's", async (t) => {
  const { sb, spawner } = await withSpawner(t);
  const dropped = "ALOFT_SPAWNER_TEST_DROPPED";
  process.env[dropped] = "base";
  t.after(() => delete process.env[dropped]);
  spawner.start(); // the base: this process's environment now
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env["ALOFT_ADDED"] = "added";
  env["PATH"] = `${env["PATH"] ?? ""}:/changed`;
  delete env[dropped];
  const started = await startReserved(spawner, sb.root, "env", "env", env);
  assert.deepEqual(await started.exits, [0]);
  const seen = new Map(
    (await readFile(join(sb.root, "logs", "p", "d", "env.log"), "utf8"))
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  assert.equal(seen.get("ALOFT_ADDED"), "added");
  assert.equal(seen.get("PATH"), env["PATH"]);
  assert.equal(seen.has(dropped), false, `${dropped} removed`);
});

test("the spawner's shared directories are made once, and again when they were removed meanwhile", async (t) => {
  const { sb, spawner } = await withSpawner(t);
  const first = await startReserved(spawner, sb.root, "a", "exit 0");
  assert.equal(first.recorded, true);
  assert.deepEqual(await first.exits, [0]);
  await rm(join(sb.root, "logs"), { recursive: true });
  await rm(join(sb.root, "work"), { recursive: true });
  const second = await startReserved(spawner, sb.root, "b", "exit 0");
  assert.equal(second.recorded, true);
  assert.deepEqual(await second.exits, [0]);
  const record = JSON.parse(await readFile(join(sb.root, "logs", "p", "d", "b.pid"), "utf8")) as { pid: number };
  assert.equal(record.pid, second.pid);
  assert.ok(existsSync(join(sb.root, "work", "b", "tmp")), "TMPDIR made");
  // This start's own directory may exist already (a raw container's data, a working directory).
  await mkdir(join(sb.root, "work", "c"), { recursive: true });
  const third = await startReserved(spawner, sb.root, "c", "exit 0");
  assert.deepEqual(await third.exits, [0]);
  assert.ok(existsSync(join(sb.root, "work", "c", "tmp")));
});

test("an attempt's empty work directory is removed by the spawner after the exit; one with content stays for finalize", async (t) => {
  const { sb, spawner } = await withSpawner(t);
  const plugin = sb.plugin({ spawner });
  const run = async (nodeId: string, script: string) => {
    const ctx = await sb.context({ nodeId, template: containerTask(["sh", "-c", script]) });
    let woke!: () => void;
    const exited = new Promise<void>((resolve) => (woke = resolve));
    ctx.wake = () => woke();
    const first = await plugin.handle(ctx, undefined);
    assert.equal(first.status.phase, "Running");
    await exited;
    const done = await plugin.handle(ctx, first.state);
    assert.equal(done.status.phase, "Success");
    return { ctx, done, dir: join(sb.workDir, ctx.generatedName) };
  };
  const empty = await run("empty", "exit 0");
  await until(() => !existsSync(empty.dir), "removed by the spawner once the process exited, before finalize");
  await plugin.finalize(empty.ctx, empty.done.state);
  const kept = await run("kept", 'echo x > "$TMPDIR/left"');
  assert.equal(readFileSync(join(kept.dir, "tmp", "left"), "utf8"), "x\n", "not empty: left for finalize");
  await plugin.finalize(kept.ctx, kept.done.state);
  assert.equal(existsSync(kept.dir), false, "removed with what it held by finalize");
});

test("an awaited clean-up keeps the event loop alive until the spawner answers it", async (t) => {
  // No keepAlive here: only until the exit is reported (the engine's poll or server would hold the loop then).
  const sb = await sandbox();
  const spawner = new Spawner();
  t.after(async () => {
    spawner.close();
    await sb.cleanup();
  });
  const timer = setInterval(() => undefined, 1000);
  const logDir = join(sb.root, "logs", "p", "d");
  const work = join(sb.root, "work");
  const now = new Date();
  const cleaned = await new Promise<Promise<boolean> | undefined>((resolve, reject) => {
    spawnDetached(
      {
        argv: ["sh", "-c", "exit 0"],
        env: {},
        cwd: sb.root,
        logPath: join(logDir, "c.log"),
        exitPath: join(logDir, "c.exit"),
        now,
        record: { path: join(logDir, "c.pid"), restarts: 0 },
        prepare: reservation(
          { shared: [logDir, work], fresh: [join(work, "c"), join(work, "c", "tmp")] },
          join(logDir, "c.exit"),
          join(logDir, "c.pid"),
          { restarts: 0, startedAt: now.toISOString() },
        ),
        cleanup: [join(work, "c", "tmp"), join(work, "c")],
        onExit: (exit) => {
          // From here only the spawner's answer can settle `cleaned`: with its channel unref'd the test process would
          // run out of work and end with the promise pending (node:test: "Promise resolution is still pending").
          clearInterval(timer);
          resolve(exit?.cleaned);
        },
      },
      spawner,
    ).catch(reject);
  });
  assert.ok(cleaned, "the exit says a clean-up is under way");
  assert.equal(await cleaned, true);
  assert.equal(existsSync(join(work, "c")), false);
});

test("the spawner runs with the node options it is given, and starts processes as without them", async (t) => {
  const { sb, spawner } = await withSpawner(t, { execArgv: ["--max-semi-space-size=1", "--single-threaded"] });
  const plugin = sb.plugin({ spawner });
  const ctx = await sb.context({ template: containerTask(["sh", "-c", "exit 0"]) });
  const started = await plugin.handle(ctx, undefined);
  const args = readFileSync(`/proc/${spawner.pid}/cmdline`, "utf8").split("\0");
  assert.deepEqual(args.slice(1, 4), ["--max-semi-space-size=1", "--single-threaded", "-e"]);
  assert.equal((await drive(plugin, ctx, isTerminal, started.state)).status.phase, "Success");
});

/** /proc/<pid>/stat's session id, undefined once the process is gone. */
function sessionOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
  } catch {
    return undefined;
  }
}

const PYTHON = "/usr/bin/python3";
const noPython = !existsSync(PYTHON) && "no /usr/bin/python3 here";

/** A spawner with a posix_spawn helper, once the helper starts its processes. */
async function withHelper(t: Parameters<typeof withSpawner>[0]): Promise<{ sb: Sandbox; spawner: Spawner }> {
  const made = await withSpawner(t, { posixSpawn: PYTHON });
  made.spawner.start();
  await until(() => made.spawner.helperPid !== undefined, "the posix_spawn helper is ready");
  return made;
}

test("through a posix_spawn helper: the helper's children, each leading its own session; status, output and records as before", {
  skip: noPython,
}, async (t) => {
  const { sb, spawner } = await withHelper(t);
  const plugin = sb.plugin({ spawner });
  const ctx = await sb.context({ template: containerTask(["sh", "-c", "echo hello; sleep 0.3; exit 3"]) });
  const first = await plugin.handle(ctx, undefined);
  const pid = first.state["pid"] as number;
  const parent = parentOf(pid);
  assert.ok(parent === undefined || parent === spawner.helperPid, `parent of the wrapper: ${parent}`);
  const session = sessionOf(pid);
  assert.ok(session === undefined || session === pid, `session of the wrapper: ${session}`);
  assert.ok(groupExists(pid) || sessionOf(pid) === undefined);
  assert.equal(first.state["recorded"], undefined); // the spawner filled the reserved record
  const record = JSON.parse(await readFile(join(sb.logDir, `${ctx.generatedName}.pid`), "utf8"));
  assert.equal(record.pid, pid);
  assert.equal(record.startTicks, first.state["startTicks"]);
  const done = await drive(plugin, ctx, isTerminal, first.state);
  assert.equal(done.status.phase, "RetryableFailure");
  assert.match(done.status.error?.message ?? "", /exit code \(3\)/);
  assert.equal(await readFile(join(sb.logDir, `${ctx.generatedName}.log`), "utf8"), "hello\n");
  assert.match(await readFile(join(sb.logDir, `${ctx.generatedName}.exit`), "utf8"), /^3\n *$/);
  const env = await sb.context({
    nodeId: "env",
    template: containerTask(["sh", "-c", 'test -d "$TMPDIR" && test "$PWD" != /']),
  });
  assert.equal((await drive(plugin, env, isTerminal)).status.phase, "Success");
});

test("through a posix_spawn helper: abort reaches the whole group", { skip: noPython }, async (t) => {
  const { sb, spawner } = await withHelper(t);
  const ctx = await sb.context({ template: containerTask(["sh", "-c", 'trap "" TERM; sleep 60 & wait']) });
  const plugin = sb.plugin({ spawner, killGraceMs: 200, abortWaitMs: 50 });
  const run = await drive(plugin, ctx, (s) => s.phase === "Running");
  const pid = run.state["pid"] as number;
  assert.equal(parentOf(pid), spawner.helperPid);
  await plugin.abort(ctx, run.state, "user asked");
  await until(() => !groupExists(pid), "group gone after SIGKILL");
  assert.equal((await drive(plugin, ctx, isTerminal, run.state)).status.phase, "Aborted");
});

test("the posix_spawn helper dies: the spawner ends with it, running tasks are checked on their records, the next start works", {
  skip: noPython,
}, async (t) => {
  await taskOutlivesSpawner(await withHelper(t), (s) => process.kill(s.helperPid!, "SIGKILL"), "the helper");
});

test("a posix_spawn helper that cannot run: the spawner forks the processes itself", async (t) => {
  const { sb, spawner } = await withSpawner(t, { posixSpawn: "/nonexistent/python3" });
  const plugin = sb.plugin({ spawner });
  const ctx = await sb.context({ template: containerTask(["sh", "-c", "sleep 0.2"]) });
  const first = await plugin.handle(ctx, undefined);
  const parent = parentOf(first.state["pid"] as number);
  assert.ok(parent === undefined || parent === spawner.pid, `parent of the wrapper: ${parent}`);
  assert.equal((await drive(plugin, ctx, isTerminal, first.state)).status.phase, "Success");
  assert.equal(spawner.helperPid, undefined);
});

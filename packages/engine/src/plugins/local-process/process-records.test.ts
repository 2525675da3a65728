// Issue 9 row 5: the liveness rule never reruns an attempt because its record could not be written or was cut short.
// The `.pid` record is reserved before the spawn; a reservation never filled in is resolved from /proc (the wrapper's
// command line) or from the exit status; a record that cannot be written means no spawn; a wrapper killed while its
// command runs is not a vanished process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ExecutionError_ErrorKind } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { AloftError, Code } from "@aloft/core";
import { containerTask, drive, isTerminal, sandbox, until } from "./testing.ts";
import * as proc from "./process-control.ts";

const runs = (file: string) => {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l !== "").length;
  } catch {
    return 0;
  }
};

const linux = process.platform === "linux";

test("an engine that died between the spawn and the record adopts the running process found in /proc", {
  skip: !linux && "needs /proc",
}, async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const marker = join(sb.root, "runs");
  const gate = join(sb.root, "gate");
  const ctx = await sb.context({
    template: containerTask(["sh", "-c", `echo run >> ${marker}; while [ ! -f ${gate} ]; do sleep 0.02; done`]),
  });
  const first = await sb.plugin().handle(ctx, undefined);
  assert.equal(first.status.phase, "Running");
  const pid = first.state["pid"] as number;
  // What a crash right after the spawn leaves: the reservation, not the filled-in record, and no saved state.
  const pidPath = join(sb.logDir, `${ctx.generatedName}.pid`);
  await proc.reserveRecord(pidPath, { restarts: 0, startedAt: new Date().toISOString() });
  await until(() => runs(marker) === 1, "first run");
  const second = sb.plugin();
  const adopted = await second.handle(ctx, undefined);
  assert.equal(adopted.status.phase, "Running", JSON.stringify(adopted.status));
  assert.equal(adopted.state["pid"], pid, "the same process, not a new one");
  assert.equal((JSON.parse(await readFile(pidPath, "utf8")) as { pid?: number }).pid, pid, "the record is filled in");
  await writeFile(gate, "");
  const done = await drive(second, ctx, isTerminal, adopted.state);
  assert.equal(done.status.phase, "Success");
  assert.equal(runs(marker), 1);
});

test("a reservation never filled in whose process already finished takes its exit status; nothing reruns", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const marker = join(sb.root, "runs");
  const ctx = await sb.context({ template: containerTask(["sh", "-c", `echo run >> ${marker}; exit 3`]) });
  await sb.plugin().handle(ctx, undefined);
  const exitPath = join(sb.logDir, `${ctx.generatedName}.exit`);
  await until(async () => (await proc.readExitStatus(exitPath)) !== undefined, "exit recorded");
  await proc.reserveRecord(join(sb.logDir, `${ctx.generatedName}.pid`), { restarts: 0, startedAt: "" });
  const r = await sb.plugin().handle(ctx, undefined);
  assert.equal(r.status.phase, "RetryableFailure");
  assert.match(r.status.error?.message ?? "", /exit code \(3\)/);
  assert.equal(runs(marker), 1);
});

test("a record that cannot be written fails the attempt as a SYSTEM error without starting the process", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const marker = join(sb.root, "runs");
  const ctx = await sb.context({ template: containerTask(["sh", "-c", `echo run >> ${marker}`]) });
  // The record's temporary file is a directory: writing it fails, as ENOSPC would.
  mkdirSync(join(sb.logDir, `${ctx.generatedName}.pid.tmp`), { recursive: true });
  const plugin = sb.plugin();
  const r = await plugin.handle(ctx, undefined);
  assert.equal(r.status.phase, "RetryableFailure");
  assert.equal(r.status.error?.code, "ProcessRecordUnwritable");
  assert.equal(r.status.error?.kind, ExecutionError_ErrorKind.SYSTEM);
  assert.equal(plugin.runningCount, 0);
  await new Promise((res) => setTimeout(res, 200));
  assert.equal(runs(marker), 0, "not started");
});

test("a wrapper killed while its command runs is not a vanished process: no second run", {
  skip: !linux && "needs /proc",
}, async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const marker = join(sb.root, "runs");
  const gate = join(sb.root, "gate");
  const ctx = await sb.context({
    template: containerTask(["sh", "-c", `echo run >> ${marker}; while [ ! -f ${gate} ]; do sleep 0.02; done`]),
  });
  const plugin = sb.plugin();
  const running = await drive(plugin, ctx, (s) => s.phase === "Running");
  await until(() => runs(marker) === 1, "first run");
  const leader = running.state["pid"] as number;
  process.kill(leader, "SIGKILL"); // the wrapper only; the command lives on in its group
  await until(
    async () =>
      !(await proc.isAlive({
        pid: leader,
        startedAt: "",
        ...(running.state["startTicks"] ? { startTicks: running.state["startTicks"] as string } : {}),
      })),
    "wrapper gone",
  );
  const again = await plugin.handle(ctx, running.state);
  assert.equal(again.status.phase, "Running", JSON.stringify(again.status));
  assert.equal(runs(marker), 1);
  await writeFile(gate, ""); // the command ends; its wrapper cannot record a status
  await until(async () => !(await proc.groupHasLiveMembers({ pid: leader, startedAt: "" })), "group gone");
  await plugin.abort(ctx, again.state, "test over");
});

test("on a full disk the record's reservation fails with RESOURCE_EXHAUSTED: nothing starts, the attempt is not spent", {
  skip: !linux && "needs /dev/full",
}, async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const marker = join(sb.root, "runs");
  const ctx = await sb.context({ template: containerTask(["sh", "-c", `echo run >> ${marker}`]) });
  mkdirSync(sb.logDir, { recursive: true });
  // /dev/full answers every write with ENOSPC, like a full data disk.
  symlinkSync("/dev/full", join(sb.logDir, `${ctx.generatedName}.pid.tmp`));
  const plugin = sb.plugin();
  await assert.rejects(
    plugin.handle(ctx, undefined),
    (e: unknown) => e instanceof AloftError && e.code === Code.RESOURCE_EXHAUSTED && /ENOSPC/.test(e.message),
  );
  assert.equal(plugin.runningCount, 0);
  await new Promise((res) => setTimeout(res, 200));
  assert.equal(runs(marker), 0, "not started");
  // Room again: the same attempt starts, once.
  rmSync(join(sb.logDir, `${ctx.generatedName}.pid.tmp`), { force: true }); // (the failed write removed it already)
  const done = await drive(plugin, ctx, isTerminal);
  assert.equal(done.status.phase, "Success");
  assert.equal(runs(marker), 1);
});

test("an attempt's work directory is removed whatever it holds: its empty TMPDIR only, more content, or nothing", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const only = join(sb.root, "w1");
  mkdirSync(join(only, "tmp"), { recursive: true });
  const full = join(sb.root, "w2");
  mkdirSync(join(full, "tmp", "sandbox"), { recursive: true });
  await writeFile(join(full, "tmp", "sandbox", "f"), "x");
  await writeFile(join(full, "outputs"), "y");
  const file = join(sb.root, "w3");
  await writeFile(file, "z");
  for (const dir of [only, full, file, join(sb.root, "absent")]) {
    await proc.removeWorkDir(dir);
    assert.equal(existsSync(dir), false, dir);
  }
});

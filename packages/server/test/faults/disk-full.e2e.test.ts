// Fault injection: `aloft start` with its data dir (SQLite, blobs, task logs) on a small tmpfs that fills up while
// executions run (issue 9 row 5). While full: creates answer RESOURCE_EXHAUSTED (not INTERNAL), terminate is not a
// 500, no task process is started twice. Once there is room again: every execution finishes, nothing ran twice, the
// server is alive and takes new work.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import {
  D,
  P,
  SANDBOX_READY,
  adminClient,
  alive,
  assertRanOnce,
  kill,
  launch,
  registerSteps,
  runsOf,
  sleep,
  startAloft,
  until,
  waitTerminal,
  type Proc,
} from "./fault-kit.ts";

const root = mkdtempSync(join(tmpdir(), "aloft-fault-disk-"));
const dataDir = join(root, "data");
const markers = join(root, "markers"); // outside the tmpfs: the count of task runs must not depend on free space
mkdirSync(dataDir);

/** Mounts a tmpfs of `size` at dataDir; the reason when that is not possible. */
function mountTmpfs(size: string): string | undefined {
  if (process.platform !== "linux") return "tmpfs needs Linux";
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dataDir], { stdio: "pipe" });
    return undefined;
  } catch (e) {
    return `cannot mount a tmpfs (${(e as Error).message.split("\n")[0]})`;
  }
}

const cannotMount = mountTmpfs("16m");
// Root on Linux can mount: there (CI runs as root) a failure to mount is a failure, not a skip.
if (cannotMount && process.env.CI === "true" && process.getuid?.() === 0 && process.platform === "linux") {
  throw new Error(`the disk-full fault test must run under CI as root: ${cannotMount}`);
}
if (cannotMount) console.warn(`SKIPPING the disk-full fault test: ${cannotMount}`);

let server: Proc | undefined;
after(async () => {
  await kill(server);
  if (!cannotMount) {
    try {
      execFileSync("umount", [dataDir], { stdio: "pipe" });
    } catch {
      execFileSync("umount", ["-l", dataDir], { stdio: "pipe" });
    }
  }
  rmSync(root, { recursive: true, force: true });
});

/** Writes a filler file until the tmpfs answers ENOSPC. */
function fillDisk(path: string): number {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  let written = 0;
  try {
    for (let i = 0; i < 100_000; i++) written += writeSync(fd, chunk);
    throw new Error("the tmpfs never filled up");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
  // Small writes may still fit in a partly used page: take those too.
  const small = openSync(`${path}-2`, "w");
  try {
    for (let i = 0; i < 10_000; i++) written += writeSync(small, Buffer.alloc(512, 1));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(small);
  }
  return written;
}

test("a data disk that fills up while executions run: refused creates, no duplicate runs, recovery once freed", {
  skip: cannotMount ?? false,
}, async () => {
  const { proc, match } = await startAloft(
    ["start", "--data-dir", dataDir, "--grpc-port", "0", "--http-port", "0"],
    SANDBOX_READY,
  );
  server = proc;
  const admin = adminClient(match[1]!);
  const gate = join(root, "gate");
  const lp = await registerSteps(admin, markers, 0.2, "v1", gate);
  const names: string[] = [];
  for (let i = 0; i < 3; i++) names.push(await launch(admin, lp, i));
  // Every first task has started and written its output; they exit only when the gate opens.
  await until("the first tasks started", () => [0, 1, 2].every((i) => runsOf(markers, i) === 1));
  await sleep(500);

  const filler = join(dataDir, "filler");
  fillDisk(filler);
  // A create needs room for its inputs: RESOURCE_EXHAUSTED, a condition the client can retry, not an INTERNAL bug.
  const refused = await launch(admin, lp, 7).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(
    refused instanceof ConnectError,
    `a create on a full disk was accepted or failed oddly: ${String(refused)}`,
  );
  assert.equal(Code[refused.code], "ResourceExhausted", refused.message);
  // Terminate on a full disk: not a 500 (INTERNAL).
  const term = await admin
    .terminateExecution({ id: { project: P, domain: D, name: names[2]! }, cause: "stop it" })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (term !== undefined) {
    assert.ok(term instanceof ConnectError);
    assert.notEqual(Code[term.code], "Internal", `terminate on a full disk: ${term.message}`);
  }
  // The tasks exit while nothing can be written: their exit status must still be known, nothing restarted.
  writeFileSync(gate, "");
  await sleep(4000);
  assert.ok(alive(proc), `the server died on a full disk:\n${proc.out().slice(-3000)}`);
  assert.deepEqual(
    [0, 1, 2].map((i) => runsOf(markers, i)),
    [1, 1, 1],
    "no task process started twice on a full disk",
  );

  rmSync(filler, { force: true });
  rmSync(`${filler}-2`, { force: true });
  for (const name of names) await waitTerminal(() => admin, name);
  for (const i of [0, 1]) await assertRanOnce(admin, markers, names[i]!, i);
  const last = (await admin.getExecution({ id: { project: P, domain: D, name: names[2]! } })).closure!.phase;
  if (term === undefined) assert.equal(WorkflowExecution_Phase[last], "ABORTED");
  else await assertRanOnce(admin, markers, names[2]!, 2);

  // Alive and taking new work.
  const fresh = await launch(admin, lp, 5);
  assert.equal(WorkflowExecution_Phase[await waitTerminal(() => admin, fresh)], "SUCCEEDED");
  await assertRanOnce(admin, markers, fresh, 5);
  assert.ok(alive(proc));
});

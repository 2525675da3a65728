// Fault injection, sandbox (issue 9): `aloft start` killed with SIGKILL while creates are in flight and again while
// tasks run, then started again on the same data dir. Every create that was acknowledged finishes SUCCEEDED with each
// task process run once (task processes outlive the server and are adopted, never started again), every node and task
// record terminal; the server is up and takes new work. Creates that were never acknowledged are not checked here
// (the launch reconciler of the admin side re-drives or fails them).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  SANDBOX_READY,
  adminClient,
  alive,
  assertRanOnce,
  kill,
  launch,
  markersIn,
  registerSteps,
  sleep,
  startAloft,
  until,
  waitTerminal,
  type Proc,
} from "./fault-kit.ts";

const dataDir = mkdtempSync(join(tmpdir(), "aloft-fault-sandbox-"));
const markers = markersIn(dataDir);
let server: Proc | undefined;
after(async () => {
  await kill(server);
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(ports = ["0", "0"]) {
  const { proc, match } = await startAloft(
    ["start", "--data-dir", dataDir, "--grpc-port", ports[0]!, "--http-port", ports[1]!],
    SANDBOX_READY,
  );
  server = proc;
  return { proc, grpc: match[1]!, http: match[2]!, admin: adminClient(match[1]!) };
}

test("kill -9 of aloft start during creates and during runs: nothing acknowledged is lost, nothing runs twice", async () => {
  let s = await start();
  const lp = await registerSteps(s.admin, markers, 0.4);
  const acked = new Map<number, string>();
  // Creates in flight when the server dies.
  const creating = Array.from({ length: 10 }, (_, tag) =>
    sleep(tag * 60)
      .then(() => launch(s.admin, lp, tag))
      .then(
        (name) => void acked.set(tag, name),
        () => undefined,
      ),
  );
  // Kill as soon as a couple are acknowledged (a condition, not a time: the machine is shared), the rest in flight.
  await until("two creates acknowledged", () => acked.size >= 2);
  await kill(s.proc);
  await Promise.all(creating);
  s = await start([s.grpc, s.http]);
  for (let tag = 10; tag < 13; tag++) acked.set(tag, await launch(s.admin, lp, tag));
  // And again while their tasks run.
  await sleep(700);
  await kill(s.proc);
  await sleep(500);
  s = await start([s.grpc, s.http]);
  const admin = s.admin;
  for (const name of acked.values()) await waitTerminal(() => admin, name);
  for (const [tag, name] of acked) await assertRanOnce(admin, markers, name, tag);
  const fresh = await launch(admin, lp, 20);
  await waitTerminal(() => admin, fresh);
  await assertRanOnce(admin, markers, fresh, 20);
  assert.ok(alive(s.proc));
});

// Fault injection, split mode (issue 9 rows 9 and 5's suite): `aloft admin` + `aloft engine` sharing a data dir,
// one of them killed with SIGKILL while executions run. Whatever was acknowledged finishes SUCCEEDED, every node and
// task record ends terminal in admin, each task process runs once, and the surviving process stays up.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { postgresAvailability, scratchPostgresUrl } from "@aloft/testkit";
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
  waitTerminal,
  type Proc,
} from "./fault-kit.ts";

const N = 6;

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`split mode under kill -9 (${kind})`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    const procs: Proc[] = [];
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const p of procs) await kill(p);
      for (const c of cleanups.reverse()) await c();
    });

    async function platform() {
      const dataDir = mkdtempSync(join(tmpdir(), "aloft-fault-split-"));
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      const dbArgs: string[] = [];
      if (kind === "postgres") {
        dbArgs.push("--postgres-url", await scratchPostgresUrl(cleanups));
      }
      const startAdmin = async (ports = ["0", "0"]) => {
        const { proc, match } = await startAloft(
          ["admin", "--data-dir", dataDir, "--grpc-port", ports[0]!, "--http-port", ports[1]!, ...dbArgs],
          SANDBOX_READY,
        );
        procs.push(proc);
        return { proc, grpc: match[1]!, http: match[2]! };
      };
      const first = await startAdmin();
      // Two failed rounds end an execution: an admin outage that counted against this budget fails within a second.
      const startEngine = async () => {
        const { proc } = await startAloft(
          [
            "engine",
            "--data-dir",
            dataDir,
            "--admin-endpoint",
            `127.0.0.1:${first.grpc}`,
            "--admin-http-url",
            `http://127.0.0.1:${first.http}`,
            "--resync-ms",
            "200",
            "--metrics-port",
            "0",
          ],
          /engine is up/,
          { ALOFT_ENGINE__MAX_WORKFLOW_RETRIES: "2" },
        );
        procs.push(proc);
        return proc;
      };
      return { dataDir, first, startAdmin, startEngine, markers: markersIn(dataDir) };
    }

    test("admin killed while tasks run and back after a few seconds: everything SUCCEEDED, nothing ran twice", async () => {
      const pf = await platform();
      let admin = pf.first;
      const engine = await pf.startEngine();
      const client = adminClient(admin.grpc);
      const lp = await registerSteps(client, pf.markers, 0.4);
      const names: string[] = [];
      for (let i = 0; i < N; i++) names.push(await launch(client, lp, i));
      await sleep(800); // first tasks running
      await kill(admin.proc);
      await sleep(5000); // tasks finish while admin is away; the engine must wait, not fail them
      assert.ok(alive(engine), `engine died while admin was down:\n${engine.out().slice(-3000)}`);
      admin = await pf.startAdmin([admin.grpc, admin.http]);
      const fresh = adminClient(admin.grpc);
      for (const name of names) await waitTerminal(() => fresh, name);
      for (const [i, name] of names.entries()) await assertRanOnce(fresh, pf.markers, name, i);
      assert.ok(alive(engine) && alive(admin.proc));
    });

    test("engine killed while tasks run and started again: everything SUCCEEDED, nothing ran twice", async () => {
      const pf = await platform();
      let engine = await pf.startEngine();
      const client = adminClient(pf.first.grpc);
      const lp = await registerSteps(client, pf.markers, 0.4);
      const names: string[] = [];
      for (let i = 0; i < N; i++) names.push(await launch(client, lp, i));
      for (let round = 0; round < 2; round++) {
        await sleep(700);
        await kill(engine);
        await sleep(600); // running task processes outlive the engine and finish on their own
        engine = await pf.startEngine();
      }
      for (const name of names) await waitTerminal(() => client, name);
      for (const [i, name] of names.entries()) await assertRanOnce(client, pf.markers, name, i);
      assert.ok(alive(engine) && alive(pf.first.proc));
    });
  });
}

// PostgreSQL failover under load (issue 9 row 1): every backend of the platform's database is terminated several
// times while creators launch executions and readers list them. The process lives on, calls caught by a dead
// connection fail UNAVAILABLE (never INTERNAL, never a crash), and once the database answers again every call works.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Code as ConnectCode, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import pg from "pg";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { postgresAdminUrl, postgresAvailability } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { intLiteral, registerOneTask, type Admin } from "@aloft/testkit";

const P = "flytesnacks";
const D = "development";

async function terminateAll(database: string): Promise<number> {
  const c = new pg.Client({ connectionString: postgresAdminUrl() });
  c.on("error", () => {});
  await c.connect();
  try {
    const r = await c.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
      [database],
    );
    return r.rowCount ?? 0;
  } finally {
    await c.end().catch(() => {});
  }
}

describe("PostgreSQL backends terminated under load", { skip: await postgresAvailability() }, () => {
  let platform: TestPlatform;
  let admin: Admin;
  let dbName: string;
  // What would have killed a real server: an error event nobody listens to.
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  before(async () => {
    process.on("uncaughtException", onUncaught);
    platform = await startTestPlatform({ database: "postgres", engine: true });
    dbName = new URL(platform.config.database.postgresUrl).pathname.slice(1);
    admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
  });
  after(async () => {
    process.off("uncaughtException", onUncaught);
    await platform?.close();
  });

  test("calls fail UNAVAILABLE while it happens, the server lives on, and everything works afterwards", async () => {
    const lp = await registerOneTask(admin, {
      project: P,
      domain: D,
      name: "failover",
      script: "cat /var/inputs/a > /var/outputs/o",
    });
    const failures: ConnectError[] = [];
    const accepted: string[] = [];
    let stop = false;
    const call = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await fn();
      } catch (err) {
        failures.push(ConnectError.from(err));
        return undefined;
      }
    };
    const creator = async (c: number) => {
      for (let i = 0; !stop && i < 40; i++) {
        const name = `fo-${c}-${i}`;
        const res = await call(() =>
          admin.createExecution({
            project: P,
            domain: D,
            name,
            spec: { launchPlan: lp },
            inputs: { literals: { x: intLiteral(i) } },
          }),
        );
        if (res) accepted.push(name);
        await call(() => admin.listExecutions({ id: { project: P, domain: D }, limit: 20 }));
      }
    };
    const creators = [0, 1, 2, 3].map(creator);
    let terminated = 0;
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, 150));
      terminated += await terminateAll(dbName);
    }
    stop = true;
    await Promise.all(creators);
    assert.ok(terminated > 0, "the test terminated no backend");
    assert.deepEqual(uncaught.map(String), []);
    // Every failure is the database being away, said as such.
    for (const f of failures)
      assert.equal(f.code, ConnectCode.Unavailable, `unexpected failure: ${f.code} ${f.message}`);

    // Afterwards: every call works (a stale pooled connection may fail one call UNAVAILABLE first).
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      ok = (await call(() => admin.listExecutions({ id: { project: P, domain: D }, limit: 1 }))) !== undefined;
    }
    assert.ok(ok, "the server did not recover");
    const after = await admin.createExecution({
      project: P,
      domain: D,
      name: "fo-after",
      spec: { launchPlan: lp },
      inputs: { literals: { x: intLiteral(7) } },
    });
    assert.equal(after.id?.name, "fo-after");
    // Each accepted execution exists.
    for (const name of accepted) {
      const e = await admin.getExecution({ id: { project: P, domain: D, name } });
      assert.notEqual(e.closure?.phase, undefined);
    }
    // The one launched after recovery runs to the end.
    let phase = WorkflowExecution_Phase.UNDEFINED;
    for (
      let i = 0;
      i < 600 && phase !== WorkflowExecution_Phase.SUCCEEDED && phase !== WorkflowExecution_Phase.FAILED;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
      phase = (await admin.getExecution({ id: { project: P, domain: D, name: "fo-after" } })).closure?.phase ?? phase;
    }
    assert.equal(phase, WorkflowExecution_Phase.SUCCEEDED);
  });
});

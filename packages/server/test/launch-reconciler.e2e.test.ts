// Interrupted launches (issue 9 row 4): a server that dies between storing an execution (UNDEFINED) and handing it
// to the engine leaves a row nothing would move. At the next start the launch reconciler hands it over, and it runs
// to the end; one whose inputs were lost is FAILED with the reason instead of staying a ghost. SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { loadConfig } from "@aloft/core";
import type { WorkflowExecutor } from "@aloft/admin";
import { postgresAvailability, scratchPostgresUrl } from "@aloft/testkit";
import { testServerDeps } from "@aloft/testkit";
import { id, intLiteral, intOf, promise, registerWorkflow, shellTask, taskNode, type Admin } from "@aloft/testkit";
import { startAdmin } from "../src/admin-server.ts";
import { startSandbox } from "../src/sandbox.ts";

const P = "flytesnacks";
const D = "development";

/** Stands for a process killed right after the insert: the executor is called and never returns. */
const neverReturns: WorkflowExecutor = { name: "hangs", execute: () => new Promise(() => {}), abort: async () => {} };

const client = (port: number): Admin =>
  createClient(AdminService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`interrupted launches are resumed at start [${kind}]`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aloft-reconcile-"));
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    });

    test("an UNDEFINED execution runs after a restart; one without its inputs is FAILED with the reason", async () => {
      let database: Record<string, unknown> = { kind: "sqlite", sqlitePath: "aloft.db" };
      if (kind === "postgres") {
        database = { kind: "postgres", postgresUrl: await scratchPostgresUrl(cleanups) };
      }
      const config = loadConfig({
        env: {},
        overrides: {
          dataDir,
          database,
          server: { host: "127.0.0.1", grpcPort: 0, httpPort: 0 },
          engine: { pollIntervalMs: 50 },
          launchReconciler: { graceSeconds: 0, intervalSeconds: 0 },
        },
      });

      // First life: the executions are stored, the engine never gets them.
      const first = await startAdmin({
        ...testServerDeps(config),
        configurePlugins: (p) => (p.workflowExecutor = neverReturns),
      });
      let admin = client(first.grpcPort);
      const task = shellTask(
        id(ResourceType.TASK, P, D, "resume-double", "v1"),
        ["x"],
        ["y"],
        'echo "$(( $(cat /var/inputs/x) * 2 ))" > /var/outputs/y',
      );
      const lp = await registerWorkflow(admin, {
        project: P,
        domain: D,
        name: "resume",
        version: "v1",
        tasks: [task],
        inputs: ["x"],
        nodes: [taskNode("n0", task.id!, { x: promise("start-node", "x") })],
        outputs: { y: promise("n0", "y") },
      });
      const pending = ["resume-ok", "resume-lost"].map((name, i) =>
        admin
          .createExecution(
            { project: P, domain: D, name, spec: { launchPlan: lp }, inputs: { literals: { x: intLiteral(21 + i) } } },
            { timeoutMs: 60_000 },
          )
          .catch(() => undefined),
      );
      for (const name of ["resume-ok", "resume-lost"]) {
        let phase: WorkflowExecution_Phase | undefined;
        for (let i = 0; i < 200 && phase === undefined; i++) {
          phase = await admin.getExecution({ id: { project: P, domain: D, name } }).then(
            (e) => e.closure?.phase,
            () => undefined,
          );
          if (phase === undefined) await new Promise((r) => setTimeout(r, 25));
        }
        assert.equal(phase, WorkflowExecution_Phase.UNDEFINED, name);
      }
      // The second one's inputs are lost (a disk that failed, say): it cannot be started again.
      const stored = (
        await first.database.db
          .selectFrom("executions")
          .select("inputs_uri")
          .where("execution_name", "=", "resume-lost")
          .executeTakeFirstOrThrow()
      ).inputs_uri;
      await first.blobStore.delete(first.blobStore.keyOf(stored));
      await first.close();
      void pending;

      // Second life: the reconciler hands the stored execution to the engine.
      const second = await startSandbox({ ...testServerDeps(config), warmWorkers: false });
      cleanups.push(() => second.close());
      admin = client(second.grpcPort);
      const waitFor = async (name: string) => {
        let phase = WorkflowExecution_Phase.UNDEFINED;
        for (
          let i = 0;
          i < 1200 && phase !== WorkflowExecution_Phase.SUCCEEDED && phase !== WorkflowExecution_Phase.FAILED;
          i++
        ) {
          await new Promise((r) => setTimeout(r, 50));
          phase = (await admin.getExecution({ id: { project: P, domain: D, name } })).closure?.phase ?? phase;
        }
        return admin.getExecution({ id: { project: P, domain: D, name } });
      };
      const ok = await waitFor("resume-ok");
      assert.equal(ok.closure?.phase, WorkflowExecution_Phase.SUCCEEDED);
      const data = await admin.getExecutionData({ id: { project: P, domain: D, name: "resume-ok" } });
      assert.equal(intOf(data.fullOutputs, "y"), 42);
      const failed = await waitFor("resume-lost");
      assert.equal(failed.closure?.phase, WorkflowExecution_Phase.FAILED);
      const err = failed.closure?.outputResult.case === "error" ? failed.closure.outputResult.value : undefined;
      assert.match(err?.message ?? "", /never started/);
    });
  });
}

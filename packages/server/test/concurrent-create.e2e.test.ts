// Concurrent CreateExecution with one name (issue 9 row 3): of each pair exactly one is accepted, and the inputs
// stored for the execution — what GetExecutionData, relaunch and recover read — are the accepted request's, the
// same the engine was handed. The loser never touches the winner's data. On SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Code as ConnectCode, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import type { ExecuteInput, WorkflowExecutor } from "@aloft/admin";
import { postgresAvailability } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { intLiteral, intOf, registerOneTask, type Admin } from "@aloft/testkit";

const P = "flytesnacks";
const D = "development";
const PAIRS = 25;

/** Records what each launch handed the engine; yields to the event loop so that concurrent creates interleave. */
class RecordingExecutor implements WorkflowExecutor {
  readonly name = "recording";
  readonly launched = new Map<string, number[]>();
  async execute(input: ExecuteInput): Promise<{ cluster: string }> {
    await new Promise((r) => setImmediate(r));
    const list = this.launched.get(input.executionId.name) ?? [];
    list.push(intOf(input.inputs, "x") ?? -1);
    this.launched.set(input.executionId.name, list);
    return { cluster: "" };
  }
  async abort(): Promise<void> {}
}

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`concurrent creates of one execution name [${kind}]`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    let platform: TestPlatform;
    let admin: Admin;
    const executor = new RecordingExecutor();
    before(async () => {
      platform = await startTestPlatform({ database: kind, configurePlugins: (p) => (p.workflowExecutor = executor) });
      admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
    });
    after(async () => platform?.close());

    test(`${PAIRS} pairs: one accepted each, and the stored and launched inputs are the accepted request's`, async () => {
      const lp = await registerOneTask(admin, {
        project: P,
        domain: D,
        name: "race",
        script: "cat /var/inputs/a > /var/outputs/o",
      });
      const createWith = async (name: string, x: number): Promise<number | undefined> => {
        try {
          await admin.createExecution({
            project: P,
            domain: D,
            name,
            spec: { launchPlan: lp },
            inputs: { literals: { x: intLiteral(x) } },
          });
          return x;
        } catch (err) {
          assert.equal(ConnectError.from(err).code, ConnectCode.AlreadyExists, String(err));
          return undefined;
        }
      };
      for (let i = 0; i < PAIRS; i++) {
        const name = `race-${i}`;
        const results = await Promise.all([createWith(name, 111), createWith(name, 222)]);
        const accepted = results.filter((r) => r !== undefined);
        assert.equal(accepted.length, 1, `${name}: ${JSON.stringify(results)}`);
        const stored = await admin.getExecutionData({ id: { project: P, domain: D, name } });
        assert.equal(
          intOf(stored.fullInputs, "x"),
          accepted[0],
          `${name}: stored inputs are not the accepted request's`,
        );
        assert.deepEqual(executor.launched.get(name), accepted, `${name}: launched once, with the accepted inputs`);
        const exec = await admin.getExecution({ id: { project: P, domain: D, name } });
        assert.equal(intOf(exec.spec?.inputs, "x") ?? accepted[0], accepted[0]);
      }
    });
  });
}

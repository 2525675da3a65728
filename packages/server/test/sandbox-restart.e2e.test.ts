// Killing `aloft start` (SIGKILL) mid-execution and starting it again finishes every execution correctly, with no
// lost or duplicated node outputs: the engine resumes from its stored documents and adopts or reruns task processes.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { NodeExecution_Phase, WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { postgresAvailability, scratchPostgresUrl } from "@aloft/testkit";
import { id, intLiteral, intOf, promise, registerWorkflow, shellTask, taskNode, type Admin } from "@aloft/testkit";

const bin = new URL("../bin/aloft.mjs", import.meta.url).pathname;
const P = "flytesnacks";
const D = "development";

function startAloft(dataDir: string, extra: string[]): Promise<{ child: ChildProcess; grpc: number }> {
  const child = spawn(
    process.execPath,
    [bin, "start", "--data-dir", dataDir, "--http-port", "0", "--grpc-port", "0", ...extra],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, ALOFT_ENGINE__POLL_INTERVAL_MS: "50", ALOFT_LOGGING__LEVEL: "warn" },
    },
  );
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/gRPC\s+\S+:(\d+)/);
      if (m) resolve({ child, grpc: Number(m[1]) });
    });
    child.once("exit", (code) => reject(new Error(`aloft exited ${code}: ${out}`)));
  });
}

const stop = (c: ChildProcess, signal: NodeJS.Signals) =>
  new Promise<void>((r) =>
    c.exitCode !== null || c.signalCode !== null ? r() : (c.once("exit", () => r()), c.kill(signal)),
  );

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`SIGKILL mid-execution and restart (${kind})`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aloft-restart-"));
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test("every execution finishes with each node's output written once", async () => {
      const dbArgs: string[] = [];
      if (kind === "postgres") {
        dbArgs.push("--postgres-url", await scratchPostgresUrl(cleanups));
      }
      let server = await startAloft(dataDir, dbArgs);
      cleanups.push(() => stop(server.child, "SIGKILL"));
      let admin: Admin = createClient(
        AdminService,
        createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.grpc}` }),
      );
      // Each run appends a line to a per-execution counter file, so a duplicated (re-run after success) node shows up.
      const counter = join(dataDir, "runs");
      const step = shellTask(
        id(ResourceType.TASK, P, D, "step", "v1"),
        ["a", "tag"],
        ["out"],
        `sleep 0.4; echo "$(cat /var/inputs/tag)" >> ${counter}-$(cat /var/inputs/tag); echo "$(( $(cat /var/inputs/a) + 1 ))" > /var/outputs/out`,
      );
      const lp = await registerWorkflow(admin, {
        project: P,
        domain: D,
        name: "steps",
        version: "v1",
        tasks: [step],
        inputs: ["x", "tag"],
        nodes: [
          taskNode("n0", step.id!, { a: promise("start-node", "x"), tag: promise("start-node", "tag") }),
          taskNode("n1", step.id!, { a: promise("n0", "out"), tag: promise("start-node", "tag") }, ["n0"]),
          taskNode("n2", step.id!, { a: promise("n1", "out"), tag: promise("start-node", "tag") }, ["n1"]),
        ],
        outputs: { out: promise("n2", "out") },
      });
      const names: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await admin.createExecution({
          project: P,
          domain: D,
          spec: { launchPlan: lp },
          inputs: { literals: { x: intLiteral(i * 10), tag: intLiteral(i) } },
        });
        names.push(r.id!.name);
      }
      // Let the first nodes run, then kill the whole process without warning.
      await new Promise((r) => setTimeout(r, 700));
      await stop(server.child, "SIGKILL");
      server = await startAloft(dataDir, dbArgs);
      cleanups.push(() => stop(server.child, "SIGKILL"));
      admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.grpc}` }));

      for (const [i, name] of names.entries()) {
        const deadline = Date.now() + 60_000;
        let ex = await admin.getExecution({ id: { project: P, domain: D, name } });
        while (
          ![
            WorkflowExecution_Phase.SUCCEEDED,
            WorkflowExecution_Phase.FAILED,
            WorkflowExecution_Phase.ABORTED,
          ].includes(ex.closure!.phase)
        ) {
          assert.ok(Date.now() < deadline, `${name} stuck in ${WorkflowExecution_Phase[ex.closure!.phase]}`);
          await new Promise((r) => setTimeout(r, 100));
          ex = await admin.getExecution({ id: { project: P, domain: D, name } });
        }
        assert.equal(WorkflowExecution_Phase[ex.closure!.phase], "SUCCEEDED");
        const data = await admin.getExecutionData({ id: { project: P, domain: D, name } });
        assert.equal(intOf(data.fullOutputs, "out"), i * 10 + 3);
        const nodes = await admin.listNodeExecutions({
          workflowExecutionId: { project: P, domain: D, name },
          limit: 50,
        });
        assert.deepEqual(
          nodes.nodeExecutions.map((n) => `${n.id!.nodeId}:${NodeExecution_Phase[n.closure!.phase]}`).sort(),
          ["end-node:SUCCEEDED", "n0:SUCCEEDED", "n1:SUCCEEDED", "n2:SUCCEEDED", "start-node:SUCCEEDED"],
        );
        // Three nodes, each run to completion once; a process interrupted by the kill may have been re-run, but no
        // node that had succeeded ran again.
        const runs = readFileSync(`${counter}-${i}`, "utf8").trim().split("\n").length;
        assert.ok(runs >= 3 && runs <= 4, `execution ${i}: ${runs} task runs`);
      }
    });
  });
}

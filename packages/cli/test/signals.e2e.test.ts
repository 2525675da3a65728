// `aloft get signals`, `aloft approve` and `aloft signal set` as a user runs them, against the in-process sandbox
// (admin + engine, SQLite): an execution waits at an approve gate and a signal gate until the CLI sets both.
// The CLI runs as a separate process with async child_process APIs (a sync spawn would block the server under test).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { SignalService } from "@aloft/idl/flyteidl/service/signal_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { intLiteral, intOf, registerGatedWorkflow, type Admin } from "@aloft/testkit";
import { cliRunner } from "./cli-runner.ts";

const P = "flytesnacks";
const D = "development";
const cliBin = new URL("../bin/aloft-cli.mjs", import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), "aloft-cli-signals-"));
let platform: TestPlatform;
let admin: Admin;
let lp: Identifier;

const { ok, fails } = cliRunner(() => cliBin, home);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  platform = await startTestPlatform({ engine: true });
  admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
  lp = await registerGatedWorkflow(admin, P, D);
  mkdirSync(join(home, ".aloft"));
  writeFileSync(
    join(home, ".aloft", "config.yaml"),
    `admin:\n  endpoint: dns:///${platform.grpcAddress}\n  insecure: true\nproject: ${P}\ndomain: ${D}\n`,
  );
});

after(async () => {
  await platform?.close();
  rmSync(home, { recursive: true, force: true });
});

test("list an execution's signals, approve its gate and set its signal by type; the execution succeeds with the value", async () => {
  const signals = createClient(SignalService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
  const exId = (
    await admin.createExecution({
      project: P,
      domain: D,
      spec: { launchPlan: lp },
      inputs: { literals: { x: intLiteral(2) } },
    })
  ).id!;
  const name = exId.name;
  await until("both signals", async () =>
    (await signals.listSignals({ workflowExecutionId: exId, limit: 10 })).signals.length === 2 ? true : undefined,
  );

  const table = await ok("get", "signals", name, "--sort-by", "signal_id", "--asc");
  assert.match(table, /^SIGNAL\s+TYPE\s+VALUE\napprove-run\s+boolean\s+-\nn\s+integer\s+-\n$/);
  const listed = JSON.parse(await ok("get", "signals", name, "-o", "json")) as Array<{
    id: { signalId: string };
    type: { simple: string };
  }>;
  assert.deepEqual(listed.map((s) => [s.id.signalId, s.type.simple]).sort(), [
    ["approve-run", "BOOLEAN"],
    ["n", "INTEGER"],
  ]);
  assert.match(await ok("get", "signal", name, "n", "-o", "yaml"), /signalId: n\n[\s\S]*simple: INTEGER/);

  // The value is parsed by the signal's type: a usage error (exit 2) names the signal and its type.
  await fails(2, /^aloft: input n \(integer\): "forty" is not an integer$/m, "signal", "set", name, "n", "forty");
  await fails(1, /has no signal "nope" \(yet\)/, "signal", "set", name, "nope", "1");
  await fails(1, /has no signal "nope" \(yet\)/, "approve", name, "nope");

  assert.match(await ok("approve", name, "approve-run"), /approved approve-run of execution/);
  assert.match(await ok("signal", "set", name, "n", "40"), /set n of execution .* to 40/);
  assert.match(
    await ok("get", "signals", name, "--sort-by", "signal_id", "--asc"),
    /approve-run\s+boolean\s+true\nn\s+integer\s+40/,
  );

  const done = await until("the execution to end", async () => {
    const ex = await admin.getExecution({ id: exId });
    return [
      WorkflowExecution_Phase.SUCCEEDED,
      WorkflowExecution_Phase.FAILED,
      WorkflowExecution_Phase.ABORTED,
    ].includes(ex.closure!.phase)
      ? ex
      : undefined;
  });
  assert.equal(WorkflowExecution_Phase[done.closure!.phase], "SUCCEEDED");
  assert.equal(intOf((await admin.getExecutionData({ id: exId })).fullOutputs, "total"), 42);
});

test("aloft approve --reject fails the gate", async () => {
  const signals = createClient(SignalService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
  const exId = (
    await admin.createExecution({
      project: P,
      domain: D,
      spec: { launchPlan: lp },
      inputs: { literals: { x: intLiteral(1) } },
    })
  ).id!;
  await until("the approval signal", async () =>
    (await signals.listSignals({ workflowExecutionId: exId, limit: 10, filters: "eq(signal_id,approve-run)" })).signals
      .length === 1
      ? true
      : undefined,
  );
  assert.match(await ok("approve", exId.name, "approve-run", "--reject"), /rejected approve-run/);
  const done = await until("the execution to end", async () => {
    const ex = await admin.getExecution({ id: exId });
    return ex.closure!.phase === WorkflowExecution_Phase.FAILED ||
      ex.closure!.phase === WorkflowExecution_Phase.SUCCEEDED
      ? ex
      : undefined;
  });
  assert.equal(WorkflowExecution_Phase[done.closure!.phase], "FAILED");
});

test("SDK gates (b.approve, b.waitForInput) run in the sandbox: aloft run, then approve and set the input", async () => {
  const module = fileURLToPath(new URL("./fixtures/sdk-gates.ts", import.meta.url));
  assert.match(await ok("run", module, "gates", "-i", "x=5", "--name", "sdkgates1"), /launched/);
  const exId = { project: P, domain: D, name: "sdkgates1" };
  const signals = createClient(SignalService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
  await until("the SDK gates' signals", async () =>
    (await signals.listSignals({ workflowExecutionId: exId, limit: 10 })).signals.length === 2 ? true : undefined,
  );
  assert.match(
    await ok("get", "signals", "sdkgates1", "--sort-by", "signal_id", "--asc"),
    /approve-x\s+boolean\s+-\nn\s+integer\s+-/,
  );
  await ok("approve", "sdkgates1", "approve-x");
  await ok("signal", "set", "sdkgates1", "n", "37");
  const done = await until("the execution to end", async () => {
    const ex = await admin.getExecution({ id: exId });
    return [
      WorkflowExecution_Phase.SUCCEEDED,
      WorkflowExecution_Phase.FAILED,
      WorkflowExecution_Phase.ABORTED,
    ].includes(ex.closure!.phase)
      ? ex
      : undefined;
  });
  assert.equal(
    WorkflowExecution_Phase[done.closure!.phase],
    "SUCCEEDED",
    done.closure?.outputResult.case === "error" ? done.closure.outputResult.value.message : "",
  );
  assert.equal(intOf((await admin.getExecutionData({ id: exId })).fullOutputs, "total"), 42);
});

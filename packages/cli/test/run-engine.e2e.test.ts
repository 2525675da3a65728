// `aloft run --watch` against the real engine (admin + engine in one process, tasks as local processes): a
// two-node workflow by launch plan, a single task by name, and a failing command reported with its exit code.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadConfig } from "@aloft/core";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { LaunchPlanState } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { startSandbox, type RunningSandbox } from "@aloft/server/testing";
import { testServerDeps } from "@aloft/testkit";
import { createAloftClient, type AloftClient } from "@aloft/client";

const bin = new URL("../bin/aloft-cli.mjs", import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), "aloft-run-engine-"));
let sandbox: RunningSandbox;
let client: AloftClient;
const id = (resourceType: ResourceType, name: string) => ({
  resourceType,
  project: "flytesnacks",
  domain: "development",
  name,
  version: "v1",
});
const INT = { type: { case: "simple" as const, value: SimpleType.INTEGER } };

function aloft(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dataDir, ALOFT_ENDPOINT: `127.0.0.1:${sandbox.grpcPort}` };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args, "-p", "flytesnacks", "-d", "development"],
      { encoding: "utf8", env, timeout: 120_000 },
      (err, out, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, out, err: stderr }),
    );
  });
}

async function shellTask(name: string, script: string) {
  const t = id(ResourceType.TASK, name);
  const iface = { inputs: { variables: { x: { type: INT } } }, outputs: { variables: {} } };
  await client.createTask({
    id: t,
    spec: {
      template: {
        id: t,
        type: "container",
        metadata: {},
        interface: iface,
        target: { case: "container", value: { image: "host", command: ["sh", "-c", script] } },
      },
    },
  });
  return t;
}

before(async () => {
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      server: { host: "127.0.0.1", grpcPort: 0, httpPort: 0 },
      database: { kind: "sqlite", sqlitePath: "aloft.db" },
    },
  });
  sandbox = await startSandbox(testServerDeps(config));
  client = createAloftClient({ endpoint: `127.0.0.1:${sandbox.grpcPort}`, insecure: true });
  const echo = await shellTask("echo", "echo x={{.Inputs.x}}");
  await shellTask("broken", "echo oh no >&2; exit 3");
  const wf = id(ResourceType.WORKFLOW, "echo_wf");
  const input = {
    var: "x",
    binding: { value: { case: "promise" as const, value: { nodeId: "start-node", var: "x" } } },
  };
  const target = { case: "taskNode" as const, value: { reference: { case: "referenceId" as const, value: echo } } };
  await client.createWorkflow({
    id: wf,
    spec: {
      template: {
        id: wf,
        interface: { inputs: { variables: { x: { type: INT } } }, outputs: { variables: {} } },
        nodes: [
          { id: "first", inputs: [input], target },
          { id: "second", upstreamNodeIds: ["first"], inputs: [input], target },
        ],
      },
    },
  });
  const lp = id(ResourceType.LAUNCH_PLAN, "echo_wf");
  await client.createLaunchPlan({
    id: lp,
    spec: {
      workflowId: wf,
      defaultInputs: { parameters: { x: { var: { type: INT }, behavior: { case: "required", value: true } } } },
    },
  });
  await client.updateLaunchPlan({ id: lp, state: LaunchPlanState.ACTIVE });
});

after(async () => {
  client?.close();
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test("a launch plan runs node by node to SUCCEEDED", async () => {
  const r = await aloft("run", "echo_wf", "-i", "x=5", "--watch", "--interval", "50");
  assert.equal(r.code, 0, r.err + r.out);
  const lines = r.out
    .split("\n")
    .filter((l) => l.startsWith("["))
    .map((l) => l.replace(/ [\d.]+s$/, ""));
  assert.ok(
    lines.indexOf("[first] SUCCEEDED") < lines.indexOf("[second] SUCCEEDED") && lines.indexOf("[first] SUCCEEDED") >= 0,
    r.out,
  );
  assert.match(r.out, /SUCCEEDED in [\d.]+s\n$/);
});

test("a task by name, and a failing command with its exit code", async () => {
  const ok = await aloft("run", "echo", "-i", "x=1", "--watch", "--interval", "50");
  assert.equal(ok.code, 0, ok.err + ok.out);
  assert.match(ok.out, /launched \(task echo:v1\)/);
  const bad = await aloft("run", "broken", "--task", "-i", "x=1", "--watch", "--interval", "50");
  assert.equal(bad.code, 1, bad.err + bad.out);
  assert.match(bad.err, /^aloft: execution flytesnacks\/development\/\w+ FAILED.*exit code \(3\)/m);
});

// Shared by the fault-injection suite (issue 9): start `aloft start | admin | engine` as real processes on loopback,
// kill them without warning, and check afterwards that nothing was lost and nothing ran twice. Every task run appends
// one line `<node>` to `<markers>/<tag>`, so a duplicated attempt shows up as an extra line.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { id, intLiteral, intOf, promise, registerWorkflow, shellTask, taskNode, type Admin } from "@aloft/testkit";

const bin = new URL("../../bin/aloft.mjs", import.meta.url).pathname;
export const P = "flytesnacks";
export const D = "development";

export interface Proc {
  child: ChildProcess;
  out: () => string;
}

/** Starts `aloft <args>` and resolves with the first match of `ready` on its stdout. */
export function startAloft(
  args: string[],
  ready: RegExp,
  env: Record<string, string> = {},
): Promise<{ proc: Proc; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [bin, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ALOFT_LOGGING__LEVEL: "warn", ALOFT_ENGINE__POLL_INTERVAL_MS: "100", ...env },
  });
  let out = "";
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const proc = { child, out: () => out };
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) resolve({ proc, match: m });
    });
    child.once("exit", (code, signal) =>
      reject(new Error(`aloft ${args[0]} exited ${code ?? signal}: ${out.slice(-4000)}`)),
    );
  });
}

export const SANDBOX_READY = /gRPC\s+\S+:(\d+)[\s\S]*HTTP\s+http:\/\/[^:]+:(\d+)/;

export function kill(p: Proc | undefined, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  const c = p?.child;
  return new Promise((r) => {
    if (!c || c.exitCode !== null || c.signalCode !== null) return r();
    c.once("exit", () => r());
    c.kill(signal);
  });
}

export const alive = (p: Proc) => p.child.exitCode === null && p.child.signalCode === null;

export const adminClient = (grpcPort: number | string): Admin =>
  createClient(AdminService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${grpcPort}` }));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Three chained shell tasks, each appending `<a>` to `<markers>-<tag>` as it starts, sleeping `seconds`, and writing
 * a + 1; with `gate`, each then waits until that file exists before it exits.
 */
export async function registerSteps(
  admin: Admin,
  markers: string,
  seconds = 0.5,
  version = "v1",
  gate?: string,
): Promise<Identifier> {
  const wait = gate ? `; while [ ! -f ${gate} ]; do sleep 0.05; done` : "";
  const step = shellTask(
    id(ResourceType.TASK, P, D, "fault-step", version),
    ["a", "tag"],
    ["out"],
    `a=$(cat /var/inputs/a); echo "$a" >> ${markers}-$(cat /var/inputs/tag); sleep ${seconds}; echo "$(( a + 1 ))" > /var/outputs/out${wait}`,
  );
  const tag = promise("start-node", "tag");
  return registerWorkflow(admin, {
    project: P,
    domain: D,
    name: "fault-steps",
    version,
    tasks: [step],
    inputs: ["x", "tag"],
    nodes: [
      taskNode("n0", step.id!, { a: promise("start-node", "x"), tag }),
      taskNode("n1", step.id!, { a: promise("n0", "out"), tag }, ["n0"]),
      taskNode("n2", step.id!, { a: promise("n1", "out"), tag }, ["n1"]),
    ],
    outputs: { out: promise("n2", "out") },
  });
}

export async function launch(admin: Admin, lp: Identifier, tag: number, name?: string): Promise<string> {
  const r = await admin.createExecution({
    project: P,
    domain: D,
    ...(name ? { name } : {}),
    spec: { launchPlan: lp },
    inputs: { literals: { x: intLiteral(tag * 10), tag: intLiteral(tag) } },
  });
  return r.id!.name;
}

const TERMINAL = [
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.ABORTED,
  WorkflowExecution_Phase.TIMED_OUT,
];

/** Waits (bounded, generous) until the execution is terminal; retries while the server is unreachable. */
export async function waitTerminal(
  admin: () => Admin,
  name: string,
  limitMs = 120_000,
): Promise<WorkflowExecution_Phase> {
  const deadline = Date.now() + limitMs;
  let last = "";
  for (;;) {
    try {
      const ex = await admin().getExecution({ id: { project: P, domain: D, name } });
      const phase = ex.closure!.phase;
      if (TERMINAL.includes(phase)) return phase;
      last = `${WorkflowExecution_Phase[phase]} ${ex.closure?.outputResult.case === "error" ? ex.closure.outputResult.value.message : ""}`;
    } catch (e) {
      last = (e as Error).message;
    }
    assert.ok(Date.now() < deadline, `${name} not terminal: ${last}`);
    await sleep(200);
  }
}

/**
 * The execution SUCCEEDED with the right output; every node and every task record is terminal in admin (nothing left
 * RUNNING), each node ran exactly one attempt, and each task process ran once (one marker line per node).
 */
export async function assertRanOnce(admin: Admin, markers: string, name: string, tag: number): Promise<void> {
  const wid = { project: P, domain: D, name };
  const ex = await admin.getExecution({ id: wid });
  const err = ex.closure?.outputResult.case === "error" ? ex.closure.outputResult.value.message : "";
  assert.equal(WorkflowExecution_Phase[ex.closure!.phase], "SUCCEEDED", `${name} (tag ${tag}): ${err}`);
  assert.equal(intOf((await admin.getExecutionData({ id: wid })).fullOutputs, "out"), tag * 10 + 3);
  const nodes = await admin.listNodeExecutions({ workflowExecutionId: wid, limit: 50 });
  assert.deepEqual(
    nodes.nodeExecutions.map((n) => `${n.id!.nodeId}:${NodeExecution_Phase[n.closure!.phase]}`).sort(),
    ["end-node:SUCCEEDED", "n0:SUCCEEDED", "n1:SUCCEEDED", "n2:SUCCEEDED", "start-node:SUCCEEDED"],
    name,
  );
  for (const node of ["n0", "n1", "n2"]) {
    const tes = await admin.listTaskExecutions({ nodeExecutionId: { executionId: wid, nodeId: node }, limit: 10 });
    assert.deepEqual(
      tes.taskExecutions.map((t) => `${t.id!.retryAttempt}:${TaskExecution_Phase[t.closure!.phase]}`),
      ["0:SUCCEEDED"],
      `${name} ${node}: one attempt, SUCCEEDED`,
    );
  }
  const file = `${markers}-${tag}`;
  const lines = existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== "")
    : [];
  const x = tag * 10;
  assert.deepEqual(lines, [String(x), String(x + 1), String(x + 2)], `${name}: each task process ran once`);
}

export const markersIn = (dir: string) => join(dir, "markers");

/** Task runs recorded so far for `tag`. */
export function runsOf(markers: string, tag: number): number {
  const file = `${markers}-${tag}`;
  return existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== "").length
    : 0;
}

/** Bounded wait for a condition (generous: the machine is shared). */
export async function until(what: string, cond: () => boolean | Promise<boolean>, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await cond())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(50);
  }
}

// Engine metrics on /metrics: `aloft start` shows them on admin's /metrics next to admin's own; `aloft engine` serves
// its own on --metrics-port, and a standalone admin shows none of them.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { sample } from "@aloft/engine/testing";
import { startTestPlatform } from "@aloft/testkit";
import { aloftProcesses, launchOneTask, startAdminAndEngine, waitForEnd, type Admin } from "@aloft/testkit";

const P = "flytesnacks";
const D = "development";
const E = "flyte:propeller:all:";

/** Registers a one-task workflow, runs it and waits for SUCCEEDED. */
async function runOne(admin: Admin, name: string): Promise<void> {
  const exec = await launchOneTask(admin, {
    project: P,
    domain: D,
    name,
    script: 'echo "$(( $(cat /var/inputs/a) + 1 ))" > /var/outputs/o',
    x: 1,
  });
  const done = await waitForEnd(admin, exec);
  assert.equal(WorkflowExecution_Phase[done.closure!.phase], "SUCCEEDED");
}

/**
 * GET `url` once the engine has counted the streak that ended the run: admin sees SUCCEEDED from the event sent
 * inside that streak, and the streak's round counters move only when it returns, a moment later.
 */
async function metricsAfterRun(url: string): Promise<Response> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(url);
    const text = await res.clone().text();
    if ((sample(text, `${E}round:success_count`) ?? 0) >= 1 || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a platform engineer looks at after one successful one-task run. */
function assertOneSuccessfulRun(text: string, name: string): void {
  const wf = { project: P, domain: D };
  assert.equal(sample(text, `${E}workflow:completed`, { ...wf, phase: "Success" }), 1);
  assert.equal(sample(text, `${E}node:completed`, { ...wf, phase: "Succeeded" }), 3, "start, n0, end");
  assert.equal(sample(text, `${E}workflow:success_duration_unlabeled_ms_count`), 1);
  assert.equal(sample(text, `${E}workflow:accepted`, { ...wf, wf: `${P}:${D}:${name}` }), 1);
  assert.ok(sample(text, `${E}round:success_count`)! >= 1);
  assert.ok(sample(text, `${E}round:raw_unlabeled_ms_count`)! >= 1);
  assert.ok(sample(text, `${E}node:queueing_latency_unlabeled_ms_count`)! >= 1);
  assert.ok(sample(text, `${E}plugin_exec_latency_us_count`, { plugin: "local-process", ok: "true" })! >= 1);
  assert.ok(sample(text, `${E}free_workers_count`)! >= 1);
  assert.equal(sample(text, `${E}round:error_count`), 0);
}

test("aloft start: GET /metrics shows engine metrics next to admin's after a workflow ran", async () => {
  const platform = await startTestPlatform({ engine: true });
  try {
    const admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
    await runOne(admin, "one");
    const res = await metricsAfterRun(`${platform.httpUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    const text = await res.text();
    assertOneSuccessfulRun(text, "one");
    assert.match(text, /^aloft_admin_rpc_requests_total\{/m, "admin's own metrics are still there");
  } finally {
    await platform.close();
  }
});

const run = aloftProcesses("aloft-engine-metrics-");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.once("error", reject);
  });
}

test("aloft engine serves its metrics on --metrics-port; a standalone admin has none of them", async () => {
  const metricsPort = await freePort();
  const {
    grpcPort,
    httpPort,
    engine: up,
  } = await startAdminAndEngine(run, ["--metrics-port", String(metricsPort)], /metrics\s+(http:\/\/\S+\/metrics)/);
  // The engine's metrics listener binds server.host, loopback by default, and says so.
  assert.equal(up[1], `http://127.0.0.1:${metricsPort}/metrics`);
  const admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${grpcPort}` }));
  await runOne(admin, "solo");
  const res = await metricsAfterRun(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  assertOneSuccessfulRun(text, "solo");
  assert.match(text, /^aloft_process_cpu_seconds_total /m, "the engine process's own process metrics");
  assert.match(
    text,
    new RegExp(`^${E}node:event_recording:success_duration_ms_count\\{`, "m"),
    "events went to admin over gRPC",
  );
  assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status, 404);
  assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/healthcheck`)).status, 200);

  const adminText = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  assert.doesNotMatch(adminText, /flyte:propeller/, "admin without an engine exports no engine metrics");
});

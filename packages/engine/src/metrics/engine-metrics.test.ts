// The prom-client implementation of EngineMetrics: upstream's wire names (colons kept), labeled and `_unlabeled`
// twins, scrape-time gauges read from the engine view, and the plugin timing proxy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import type { TaskPlugin } from "../plugins/plugin.ts";
import { NOOP_ENGINE_METRICS, isPanic, labelsOf, type EngineMetrics } from "./engine-metrics.ts";
import { createEngineMetrics } from "./prom-engine-metrics.ts";
import { timedPlugin } from "./timed-plugin.ts";
import { sample } from "../testing/metrics-sample.ts";

const L = { project: "flytesnacks", domain: "development", wf: "flytesnacks:development:wf" };

test("names are upstream's on the wire: flyte:propeller:all: scope, colons kept, unit suffixes, _unlabeled twins", async () => {
  const r = new Registry();
  createEngineMetrics(r);
  const names = (await r.getMetricsAsJSON()).map((m) => m.name);
  for (const n of [
    "flyte:propeller:all:free_workers_count",
    "flyte:propeller:all:round:round_total_ms",
    "flyte:propeller:all:round:success_count",
    "flyte:propeller:all:round:error_count",
    "flyte:propeller:all:round:raw_ms",
    "flyte:propeller:all:round:raw_unlabeled_ms",
    "flyte:propeller:all:round:panic_unlabeled",
    "flyte:propeller:all:round:streak_length_unlabeled",
    "flyte:propeller:all:main_depth",
    "flyte:propeller:all:main_adds",
    "flyte:propeller:all:main_retries",
    "flyte:propeller:all:main_work_duration_us",
    "flyte:propeller:all:workflow:accepted",
    "flyte:propeller:all:workflow:success_duration_ms",
    "flyte:propeller:all:workflow:failure_duration_unlabeled_ms",
    "flyte:propeller:all:node:queueing_latency_ms",
    "flyte:propeller:all:node:node_exec_latency_unlabeled_us",
    "flyte:propeller:all:node:event_recording:success_duration_ms",
    "flyte:propeller:all:collector:flyteworkflow",
    "flyte:propeller:all:plugin_exec_latency_us",
  ]) {
    assert.ok(names.includes(n), `missing ${n}`);
  }
  assert.ok(
    names.every((n) => n.startsWith("flyte:propeller:all:")),
    "every engine metric is in the propeller scope",
  );
});

test("one set per registry: creating them again on the same registry returns the same set", async () => {
  const r = new Registry();
  const first = createEngineMetrics(r);
  assert.equal(createEngineMetrics(r), first);
  assert.notEqual(createEngineMetrics(new Registry()), first);
  first.workersStarted();
  assert.equal(sample(await r.metrics(), "flyte:propeller:all:workers_restarted"), 1);
});

test("hooks move the metrics they name, labeled and unlabeled", async () => {
  const r = new Registry();
  const m = createEngineMetrics(r);
  m.handled(3, true);
  m.handled(4, true);
  m.handled(5, false);
  m.roundTraversed(L, 2);
  m.streak(L, 1);
  m.streak(L, 1);
  m.roundFailed(L, { abort: true, panic: false });
  m.workflowAccepted(L, 120);
  m.workflowEnded(L, "Success", 2500);
  m.workflowEnded(L, "Aborted", 10);
  m.nodeEnded(L, "Succeeded", 40, "HIT");
  m.nodeEnded(L, "TimedOut", 40, undefined);
  m.nodeAttemptFailed(L, "USER", false, 7);
  m.nodeAttemptFailed(L, "SYSTEM", true, 9);
  m.eventRecorded(L, "node", false, 1, true);
  m.pluginHandled("local-process", 250, true);
  const t = await r.metrics();
  const P = "flyte:propeller:all:";
  assert.equal(sample(t, `${P}round:success_count`), 2);
  assert.equal(sample(t, `${P}round:error_count`), 1);
  assert.equal(sample(t, `${P}round:round_total_ms_count`), 3);
  assert.equal(sample(t, `${P}round:round_total_ms_sum`), 12);
  assert.equal(sample(t, `${P}round:raw_ms_count`, L), 1);
  assert.equal(sample(t, `${P}round:raw_unlabeled_ms_count`), 1);
  assert.equal(sample(t, `${P}round:streak_length`, L), 2);
  assert.equal(sample(t, `${P}round:system_error_unlabeled`), 1);
  assert.equal(sample(t, `${P}round:abort_error`, L), 1);
  assert.equal(sample(t, `${P}round:panic_unlabeled`), 0);
  assert.equal(sample(t, `${P}workflow:accepted`, L), 1);
  assert.equal(sample(t, `${P}workflow:acceptance_latency_ms_sum`, L), 120);
  assert.equal(sample(t, `${P}workflow:success_duration_unlabeled_ms_count`), 1);
  assert.equal(sample(t, `${P}workflow:success_duration_unlabeled_ms_bucket`, { le: "1000" }), 0);
  assert.equal(sample(t, `${P}workflow:success_duration_unlabeled_ms_bucket`, { le: "5000" }), 1);
  assert.equal(sample(t, `${P}workflow:failure_duration_unlabeled_ms_count`), 0);
  assert.equal(sample(t, `${P}workflow:completed`, { project: L.project, domain: L.domain, phase: "Aborted" }), 1);
  assert.equal(sample(t, `${P}node:success_duration_ms_count`, L), 1);
  assert.equal(sample(t, `${P}node:timeout_fail`, L), 1);
  assert.equal(
    sample(t, `${P}node:failure_duration_unlabeled_ms_count`),
    0,
    "a timeout is not a failure duration (upstream)",
  );
  assert.equal(sample(t, `${P}discovery_hit_count`, L), 1);
  assert.equal(sample(t, `${P}node:user_error_duration_ms_sum`, L), 7);
  assert.equal(sample(t, `${P}node:perma_system_error_duration_unlabeled_ms_sum`), 9);
  assert.equal(sample(t, `${P}node:event_recording:failure_duration_ms_count`, L), 1);
  assert.equal(sample(t, `${P}node:event_recording:already_exists`, L), 1);
  assert.equal(sample(t, `${P}plugin_exec_latency_us_count`, { plugin: "local-process", ok: "true" }), 1);
});

test("gauges read the engine view at scrape time; active executions by project and domain", async () => {
  const r = new Registry();
  const m = createEngineMetrics(r);
  let free = 3;
  m.observe({
    freeWorkers: () => free,
    queueDepth: () => 7,
    unfinishedWorkSeconds: () => 1.5,
    longestRunningSeconds: () => 1,
    activeExecutions: async () => ["p1/development/a", "p1/development/b", "p2/staging/c"],
  });
  let t = await r.metrics();
  assert.equal(sample(t, "flyte:propeller:all:free_workers_count"), 3);
  assert.equal(sample(t, "flyte:propeller:all:main_depth"), 7);
  assert.equal(sample(t, "flyte:propeller:all:main_unfinished_work_s"), 1.5);
  assert.equal(sample(t, "flyte:propeller:all:collector:flyteworkflow", { project: "p1", domain: "development" }), 2);
  assert.equal(sample(t, "flyte:propeller:all:collector:flyteworkflow", { project: "p2", domain: "staging" }), 1);
  free = 1;
  t = await r.metrics();
  assert.equal(sample(t, "flyte:propeller:all:free_workers_count"), 1);
});

test("the no-op metrics accept every hook", () => {
  const m: EngineMetrics = NOOP_ENGINE_METRICS;
  m.handled(1, true);
  m.nodeEnded(L, "Succeeded", 1, undefined);
  m.pluginHandled("x", 1, false);
});

test("labels: project and domain of the execution, wf = the workflow id without its version", () => {
  const spec = {
    executionId: { project: "p", domain: "d", name: "e1" },
    closure: { primary: { template: { id: { project: "p", domain: "d", name: "my.wf", version: "v7" } } } },
  } as unknown as Parameters<typeof labelsOf>[0];
  assert.deepEqual(labelsOf(spec), { project: "p", domain: "d", wf: "p:d:my.wf" });
  assert.equal(labelsOf(spec), labelsOf(spec), "computed once per spec");
});

test("panics are programming errors, not reported failures", () => {
  assert.equal(isPanic(new TypeError("x is undefined")), true);
  assert.equal(isPanic(new Error("admin unavailable")), false);
});

test("timed plugin: handle is measured (ok or not), everything else reaches the plugin itself", async () => {
  const calls: string[] = [];
  class Plugin implements TaskPlugin {
    readonly id = "fake";
    readonly taskTypes = ["python-task"];
    #secret = "private";
    extra() {
      return this.#secret;
    }
    async handle(_ctx: unknown, _state: unknown) {
      calls.push("handle");
      if (calls.length > 1) throw new Error("boom");
      return { status: { phase: "Running" as const, version: 0 }, state: {} };
    }
    async abort(_ctx: unknown, _state: unknown, _reason: string) {
      calls.push(`abort ${this.#secret}`);
    }
    async finalize() {}
  }
  const seen: Array<[string, boolean]> = [];
  const m = {
    ...NOOP_ENGINE_METRICS,
    pluginHandled: (p: string, us: number, ok: boolean) => void seen.push([p, ok && us >= 0]),
  };
  const plugin = new Plugin();
  const timed = timedPlugin(plugin, m) as Plugin;
  assert.equal(timed.id, "fake");
  assert.deepEqual(timed.taskTypes, ["python-task"]);
  assert.ok(timed instanceof Plugin);
  assert.equal(timed.extra(), "private");
  const ctx = {} as Parameters<TaskPlugin["handle"]>[0];
  await timed.handle(ctx, undefined);
  await assert.rejects(timed.handle(ctx, undefined), /boom/);
  await timed.abort(ctx, undefined, "stop");
  assert.deepEqual(seen, [
    ["fake", true],
    ["fake", false],
  ]);
  assert.deepEqual(calls, ["handle", "handle", "abort private"]);
});

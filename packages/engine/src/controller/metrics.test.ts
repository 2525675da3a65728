// Engine metrics (upstream flytepropeller/pkg/controller/nodes/executor.go) from real runs: an engine with createEngineMetrics on its own registry runs small workflows,
// and the registry's exposition shows what happened — rounds, node and workflow outcomes, latencies, events, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import type { CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { engineHarness } from "../testing/harness.ts";
import { never, permanentFailure, succeed } from "../testing/fake-plugin.ts";
import { b, compiler, incOutputs, intLit } from "../testing/workflows.ts";
import { sample } from "../testing/metrics-sample.ts";
import { createEngineMetrics } from "../metrics/prom-engine-metrics.ts";

const P = "flyte:propeller:all:";

const oneTask = () =>
  compiler.ok(
    b.workflow(
      "one",
      [b.taskNode("n0", "inc", [b.bind("a", b.promise("start-node", "x"))])],
      { x: b.INT },
      { y: b.INT },
      [b.bind("y", b.promise("n0", "o"))],
    ),
  );

function labelsFor(closure: CompiledWorkflowClosure) {
  const id = closure.primary!.template!.id!;
  return { project: "p", domain: "d", wf: `${id.project}:${id.domain}:${id.name}` };
}

/** Polls until `read` gives `want` (or 2 s pass) and returns the last value read. */
async function eventually<T>(read: () => Promise<T>, want: T): Promise<T> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const v = await read();
    if (v === want || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
}

function withMetrics() {
  const registry = new Registry();
  const h = engineHarness({ metrics: createEngineMetrics(registry) });
  return { h, scrape: () => registry.metrics() };
}

test("a successful run: rounds, node and workflow outcomes, latency histograms, events, plugin calls, queue", async () => {
  const { h, scrape } = withMetrics();
  h.plugin.script("inc", succeed(incOutputs));
  const closure = oneTask();
  const L = labelsFor(closure);
  await h.engine.start();
  try {
    await h.launch("e1", closure, { x: intLit(41) });
    assert.equal((await h.waitTerminal("e1")).phase, "Success");
    const t = await scrape();
    const rounds = sample(t, `${P}round:success_count`)!;
    assert.ok(rounds >= 1, `round:success_count ${rounds}`);
    assert.equal(sample(t, `${P}round:error_count`), 0);
    assert.equal(sample(t, `${P}round:round_total_ms_count`), rounds + 0, "one round_total per handling");
    assert.ok(
      sample(t, `${P}round:raw_unlabeled_ms_count`)! >= 5,
      "Ready, start, n0 queued/running/done, end, Succeeding, Success",
    );
    assert.equal(sample(t, `${P}round:raw_ms_count`, L), sample(t, `${P}round:raw_unlabeled_ms_count`));
    assert.equal(sample(t, `${P}round:streak_length_unlabeled`), sample(t, `${P}round:raw_unlabeled_ms_count`));
    assert.equal(sample(t, `${P}round:system_error_unlabeled`), 0);
    assert.ok(
      sample(t, `${P}round:closure_read_ms_count`, L)! >= 1,
      "the spec is read when the execution is first handled",
    );

    assert.equal(sample(t, `${P}workflow:accepted`, L), 1);
    assert.equal(sample(t, `${P}workflow:acceptance_latency_ms_count`, L), 1);
    assert.equal(sample(t, `${P}workflow:completion_latency_ms_count`, L), 1);
    assert.equal(sample(t, `${P}workflow:success_duration_ms_count`, L), 1);
    assert.equal(sample(t, `${P}workflow:success_duration_unlabeled_ms_count`), 1);
    assert.equal(sample(t, `${P}workflow:failure_duration_unlabeled_ms_count`), 0);
    assert.equal(sample(t, `${P}workflow:completed`, { project: "p", domain: "d", phase: "Success" }), 1);

    assert.equal(
      sample(t, `${P}node:completed`, { project: "p", domain: "d", phase: "Succeeded" }),
      3,
      "start, n0, end",
    );
    assert.equal(
      sample(t, `${P}node:success_duration_ms_count`, L),
      2,
      "n0 and end-node were queued; the start node never is",
    );
    assert.equal(sample(t, `${P}node:queueing_latency_ms_count`, L), 1, "n0 went Queued → Running");
    assert.equal(sample(t, `${P}node:transition_latency_ms_count`, L), 2, "n0 after start, end after n0");
    assert.equal(sample(t, `${P}node:node_input_latency_ms_count`, L), 2);
    assert.ok(sample(t, `${P}node:node_exec_latency_unlabeled_us_count`)! >= 5);

    assert.equal(
      sample(t, `${P}workflow:event_recording:success_duration_ms_count`, L),
      3,
      "RUNNING, SUCCEEDING, SUCCEEDED",
    );
    assert.equal(
      sample(t, `${P}node:event_recording:success_duration_ms_count`, L),
      h.sink.lines("e1").filter((l) => l.startsWith("node ")).length,
    );
    assert.equal(sample(t, `${P}task:event_recording:success_duration_ms_count`, L), 3);
    assert.ok(
      sample(t, `${P}plugin_exec_latency_us_count`, { plugin: h.plugin.id, ok: "true" })! >= 2,
      "queued, then succeeded",
    );

    assert.ok(sample(t, `${P}main_adds`)! >= 1);
    assert.equal(sample(t, `${P}main_retries`), 0);
    assert.ok(sample(t, `${P}main_work_duration_us_count`)! >= 1);
    assert.equal(
      await eventually(async () => sample(await scrape(), `${P}free_workers_count`), 2),
      2,
      "both workers idle once done",
    );
    assert.equal(sample(t, `${P}workers_restarted`), 1);
  } finally {
    await h.engine.stop();
  }
});

test("a failing task and a flaky admin: failure durations, permanent user errors, round errors and retries", async () => {
  const { h, scrape } = withMetrics();
  h.plugin.script("inc", permanentFailure());
  const closure = oneTask();
  const L = labelsFor(closure);
  await h.engine.start();
  try {
    h.sink.failNext = 10; // more than the event retries: the first rounds fail
    await h.launch("e2", closure, { x: intLit(1) });
    assert.equal((await h.waitTerminal("e2")).phase, "Failed");
    const t = await scrape();
    assert.ok(sample(t, `${P}round:error_count`)! >= 1);
    assert.ok(sample(t, `${P}round:system_error`, L)! >= 1);
    assert.equal(sample(t, `${P}round:panic_unlabeled`), 0);
    assert.ok(sample(t, `${P}main_retries`)! >= 1);
    assert.ok(sample(t, `${P}workflow:event_recording:failure_duration_ms_count`, L)! >= 1);
    assert.equal(sample(t, `${P}workflow:completed`, { project: "p", domain: "d", phase: "Failed" }), 1);
    assert.equal(sample(t, `${P}workflow:failure_duration_unlabeled_ms_count`), 1);
    assert.equal(sample(t, `${P}workflow:success_duration_unlabeled_ms_count`), 0);
    assert.equal(sample(t, `${P}node:completed`, { project: "p", domain: "d", phase: "Failed" }), 1);
    assert.equal(sample(t, `${P}node:perma_user_error_duration_ms_count`, L), 1);
    assert.equal(sample(t, `${P}node:failure_duration_ms_count`, L), 1);
  } finally {
    await h.engine.stop();
  }
});

test("an aborted run and the active-executions gauge", async () => {
  const { h, scrape } = withMetrics();
  h.plugin.script("inc", never());
  const closure = oneTask();
  const L = labelsFor(closure);
  await h.engine.start();
  try {
    await h.launch("e3", closure, { x: intLit(1) });
    await h.waitFor("e3", (s) => s.nodes["n0"]?.phase === "Running", "n0 running");
    let t = await scrape();
    assert.equal(sample(t, `${P}collector:flyteworkflow`, { project: "p", domain: "d" }), 1);
    await h.engine.abort(h.id("e3"), "user asked");
    assert.equal((await h.waitTerminal("e3")).phase, "Aborted");
    t = await scrape();
    assert.equal(sample(t, `${P}workflow:workflow_aborted`, L), 1);
    assert.equal(sample(t, `${P}workflow:completed`, { project: "p", domain: "d", phase: "Aborted" }), 1);
    assert.equal(sample(t, `${P}node:completed`, { project: "p", domain: "d", phase: "Aborted" }), 1);
    assert.equal(
      sample(t, `${P}collector:flyteworkflow`, { project: "p", domain: "d" }),
      undefined,
      "nothing active any more",
    );
  } finally {
    await h.engine.stop();
  }
});

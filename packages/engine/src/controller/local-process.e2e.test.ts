// The engine driving the real local-process plugin: host processes run, fail, and are killed on abort.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { CompiledTaskSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { LocalBlobStore } from "@aloft/core";
import { systemClock } from "@aloft/core";
import { harness } from "@aloft/core/testing";
import { Engine } from "./engine.ts";
import { LocalProcessPlugin } from "../plugins/local-process/local-process-plugin.ts";
import { MemoryWorkflowStore } from "../store/memory-workflow-store.ts";
import { RecordingEventSink } from "../testing/recording-sink.ts";
import { b } from "../testing/workflows.ts";
import { isTerminalWorkflowPhase, type WorkflowStatus } from "../executor/status.ts";

const shTask = (name: string, script: string) =>
  create(CompiledTaskSchema, {
    template: create(TaskTemplateSchema, {
      id: b.id(ResourceType.TASK, name),
      type: "container",
      interface: b.iface({}, {}),
      target: { case: "container", value: { image: "ignored", command: ["sh", "-c", script] } },
    }),
  });

test("local processes: success, failure, and abort killing the process", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aloft-engine-lp-"));
  const blobs = new LocalBlobStore({ root: join(dir, "blobs") });
  const plugin = new LocalProcessPlugin({
    logDir: join(dir, "logs"),
    logUrl: (n) => `http://localhost/logs/${n}`,
    clock: systemClock,
    killGraceMs: 200,
  });
  const sink = new RecordingEventSink();
  const engine = new Engine({
    store: new MemoryWorkflowStore(),
    blobs,
    sink,
    plugins: [plugin],
    config: { pollIntervalMs: 20 },
  });
  const compile = harness([shTask("ok", "exit 0"), shTask("bad", "exit 3"), shTask("slow", "sleep 30")]);
  const id = (name: string) => ({ project: "p", domain: "d", name });
  const launch = (name: string, task: string) =>
    engine.launch({
      executionId: id(name),
      closure: compile.ok(b.workflow(name, [b.taskNode("n0", task)])),
      inputs: create(LiteralMapSchema),
      spec: {},
    });
  const waitFor = async (name: string, pred: (s: WorkflowStatus) => boolean) => {
    for (let i = 0; ; i++) {
      const s = await engine.status(id(name));
      if (s && pred(s)) return s;
      if (i > 3000) throw new Error(`timed out: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await engine.start();
  try {
    await launch("ok1", "ok");
    await launch("bad1", "bad");
    await launch("slow1", "slow");
    assert.equal((await waitFor("ok1", (s) => isTerminalWorkflowPhase(s.phase))).phase, "Success");
    const bad = await waitFor("bad1", (s) => isTerminalWorkflowPhase(s.phase));
    assert.equal(bad.phase, "Failed");
    await waitFor("slow1", (s) => s.nodes["n0"]?.task?.phase === "Running");
    await engine.abort(id("slow1"), "user stop");
    assert.equal((await waitFor("slow1", (s) => isTerminalWorkflowPhase(s.phase))).phase, "Aborted");
    assert.deepEqual(sink.lines("slow1").slice(-3), ["task n0#0 ABORTED v0", "node n0 ABORTED", "wf ABORTED"]);
    assert.equal(plugin.runningCount, 0);
  } finally {
    await engine.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test("local processes survive an engine restart: the new engine adopts the running process", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aloft-engine-lp2-"));
  const blobs = new LocalBlobStore({ root: join(dir, "blobs") });
  const store = new MemoryWorkflowStore();
  const sink = new RecordingEventSink();
  const marker = join(dir, "runs");
  const compile = harness([shTask("once", `echo run >> ${marker}; sleep 1`)]);
  const make = () => {
    const plugin = new LocalProcessPlugin({
      logDir: join(dir, "logs"),
      logUrl: (n) => `http://localhost/logs/${n}`,
      clock: systemClock,
    });
    return new Engine({ store, blobs, sink, plugins: [plugin], config: { pollIntervalMs: 20 } });
  };
  const id = { project: "p", domain: "d", name: "rs1" };
  const e1 = make();
  await e1.start();
  await e1.launch({
    executionId: id,
    closure: compile.ok(b.workflow("rs", [b.taskNode("n0", "once")])),
    inputs: create(LiteralMapSchema),
    spec: {},
  });
  for (let i = 0; ; i++) {
    if ((await e1.status(id))?.nodes["n0"]?.task?.phase === "Running") break;
    if (i > 3000) throw new Error("never running");
    await new Promise((r) => setTimeout(r, 10));
  }
  await e1.stop();
  const e2 = make();
  await e2.start();
  try {
    for (let i = 0; ; i++) {
      const s = await e2.status(id);
      if (s && isTerminalWorkflowPhase(s.phase)) {
        assert.equal(s.phase, "Success");
        break;
      }
      if (i > 3000) throw new Error(`timed out: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal((await readFile(marker, "utf8")).trim().split("\n").length, 1, "the task ran once");
    assert.equal(new Set(sink.lines("rs1")).size, sink.lines("rs1").length);
  } finally {
    await e2.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

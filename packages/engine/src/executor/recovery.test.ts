import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  NodeExecutionClosureSchema,
  NodeExecutionGetDataResponseSchema,
  NodeExecutionMetaDataSchema,
  NodeExecutionSchema,
  TaskNodeMetadataSchema,
  WorkflowNodeMetadataSchema,
  type NodeExecution,
} from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import {
  ExecutionMetadata_ExecutionMode,
  ExecutionSchema,
  type ExecutionCreateRequest,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { ParameterMapSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { NodeExecution_Phase, WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import {
  ResourceType,
  type NodeExecutionIdentifier,
  type WorkflowExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { NodeExecutionEvent } from "@aloft/idl/flyteidl/event/event_pb.js";
import { getMessage } from "@aloft/core";
import { MemoryBlobStore } from "@aloft/core";
import { harness } from "@aloft/core/testing";
import { AloftError, Code } from "@aloft/core";
import { Engine } from "../controller/engine.ts";
import type { ChildExecutionPort, RecoveryPort } from "../ports.ts";
import { dynamicWorkflow, writesFutures } from "../testing/dynamic-workflow.ts";
import { FakePlugin, permanentFailure, succeed, type Script } from "../testing/fake-plugin.ts";
import { RecordingEventSink } from "../testing/recording-sink.ts";
import { TASKS, b, compiler, incChain, incOutputs, intLit, intOf } from "../testing/workflows.ts";
import { MemoryWorkflowStore } from "../store/memory-workflow-store.ts";
import type { CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type { Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { isTerminalWorkflowPhase, type WorkflowStatus } from "./status.ts";

/**
 * A RecoveryPort that answers like admin would from the events the engine reported (admin builds node executions
 * from exactly those events): last phase, input/output URIs, target metadata, dynamic flags. NOT_FOUND for a node
 * that reported nothing.
 */
class EventBackedRecovery implements RecoveryPort {
  calls: string[] = [];
  failNext = 0;
  constructor(
    private readonly sink: RecordingEventSink,
    private readonly blobs: MemoryBlobStore,
  ) {}

  #events(id: NodeExecutionIdentifier): NodeExecutionEvent[] {
    this.calls.push(id.nodeId);
    if (this.failNext > 0) {
      this.failNext--;
      throw new AloftError(Code.UNAVAILABLE, "test.unavailable", "admin unavailable");
    }
    const evs = this.sink.events.flatMap((r) =>
      r.kind === "node" && r.event.id?.executionId?.name === id.executionId?.name && r.event.id?.nodeId === id.nodeId
        ? [r.event]
        : [],
    );
    if (evs.length === 0) throw new AloftError(Code.NOT_FOUND, "test.not_found", `no node ${id.nodeId}`);
    return evs;
  }

  async getNodeExecution(id: NodeExecutionIdentifier): Promise<NodeExecution> {
    const evs = this.#events(id);
    const last = evs[evs.length - 1]!;
    const closure = create(NodeExecutionClosureSchema, { phase: last.phase });
    if (last.outputResult.case === "outputUri")
      closure.outputResult = { case: "outputUri", value: last.outputResult.value };
    for (const e of evs) {
      if (e.targetMetadata.case === "taskNodeMetadata") {
        const t = e.targetMetadata.value;
        closure.targetMetadata = {
          case: "taskNodeMetadata",
          value: create(TaskNodeMetadataSchema, { cacheStatus: t.cacheStatus }),
        };
        if (t.dynamicWorkflow?.dynamicJobSpecUri) closure.dynamicJobSpecUri = t.dynamicWorkflow.dynamicJobSpecUri;
      }
      if (e.targetMetadata.case === "workflowNodeMetadata") {
        closure.targetMetadata = {
          case: "workflowNodeMetadata",
          value: create(WorkflowNodeMetadataSchema, { executionId: e.targetMetadata.value.executionId }),
        };
      }
    }
    const input = evs.find((e) => e.inputValue.case === "inputUri")?.inputValue.value;
    return create(NodeExecutionSchema, {
      id,
      inputUri: typeof input === "string" ? input : "",
      closure,
      metadata: create(NodeExecutionMetaDataSchema, {
        isDynamic: evs.some((e) => e.isDynamic),
        specNodeId: last.specNodeId,
      }),
    });
  }

  async getNodeExecutionData(id: NodeExecutionIdentifier) {
    const n = await this.getNodeExecution(id);
    const read = async (uri: string) =>
      uri === "" ? create(LiteralMapSchema) : getMessage(this.blobs, this.blobs.keyOf(uri), LiteralMapSchema);
    const out = n.closure?.outputResult;
    return create(NodeExecutionGetDataResponseSchema, {
      fullInputs: await read(n.inputUri),
      fullOutputs: await read(out?.case === "outputUri" ? out.value : ""),
    });
  }
}

function setup(children?: ChildExecutionPort) {
  const blobs = new MemoryBlobStore();
  const sink = new RecordingEventSink();
  const plugin = new FakePlugin();
  const recovery = new EventBackedRecovery(sink, blobs);
  const engine = new Engine({
    store: new MemoryWorkflowStore(),
    blobs,
    sink,
    plugins: [plugin],
    recovery,
    ...(children ? { children } : {}),
    config: { pollIntervalMs: 2, roundErrorBackoffMs: 2, workers: 2 },
  });
  const id = (name: string) => ({ project: "p", domain: "d", name });
  async function run(
    name: string,
    closure: CompiledWorkflowClosure,
    inputs: Record<string, Literal>,
    recoverFrom?: string,
  ): Promise<WorkflowStatus> {
    await engine.launch({
      executionId: id(name),
      closure,
      inputs: create(LiteralMapSchema, { literals: inputs }),
      spec: { rawOutputPrefix: "raw", ...(recoverFrom ? { recoverFrom: id(recoverFrom) } : {}) },
    });
    const deadline = Date.now() + 20000;
    for (;;) {
      const s = await engine.status(id(name));
      if (s && isTerminalWorkflowPhase(s.phase)) return s;
      if (Date.now() > deadline) throw new Error(`${name} did not finish: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const outputs = (s: WorkflowStatus): Promise<LiteralMap> =>
    getMessage(blobs, blobs.keyOf(s.outputRef!), LiteralMapSchema);
  const startedIn = (name: string) => plugin.started.filter((g) => g.startsWith(`${name}-`));
  const nodeEvent = (exec: string, nodeId: string, phase: NodeExecution_Phase) =>
    sink.events.find(
      (r) =>
        r.kind === "node" &&
        r.event.id?.executionId?.name === exec &&
        r.event.id?.nodeId === nodeId &&
        r.event.phase === phase,
    );
  return { engine, blobs, sink, plugin, recovery, run, outputs, startedIn, nodeEvent };
}

/** `inc`, except in the generated names listed, where the attempt fails for good. */
const incFailingIn =
  (failing: Set<string>): Script =>
  (a) =>
    failing.has(a.ctx.generatedName) ? permanentFailure()(a) : succeed(incOutputs)(a);

const chain = () => incChain(3);

test("recovery: succeeded nodes are copied with RECOVERED events, the failed node and its downstream run again", async () => {
  const t = setup();
  t.plugin.script("inc", incFailingIn(new Set(["orig-n2-0"])));
  await t.engine.start();
  try {
    const orig = await t.run("orig", chain(), { x: intLit(1) });
    assert.equal(orig.phase, "Failed");
    assert.deepEqual(t.startedIn("orig"), ["orig-n0-0", "orig-n1-0", "orig-n2-0"]);

    const rec = await t.run("rec", chain(), { x: intLit(1) }, "orig");
    assert.equal(rec.phase, "Success", JSON.stringify(rec));
    assert.equal(intOf((await t.outputs(rec)).literals["y"]), 4n);
    assert.deepEqual(t.startedIn("rec"), ["rec-n2-0"], "only the node that failed runs again");
    const lines = t.sink.lines("rec");
    for (const l of ["node n0 RECOVERED", "node n1 RECOVERED", "node n2 QUEUED", "node n2 SUCCEEDED", "wf SUCCEEDED"]) {
      assert.ok(lines.includes(l), `${l} missing from\n${lines.join("\n")}`);
    }
    assert.ok(!lines.some((l) => /^node n[01] (QUEUED|RUNNING|SUCCEEDED)$/.test(l)), lines.join("\n"));
    assert.ok(!lines.some((l) => l.startsWith("task n0") || l.startsWith("task n1")), lines.join("\n"));

    // The RECOVERED event reports this execution's copies, where this engine's readers look for them.
    const ev = t.nodeEvent("rec", "n1", NodeExecution_Phase.RECOVERED);
    assert.ok(ev?.kind === "node");
    assert.deepEqual(ev.event.outputResult, {
      case: "outputUri",
      value: "mem://test/metadata/propeller/p-d-rec/n1/data/0/outputs.pb",
    });
    assert.deepEqual(ev.event.inputValue, {
      case: "inputUri",
      value: "mem://test/metadata/propeller/p-d-rec/n1/data/inputs.pb",
    });
    assert.equal(ev.event.targetMetadata.case, "taskNodeMetadata");
    const copied = await getMessage(t.blobs, "metadata/propeller/p-d-rec/n1/data/0/outputs.pb", LiteralMapSchema);
    assert.equal(intOf(copied.literals["o"]), 3n);
    const inputs = await getMessage(t.blobs, "metadata/propeller/p-d-rec/n1/data/inputs.pb", LiteralMapSchema);
    assert.equal(intOf(inputs.literals["a"]), 2n);
    // The rerun node read the recovered upstream's outputs.
    const n2in = await getMessage(t.blobs, "metadata/propeller/p-d-rec/n2/data/inputs.pb", LiteralMapSchema);
    assert.equal(intOf(n2in.literals["a"]), 3n);

    // Recovering a recovery: RECOVERED counts as recoverable, so nothing runs at all.
    const again = await t.run("rec2", chain(), { x: intLit(1) }, "rec");
    assert.equal(again.phase, "Success");
    assert.equal(intOf((await t.outputs(again)).literals["y"]), 4n);
    assert.deepEqual(t.startedIn("rec2"), []);
    assert.ok(t.sink.lines("rec2").includes("node n2 RECOVERED"));
  } finally {
    await t.engine.stop();
  }
});

test("recovery: nodes the original never ran (NOT_FOUND) run normally; admin unavailable retries the round", async () => {
  const t = setup();
  t.plugin.script("inc", succeed(incOutputs));
  await t.engine.start();
  try {
    const rec = await t.run("rec-unknown", chain(), { x: intLit(1) }, "never-ran");
    assert.equal(rec.phase, "Success");
    assert.equal(intOf((await t.outputs(rec)).literals["y"]), 4n);
    assert.deepEqual(t.startedIn("rec-unknown"), ["rec-unknown-n0-0", "rec-unknown-n1-0", "rec-unknown-n2-0"]);
    assert.ok(!t.sink.lines("rec-unknown").some((l) => l.endsWith("RECOVERED")));
    assert.deepEqual(t.recovery.calls, ["n0", "n1", "n2"], "end-node and start-node are not looked up");

    await t.run("plain", chain(), { x: intLit(1) });
    t.recovery.calls = [];
    t.recovery.failNext = 1;
    const rec2 = await t.run("rec-flaky", chain(), { x: intLit(1) }, "plain");
    assert.equal(rec2.phase, "Success");
    assert.deepEqual(t.startedIn("rec-flaky"), []);
    assert.deepEqual(t.recovery.calls.slice(0, 2), ["n0", "n0"], "the round failed and retried the lookup");
  } finally {
    await t.engine.stop();
  }
});

test("recovery inside a sub-workflow: the failed sub-workflow node reruns, its succeeded child is recovered by unique id", async () => {
  const sub = b.workflow(
    "sub",
    [
      b.taskNode("n0", "inc", [b.bind("a", b.promise("start-node", "x"))]),
      b.taskNode("n1", "inc", [b.bind("a", b.promise("n0", "o"))]),
    ],
    { x: b.INT },
    { y: b.INT },
    [b.bind("y", b.promise("n1", "o"))],
  );
  const wf = () =>
    compiler.ok(
      b.workflow(
        "main",
        [
          b.subWorkflowNode("n2", "sub", [b.bind("x", b.promise("start-node", "x"))]),
          b.taskNode("n3", "inc", [b.bind("a", b.promise("n2", "y"))]),
        ],
        { x: b.INT },
        { z: b.INT },
        [b.bind("z", b.promise("n3", "o"))],
      ),
      { subs: [sub] },
    );
  const t = setup();
  t.plugin.script("inc", incFailingIn(new Set(["sw-n2-0-n1-0"])));
  await t.engine.start();
  try {
    assert.equal((await t.run("sw", wf(), { x: intLit(1) })).phase, "Failed");
    const rec = await t.run("sw-rec", wf(), { x: intLit(1) }, "sw");
    assert.equal(rec.phase, "Success", JSON.stringify(rec));
    assert.equal(intOf((await t.outputs(rec)).literals["z"]), 4n);
    assert.deepEqual(t.startedIn("sw-rec"), ["sw-rec-n2-0-n1-0", "sw-rec-n3-0"]);
    const lines = t.sink.lines("sw-rec");
    assert.ok(lines.includes("node n2-0-n0 RECOVERED"), lines.join("\n"));
    assert.ok(lines.includes("node n2 SUCCEEDED"));
    const ev = t.nodeEvent("sw-rec", "n2-0-n0", NodeExecution_Phase.RECOVERED);
    assert.ok(ev?.kind === "node" && ev.event.parentNodeMetadata?.nodeId === "n2");
  } finally {
    await t.engine.stop();
  }
});

test("recovery of a dynamic parent whose workflow failed: the task is not rerun, its futures are, sub-nodes recovered", async () => {
  const t = setup();
  t.plugin.script("gen", writesFutures).script("inc", incFailingIn(new Set(["dy-n0-0-d1-0"])));
  await t.engine.start();
  try {
    assert.equal((await t.run("dy", dynamicWorkflow(), { x: intLit(5) })).phase, "Failed");
    const rec = await t.run("dy-rec", dynamicWorkflow(), { x: intLit(5) }, "dy");
    assert.equal(rec.phase, "Success", JSON.stringify(rec));
    assert.equal(intOf((await t.outputs(rec)).literals["y"]), 7n);
    assert.deepEqual(t.startedIn("dy-rec"), ["dy-rec-n0-0-d1-0"]);
    const lines = t.sink.lines("dy-rec");
    for (const l of [
      "node n0 RUNNING",
      "node n0 DYNAMIC_RUNNING",
      "node n0-0-d0 RECOVERED",
      "node n0-0-d1 SUCCEEDED",
      "node n0 SUCCEEDED",
    ]) {
      assert.ok(lines.includes(l), `${l} missing from\n${lines.join("\n")}`);
    }
  } finally {
    await t.engine.stop();
  }
});

test("a launch-plan node that runs again has its child recover the original's child execution", async () => {
  // Children "fail" in the original and succeed afterwards; every create is recorded.
  const created: ExecutionCreateRequest[] = [];
  const children: ChildExecutionPort = {
    createExecution: async (req) => {
      created.push(req);
    },
    getExecution: async (id: WorkflowExecutionIdentifier) =>
      create(ExecutionSchema, {
        id,
        closure:
          created.length === 1
            ? {
                phase: WorkflowExecution_Phase.FAILED,
                outputResult: { case: "error", value: { code: "Boom", message: "child failed" } },
              }
            : { phase: WorkflowExecution_Phase.SUCCEEDED },
      }),
    getOutputs: async () => create(LiteralMapSchema, { literals: { o: intLit(7) } }),
    terminateExecution: async () => undefined,
  };
  const lp = {
    id: b.id(ResourceType.LAUNCH_PLAN, "child"),
    expectedInputs: create(ParameterMapSchema, { parameters: { a: { var: { type: b.INT } } } }),
    expectedOutputs: b.vars({ o: b.INT }),
  };
  const wf = () =>
    harness(TASKS).ok(
      b.workflow(
        "lp",
        [
          b.taskNode("n0", "inc", [b.bind("a", b.promise("start-node", "x"))]),
          b.launchPlanNode("n1", "child", [b.bind("a", b.promise("n0", "o"))]),
        ],
        { x: b.INT },
        { y: b.INT },
        [b.bind("y", b.promise("n1", "o"))],
      ),
      { lps: [lp] },
    );
  const t = setup(children);
  t.plugin.script("inc", succeed(incOutputs));
  await t.engine.start();
  try {
    assert.equal((await t.run("lp", wf(), { x: intLit(1) })).phase, "Failed");
    assert.equal(created.length, 1);
    assert.equal(created[0]!.spec?.metadata?.mode, ExecutionMetadata_ExecutionMode.CHILD_WORKFLOW);
    const rec = await t.run("lp-rec", wf(), { x: intLit(1) }, "lp");
    assert.equal(rec.phase, "Success", JSON.stringify(rec));
    assert.equal(intOf((await t.outputs(rec)).literals["y"]), 7n);
    assert.deepEqual(t.startedIn("lp-rec"), []);
    assert.equal(created.length, 2);
    const again = created[1]!;
    assert.equal(again.spec?.metadata?.mode, ExecutionMetadata_ExecutionMode.RECOVERED);
    assert.equal(again.spec?.metadata?.referenceExecution?.name, created[0]!.name);
    assert.equal(again.spec?.metadata?.parentNodeExecution?.executionId?.name, "lp-rec");
    assert.notEqual(again.name, created[0]!.name);
  } finally {
    await t.engine.stop();
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { create, fromBinary } from "@bufbuild/protobuf";
import { TaskExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { LiteralMapSchema, LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { arraySize } from "./array-inputs.ts";
import { NodeSchema, type ArrayNode } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ArrayNodeSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { ExecutionSchema, type ExecutionCreateRequest } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { ParameterMapSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { Engine } from "../controller/engine.ts";
import type { EngineConfig } from "../config.ts";
import type { ChildExecutionPort } from "../ports.ts";
import { engineHarness } from "../testing/harness.ts";
import {
  FakePlugin,
  failTimes,
  never,
  permanentFailure,
  queued,
  running,
  succeed,
  type Script,
} from "../testing/fake-plugin.ts";
import { MemoryBlobStore } from "@aloft/core";
import { MemoryWorkflowStore } from "../store/memory-workflow-store.ts";
import { RecordingEventSink } from "../testing/recording-sink.ts";
import { b, compiler, incOutputs, intLit, intOf } from "../testing/workflows.ts";

const list = (...xs: number[]): Literal =>
  create(LiteralSchema, { value: { case: "collection", value: { literals: xs.map((x) => intLit(x)) } } });

function mapWorkflow(extra: Partial<MessageInitShape<typeof ArrayNodeSchema>> = {}) {
  const inner = b.taskNode("inner", "inc");
  const node = create(NodeSchema, {
    id: "m",
    inputs: [b.bind("a", b.promise("start-node", "xs"))],
    target: {
      case: "arrayNode",
      value: { node: inner, isOriginalSubNodeInterface: true, ...extra } as MessageInitShape<typeof ArrayNodeSchema>,
    },
  });
  return compiler.ok(
    b.workflow("map", [node], { xs: b.listOf(b.INT) }, { ys: b.listOf(b.INT) }, [b.bind("ys", b.promise("m", "o"))]),
  );
}

async function run(
  name: string,
  xs: Literal,
  setup: (h: ReturnType<typeof engineHarness>) => void,
  extra = {},
  config: Partial<EngineConfig> = {},
) {
  const h = engineHarness({ config });
  setup(h);
  await h.engine.start();
  try {
    await h.launch(name, mapWorkflow(extra), { xs });
    return { h, s: await h.waitTerminal(name) };
  } finally {
    await h.engine.stop();
  }
}

const ints = (l: Literal | undefined) =>
  l?.value.case === "collection"
    ? l.value.value.literals.map((x) =>
        x.value.case === "scalar" && x.value.value.value.case === "noneType" ? null : intOf(x),
      )
    : [];

test("array node: one sub-node per element, outputs gathered in order, one task execution for the array", async () => {
  const { h, s } = await run("m1", list(1, 2, 3), (h) => h.plugin.script("inc", succeed(incOutputs)));
  assert.equal(s.phase, "Success");
  assert.deepEqual(ints((await h.outputs(s)).literals["ys"]), [2n, 3n, 4n]);
  assert.deepEqual(h.plugin.started.sort(), ["m1-m-0-n0-0", "m1-m-0-n1-0", "m1-m-0-n2-0"]);
  const lines = h.sink.lines("m1");
  assert.ok(!lines.some((l) => l.includes("-n0")), "sub-node events are not forwarded");
  assert.ok(lines.includes("node m SUCCEEDED"));
  const tasks = h.sink.events.flatMap((r) => (r.kind === "task" ? [r.event] : []));
  assert.equal(tasks[0]?.taskType, "container_array");
  assert.equal(tasks[0]?.metadata?.pluginIdentifier, "k8s-array");
  const last = tasks.at(-1)!;
  assert.equal(last.phase, TaskExecution_Phase.SUCCEEDED);
  assert.deepEqual(
    last.metadata?.externalResources.map((r) => [r.index, r.phase]),
    [
      [0, TaskExecution_Phase.SUCCEEDED],
      [1, TaskExecution_Phase.SUCCEEDED],
      [2, TaskExecution_Phase.SUCCEEDED],
    ],
  );
  const node = h.sink.events.find((r) => r.kind === "node" && r.event.id?.nodeId === "m");
  assert.ok(node?.kind === "node" && node.event.isArray);
});

test("array node: sub-nodes retry on their own; min success ratio tolerates failures (none in their place)", async () => {
  const { h, s } = await run(
    "m2",
    list(1, 2, 3, 4),
    (h) => {
      h.plugin.script("inc", async (a) => {
        const x = intOf(a.inputs.literals["a"]);
        if (x === 2n) return permanentFailure()(a);
        if (x === 3n) return failTimes(1, "SYSTEM", succeed(incOutputs))(a);
        return succeed(incOutputs)(a);
      });
    },
    { successCriteria: { case: "minSuccessRatio", value: 0.5 } },
  );
  assert.equal(s.phase, "Success");
  assert.deepEqual(ints((await h.outputs(s)).literals["ys"]), [2n, null, 4n, 5n]);
  assert.ok(h.plugin.started.includes("m2-m-0-n2-1"), "the SYSTEM failure was retried");
});

test("array node: too many failures fail it; mismatched or missing arrays are user errors", async () => {
  const { s } = await run("m3", list(1, 2), (h) => h.plugin.script("inc", permanentFailure()));
  assert.equal(s.phase, "Failed");
  assert.match(s.error!.message, /2 of 2 sub-nodes failed/);
  const { s: empty, h } = await run("m4", list(), (h) => h.plugin.script("inc", succeed(incOutputs)));
  assert.equal(empty.phase, "Success");
  assert.deepEqual(ints((await h.outputs(empty)).literals["ys"]), []);
  const inputs = (m: Record<string, Literal>) => create(LiteralMapSchema, { literals: m });
  assert.throws(() => arraySize(inputs({ a: list(1), b: list(1, 2) }), []), /different lengths/);
  assert.throws(() => arraySize(inputs({ a: intLit(1) }), []), /no input array provided/);
  assert.equal(arraySize(inputs({ a: list(1, 2), b: list(5) }), ["b"]), 2);
  assert.equal(arraySize(inputs({ a: intLit(1) }), ["a"]), 1);
});

test("array node: parallelism bounds the sub-nodes running at once; abort stops them", async () => {
  const h = engineHarness();
  h.plugin.script("inc", never());
  await h.engine.start();
  try {
    await h.launch("m5", mapWorkflow({ parallelismOption: { case: "parallelism", value: 2 } } as Partial<ArrayNode>), {
      xs: list(1, 2, 3, 4, 5),
    });
    await h.waitFor(
      "m5",
      (s) => Object.values(s.nodes["m"]?.children ?? {}).filter((c) => c.phase === "Running").length === 2,
      "two running",
    );
    assert.equal(h.plugin.started.length, 2);
    await h.engine.abort(h.id("m5"), "stop");
    const s = await h.waitTerminal("m5");
    assert.equal(s.phase, "Aborted");
    assert.equal(h.plugin.aborted.length, 2);
    const lines = h.sink.lines("m5");
    assert.ok(lines.includes("task m#0 ABORTED v0"), lines.join("\n"));
    assert.ok(lines.includes("node m ABORTED"));
  } finally {
    await h.engine.stop();
  }
});

test("array node: every sub-node is handed the array node's own inputs file and its index, as upstream", async () => {
  const { h, s } = await run("m6", list(10, 20, 30), (h) => h.plugin.script("inc", succeed(incOutputs)));
  assert.equal(s.phase, "Success");
  assert.deepEqual(ints((await h.outputs(s)).literals["ys"]), [11n, 21n, 31n]);
  const blobs = h.blobs;
  const byIndex = [...h.plugin.contexts].sort((a, b) => a.generatedName.localeCompare(b.generatedName));
  assert.equal(byIndex.length, 3);
  for (const [i, ctx] of byIndex.entries()) {
    assert.equal(
      ctx.inputsUri,
      blobs.uri("metadata/propeller/p-d-m6/m/data/inputs.pb"),
      "the array node's inputs file",
    );
    const file = fromBinary(LiteralMapSchema, await blobs.get(blobs.keyOf(ctx.inputsUri)));
    assert.deepEqual(ints(file.literals["a"]), [10n, 20n, 30n], "the full list");
    assert.equal(ctx.environment["BATCH_JOB_ARRAY_INDEX_VAR_NAME"], "FLYTE_K8S_ARRAY_INDEX");
    assert.equal(ctx.environment["FLYTE_K8S_ARRAY_INDEX"], String(i));
    // The node's own inputs (cache keys, events, {{.Inputs.x}}) stay the element-wise view.
    assert.equal(ctx.inputValuesUri, blobs.uri(`metadata/propeller/p-d-m6/m/data/0/${i}/inputs.pb`));
    const own = fromBinary(LiteralMapSchema, await blobs.get(blobs.keyOf(ctx.inputValuesUri)));
    assert.equal(intOf(own.literals["a"]), BigInt(10 * (i + 1)));
  }
});

test("array node over a launch plan: a child execution per element under its own node event, outputs gathered, no task events", async () => {
  const created: ExecutionCreateRequest[] = [];
  const children: ChildExecutionPort = {
    async createExecution(req) {
      if (!created.some((c) => c.name === req.name)) created.push(req);
    },
    getExecution: async (id) => create(ExecutionSchema, { id, closure: { phase: WorkflowExecution_Phase.SUCCEEDED } }),
    async getOutputs(id) {
      const a = intOf(created.find((c) => c.name === id.name)?.inputs?.literals["a"]);
      return create(LiteralMapSchema, { literals: { o: intLit(a * a) } });
    },
    terminateExecution: async () => undefined,
  };
  const lp = {
    id: b.id(ResourceType.LAUNCH_PLAN, "square"),
    expectedInputs: create(ParameterMapSchema, { parameters: { a: { var: { type: b.INT } } } }),
    expectedOutputs: b.vars({ o: b.INT }),
  };
  const node = create(NodeSchema, {
    id: "m",
    inputs: [b.bind("a", b.promise("start-node", "xs"))],
    // As flytekit writes it: the inner node binds its inputs to the array node's.
    target: {
      case: "arrayNode",
      value: {
        node: b.launchPlanNode("inner", "square", [b.bind("a", b.promise("", "xs"))]),
        isOriginalSubNodeInterface: true,
      },
    },
  });
  const wf = compiler.ok(
    b.workflow("maplp", [node], { xs: b.listOf(b.INT) }, { ys: b.listOf(b.INT) }, [b.bind("ys", b.promise("m", "o"))]),
    { lps: [lp] },
  );
  const h = engineHarness();
  const engine = new Engine({
    store: h.store,
    blobs: h.blobs,
    sink: h.sink,
    plugins: [h.plugin],
    children,
    config: { pollIntervalMs: 2 },
  });
  await engine.start();
  try {
    await engine.launch({
      executionId: h.id("m7"),
      closure: wf,
      inputs: create(LiteralMapSchema, { literals: { xs: list(2, 3, 4) } }),
      spec: {},
    });
    const s = await h.waitTerminal("m7");
    assert.equal(s.phase, "Success", JSON.stringify(s.error));
    assert.deepEqual(ints((await h.outputs(s)).literals["ys"]), [4n, 9n, 16n]);
    assert.deepEqual(created.map((c) => intOf(c.inputs?.literals["a"])).sort(), [2n, 3n, 4n]);
    assert.ok(!h.sink.events.some((r) => r.kind === "task"), "no task execution events (admin requires a task id)");
    assert.ok(h.sink.lines("m7").includes("node m SUCCEEDED"));
    // The elements report their own node events under the array node: admin parents the child executions by them.
    const sub = h.sink.events.find((r) => r.kind === "node" && r.event.id?.nodeId === "m-0-n1");
    assert.ok(sub?.kind === "node" && sub.event.parentNodeMetadata?.nodeId === "m", h.sink.lines("m7").join("\n"));
    assert.equal(
      created.find((c) => intOf(c.inputs?.literals["a"]) === 3n)?.spec?.metadata?.parentNodeExecution?.nodeId,
      "m-0-n1",
    );
  } finally {
    await engine.stop();
  }
});

test("array node with literal offloading (upstream flytepropeller/pkg/controller/nodes/common/utils.go): gathered outputs above the threshold are stored by reference and read back downstream", async () => {
  const h = engineHarness({ config: { literalOffloading: { enabled: true, minSizeInMb: 0.00001, maxSizeInMb: 1 } } });
  h.plugin.script("inc", succeed(incOutputs));
  await h.engine.start();
  try {
    await h.launch("off1", mapWorkflow(), { xs: list(1, 2, 3) });
    const s = await h.waitTerminal("off1");
    assert.equal(s.phase, "Success");
    // The workflow's output binding resolved the reference.
    assert.deepEqual(ints((await h.outputs(s)).literals["ys"]), [2n, 3n, 4n]);
    const objects = (await h.blobs.list("")).items.map((i) => i.key);
    const offloaded = objects.filter((k) => k.endsWith("/o_offloaded_metadata.pb"));
    assert.equal(offloaded.length, 1, objects.join("\n"));
    const outputs = objects.find((k) => k === offloaded[0]!.replace("o_offloaded_metadata.pb", "outputs.pb"))!;
    const ref = fromBinary(LiteralMapSchema, await h.blobs.get(outputs)).literals["o"];
    assert.equal(ref?.value.case, "offloadedMetadata");
    assert.ok(ref?.value.case === "offloadedMetadata" && ref.value.value.inferredType?.type.case === "collectionType");
  } finally {
    await h.engine.stop();
  }
});

/** A plugin limited to `max` tasks at a time (the rest WaitingForResources); records how many waited at once. */
function slotLimited(max: number) {
  const held = new Set<string>();
  const waiting = new Set<string>();
  const seen = { peakWaiting: 0 };
  const script: Script = async (a) => {
    const name = a.ctx.generatedName;
    if (!held.has(name)) {
      if (held.size >= max) {
        waiting.add(name);
        seen.peakWaiting = Math.max(seen.peakWaiting, waiting.size);
        return { phase: "WaitingForResources", version: 0 };
      }
      waiting.delete(name);
      held.add(name);
      return queued();
    }
    held.delete(name);
    await a.writeOutputs(incOutputs(a.inputs));
    return { phase: "Success", version: 0 };
  };
  return { script, seen };
}

const taskEvents = (h: ReturnType<typeof engineHarness>, name: string) =>
  h.sink.events.flatMap((r) =>
    r.kind === "task" && r.event.parentNodeExecutionId?.executionId?.name === name ? [r.event] : [],
  );

test("array node: a RUNNING event carries only the sub-nodes that changed since the previous one; the last carries all", async () => {
  const size = 60;
  const limited = slotLimited(4);
  const { h, s } = await run(
    "m8",
    list(...Array.from({ length: size }, (_, i) => i)),
    (h) => h.plugin.script("inc", limited.script),
    {},
    { arrayEventIntervalMs: 0 },
  );
  assert.equal(s.phase, "Success");
  assert.deepEqual(
    ints((await h.outputs(s)).literals["ys"]),
    Array.from({ length: size }, (_, i) => BigInt(i + 1)),
  );
  const events = taskEvents(h, "m8");
  const running = events.filter((e) => e.phase === TaskExecution_Phase.RUNNING);
  assert.ok(running.length > 3, `${running.length} RUNNING events`);
  // Folded in order by (index, retry attempt), as admin merges them, each event changes every resource it carries.
  const merged = new Map<string, TaskExecution_Phase>();
  for (const e of running) {
    for (const r of e.metadata?.externalResources ?? []) {
      const key = `${r.index}/${r.retryAttempt}`;
      assert.notEqual(merged.get(key), r.phase, `event v${e.phaseVersion} repeats ${key}`);
      merged.set(key, r.phase);
    }
    assert.ok((e.metadata?.externalResources.length ?? 0) < size, `event v${e.phaseVersion} carries every sub-node`);
  }
  const last = events.at(-1)!;
  assert.equal(last.phase, TaskExecution_Phase.SUCCEEDED);
  assert.deepEqual(
    last.metadata?.externalResources.map((r) => [r.index, r.phase]),
    Array.from({ length: size }, (_, i) => [i, TaskExecution_Phase.SUCCEEDED]),
  );
});

test("array node: RUNNING events are spaced by arrayEventIntervalMs; changes in between wait for the next one", async () => {
  const limited = slotLimited(2);
  const { h, s } = await run(
    "m11",
    list(...Array.from({ length: 20 }, (_, i) => i)),
    (h) => h.plugin.script("inc", limited.script),
    {},
    { arrayEventIntervalMs: 3_600_000 },
  );
  assert.equal(s.phase, "Success");
  const events = taskEvents(h, "m11");
  assert.deepEqual(
    events.map((e) => [TaskExecution_Phase[e.phase], e.phaseVersion]),
    [
      ["RUNNING", 1],
      ["SUCCEEDED", 0],
    ],
  );
  assert.equal(events[1]?.metadata?.externalResources.length, 20);
});

test("array node without parallelism starts sub-nodes in waves and none while some wait for resources", async () => {
  const limited = slotLimited(3);
  const { h, s } = await run("m9", list(...Array.from({ length: 100 }, (_, i) => i)), (h) =>
    h.plugin.script("inc", limited.script),
  );
  assert.equal(s.phase, "Success");
  assert.equal(h.plugin.started.length, 100);
  // All 100 started at once would have had ~97 asking for a slot at the same time.
  assert.ok(limited.seen.peakWaiting <= 16, `${limited.seen.peakWaiting} waited at once`);
  assert.deepEqual(
    ints((await h.outputs(s)).literals["ys"]),
    Array.from({ length: 100 }, (_, i) => BigInt(i + 1)),
  );
});

test("array node: a task element moves on in the round it started or ended in, and elements that end at once take no room in the wave", async () => {
  // Saved statuses counted: one per round that changed something. An element that ends in the call that starts it
  // goes NotYetStarted → Queued → Succeeding → Succeeded in one round, and the wave goes on past it.
  class CountingStore extends MemoryWorkflowStore {
    saves = 0;
    override updateStatus(...a: Parameters<MemoryWorkflowStore["updateStatus"]>) {
      this.saves++;
      return super.updateStatus(...a);
    }
  }
  const store = new CountingStore();
  const h = engineHarness({ store });
  h.plugin.script("inc", async (a) => {
    await a.writeOutputs(incOutputs(a.inputs));
    return { phase: "Success", version: 0 };
  });
  await h.engine.start();
  try {
    await h.launch("m11", mapWorkflow(), { xs: list(...Array.from({ length: 64 }, (_, i) => i)) });
    const s = await h.waitTerminal("m11");
    assert.equal(s.phase, "Success");
    assert.deepEqual(
      ints((await h.outputs(s)).literals["ys"]),
      Array.from({ length: 64 }, (_, i) => BigInt(i + 1)),
    );
    // A round per phase instead, in waves of 16 (before): 11 saves.
    assert.ok(store.saves <= 7, `${store.saves} statuses saved`);
  } finally {
    await h.engine.stop();
  }
});

for (const legacy of [false, true]) {
  test(`array node: a new engine resumes mid-array from the saved status${legacy ? " (one saved before the progress was kept)" : ""}: nothing started twice`, async () => {
    const store = new MemoryWorkflowStore();
    const blobs = new MemoryBlobStore();
    const sink = new RecordingEventSink();
    const gate = { open: false };
    // Elements 0..4 succeed at once; the others run until the gate opens.
    const script: Script = async (a) => {
      if (a.call === 1) return queued();
      if (intOf(a.inputs.literals["a"]) >= 5n && !gate.open) return running();
      await a.writeOutputs(incOutputs(a.inputs));
      return { phase: "Success", version: 0 };
    };
    const p1 = new FakePlugin().script("inc", script);
    const h1 = engineHarness({ store, blobs, sink, plugin: p1 });
    const wf = mapWorkflow({ parallelismOption: { case: "parallelism", value: 3 } } as Partial<ArrayNode>);
    await h1.engine.start();
    await h1.launch("m10", wf, { xs: list(...Array.from({ length: 12 }, (_, i) => i)) });
    await h1.waitFor(
      "m10",
      (s) => s.nodes["m"]?.array?.reported === "RUNNING" && Object.keys(s.nodes["m"]?.children ?? {}).length >= 8,
      "the first five done, three running",
    );
    await h1.engine.stop();
    const key = "p/d/m10";
    const saved = (await store.getStatus(key))!;
    const array = saved.status.nodes["m"]!.array!;
    assert.deepEqual(array.active, [5, 6, 7]);
    assert.equal(array.succeeded, 5);
    if (legacy) {
      for (const f of ["next", "active", "succeeded", "failed", "rev", "stateRev"] as const) delete array[f];
      await store.updateStatus(key, saved.status, saved.version);
    }

    const p2 = new FakePlugin().script("inc", script);
    const h2 = engineHarness({ store, blobs, sink, plugin: p2 });
    gate.open = true;
    await h2.engine.start();
    try {
      const s = await h2.waitTerminal("m10");
      assert.equal(s.phase, "Success");
      assert.deepEqual(
        ints((await h2.outputs(s)).literals["ys"]),
        Array.from({ length: 12 }, (_, i) => BigInt(i + 1)),
      );
      const all = [...p1.started, ...p2.started].sort();
      assert.equal(new Set(all).size, all.length, all.join(" "));
      assert.equal(all.length, 12);
      assert.deepEqual(p2.started.sort(), ["m10-m-0-n10-0", "m10-m-0-n11-0", "m10-m-0-n8-0", "m10-m-0-n9-0"]);
    } finally {
      await h2.engine.stop();
    }
  });
}

test("array node with a plugin that wakes on every change: no element waits for the poll, with or without parallelism", async () => {
  /** Runs on the first look and ends a moment later, announcing it (as a warm worker's settled job). */
  const wakeful: Script = async (a) => {
    if (a.call === 1) {
      setTimeout(() => a.ctx.wake?.(), 1);
      return running();
    }
    await a.writeOutputs(incOutputs(a.inputs));
    return { phase: "Success", version: 0 };
  };
  const xs = Array.from({ length: 40 }, (_, i) => i);
  for (const [name, extra] of [
    ["mw1", {}],
    ["mw2", { parallelismOption: { case: "parallelism", value: 3 } } as Partial<ArrayNode>],
  ] as const) {
    // No poll within the test: a round that should have followed at once, and did not, would stall the map.
    const { h, s } = await run(
      name,
      list(...xs),
      (h) => {
        Object.assign(h.plugin, { wakes: true });
        h.plugin.script("inc", wakeful);
      },
      extra,
      { pollIntervalMs: 600_000 },
    );
    assert.equal(s.phase, "Success", name);
    assert.deepEqual(
      ints((await h.outputs(s)).literals["ys"]),
      xs.map((x) => BigInt(x + 1)),
    );
  }
});

test("array node with a plugin that wakes: the waves start one after another without waiting for the poll", async () => {
  const h = engineHarness({ config: { pollIntervalMs: 600_000 } });
  Object.assign(h.plugin, { wakes: true });
  h.plugin.script("inc", never());
  await h.engine.start();
  try {
    await h.launch("mw3", mapWorkflow(), { xs: list(...Array.from({ length: 40 }, (_, i) => i)) });
    // Elements that never end wake nothing: only rounds run at once start the waves after the first.
    await h.waitFor(
      "mw3",
      (s) => Object.values(s.nodes["m"]?.children ?? {}).filter((c) => c.phase === "Running").length === 40,
      "all forty running",
    );
    await h.engine.abort(h.id("mw3"), "stop");
    assert.equal((await h.waitTerminal("mw3")).phase, "Aborted");
  } finally {
    await h.engine.stop();
  }
});

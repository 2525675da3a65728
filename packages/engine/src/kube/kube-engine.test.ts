// The engine's Kubernetes mode on the test API server: FlyteWorkflow resources as the work source, status written
// back with conflict handling, deletion as abort (the finalizer), garbage collection, and leader election handing a
// running workflow over when the leader dies.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { CompiledTaskSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { AloftError, Code, LocalBlobStore, silentLogger, systemClock } from "@aloft/core";
import { harness, ManualClock } from "@aloft/core/testing";
import { createKubeApi, isNotFound, type KubeApi, type KubeObject } from "@aloft/kube";
import { eventually } from "@aloft/kube/testing";
import { Engine } from "../controller/engine.ts";
import { LocalProcessPlugin } from "../plugins/local-process/local-process-plugin.ts";
import { RecordingEventSink } from "../testing/recording-sink.ts";
import { b } from "../testing/workflows.ts";
import { flyteWorkflowResource, startFlyteWorkflowApi, type FlyteWorkflowApi } from "../testing/kube.ts";
import { FlyteWorkflowGarbageCollector } from "./garbage-collector.ts";
import { KubeEngine } from "./kube-engine.ts";
import { KubeWorkflowStore } from "./kube-workflow-store.ts";
import { FINALIZER, flyteWorkflows, hourBucket, LABEL_COMPLETED_TIME, LABEL_TERMINATION_STATUS } from "./resource.ts";
import { decodeStatus } from "./status-codec.ts";

const NS = "p-d";
const shTask = (name: string, script: string) =>
  create(CompiledTaskSchema, {
    template: create(TaskTemplateSchema, {
      id: b.id(ResourceType.TASK, name),
      type: "container",
      interface: b.iface({}, {}),
      target: { case: "container", value: { image: "ignored", command: ["sh", "-c", script] } },
    }),
  });

let k: FlyteWorkflowApi;
let dir: string;
before(async () => {
  k = await startFlyteWorkflowApi([NS, "gc"]);
  dir = await mkdtemp(join(tmpdir(), "aloft-kube-engine-"));
});
after(async () => {
  await k.close();
  await rm(dir, { recursive: true, force: true });
});

/** A KubeApi whose calls `hook` may intercept (another writer, a network cut). */
function interceptedApi(api: KubeApi, hook: { beforeUpdate?: (obj: KubeObject) => Promise<void>; cut?: boolean }) {
  const cut = () => {
    if (hook.cut) throw new AloftError(Code.UNAVAILABLE, "kube.unavailable", "connection refused (test)");
  };
  const wrapped: KubeApi = {
    get: async (...a) => (cut(), api.get(...a)),
    list: async (...a) => (cut(), api.list(...a)),
    watch: async (type, options, onEvent) => {
      cut();
      return api.watch(type, options, (e) => {
        if (!hook.cut) onEvent(e as Parameters<typeof onEvent>[0]);
      });
    },
    create: async (...a) => (cut(), api.create(...a)),
    update: async (type, obj, options) => {
      cut();
      await hook.beforeUpdate?.(obj);
      return api.update(type, obj, options);
    },
    patch: async (...a) => (cut(), api.patch(...a)),
    apply: async (...a) => (cut(), api.apply(...a)),
    delete: async (...a) => (cut(), api.delete(...a)),
    resourceType: async (...a) => (cut(), api.resourceType(...a)),
  };
  return wrapped;
}

function replica(api: KubeApi, name: string, sink: RecordingEventSink) {
  const blobs = new LocalBlobStore({ root: join(dir, "blobs") });
  const plugin = new LocalProcessPlugin({
    logDir: join(dir, "logs"),
    logUrl: (n) => `http://localhost/logs/${n}`,
    clock: systemClock,
    killGraceMs: 200,
  });
  const store = new KubeWorkflowStore({ api, blobs, clock: systemClock, logger: silentLogger() });
  const engine = new Engine({ store, blobs, sink, plugins: [plugin], config: { pollIntervalMs: 20, workers: 2 } });
  return { store, engine, plugin, name };
}

const compile = harness([shTask("ok", "exit 0"), shTask("slow", "sleep 30")]);

async function createWorkflow(name: string, task: string, script?: string, namespace = NS) {
  const closure = script
    ? harness([shTask(task, script)]).ok(b.workflow(name, [b.taskNode("n0", task)]))
    : compile.ok(b.workflow(name, [b.taskNode("n0", task)]));
  const obj = flyteWorkflowResource(closure, create(LiteralMapSchema), { project: "p", domain: "d", name }, namespace);
  return k.api.create<KubeObject>(flyteWorkflows, obj);
}

const getWf = (name: string) => k.api.get<KubeObject>(flyteWorkflows, name, { namespace: NS });
const phaseOf = async (name: string) => decodeStatus(await getWf(name)).status.phase;

test("a status write hitting 409 Conflict is re-read and re-applied: every phase reaches the resource", async () => {
  const sink = new RecordingEventSink();
  let updates = 0;
  // Another writer changes the resource's metadata before every other status write of the engine: its write is stale.
  const api = interceptedApi(k.api, {
    beforeUpdate: async (obj) => {
      if (obj.metadata.name !== "conflict" || updates++ % 2 !== 0) return;
      await k.api.patch(
        flyteWorkflows,
        "conflict",
        { metadata: { annotations: { [`other-${updates}`]: "x" } } },
        {
          namespace: NS,
        },
      );
    },
  });
  const r = replica(api, "a", sink);
  await createWorkflow("conflict", "ok");
  await r.store.start();
  await r.engine.start();
  try {
    await eventually(async () => (await phaseOf("conflict")) === "Success", "the workflow to succeed");
    const wf = await getWf("conflict");
    assert.ok(r.store.stats.conflictsRetried > 0, "the engine met conflicts");
    assert.equal(r.store.stats.conflictsLost, 0);
    // The other writer's changes survive, and so does every transition of the engine.
    assert.equal(wf.metadata.annotations?.["other-1"], "x");
    assert.deepEqual(
      sink.lines("conflict").filter((l) => l.startsWith("wf")),
      ["wf RUNNING", "wf SUCCEEDING", "wf SUCCEEDED"],
    );
    const through = updates - r.store.stats.conflictsRetried;
    assert.equal(decodeStatus(wf).version, through, "one status version per write that went through");
    assert.equal(wf.metadata.labels?.[LABEL_TERMINATION_STATUS], "terminated");
    assert.deepEqual(wf.metadata.finalizers ?? [], [], "the finalizer is removed once finished");
  } finally {
    await r.engine.stop();
    await r.store.stop();
  }
});

test("a status another writer moved is never overwritten: the write fails and the store re-reads", async () => {
  const r = replica(k.api, "a", new RecordingEventSink());
  const created = await createWorkflow("moved", "ok");
  await r.store.start();
  try {
    const key = "p/d/moved";
    assert.equal((await r.store.getStatus(key))?.version, 0);
    // Someone else (a previous leader) wrote version 1 in the meantime.
    const running = { version: 1, status: { phase: "Running", failedAttempts: 0, nodes: {} } };
    await k.api.update(flyteWorkflows, { ...created, status: { phase: 2, aloft: running } });
    await assert.rejects(
      r.store.updateStatus(key, { phase: "Failed", failedAttempts: 0, nodes: {} }, 0),
      (e: AloftError) => e.code === Code.ABORTED,
    );
    assert.equal((await r.store.getStatus(key))?.version, 1, "the next round starts from the fresh status");
    assert.equal(await phaseOf("moved"), "Running");
  } finally {
    await r.store.stop();
  }
});

test("deleting the resource aborts its running task; the finalizer holds it until the engine has", async () => {
  const sink = new RecordingEventSink();
  const r = replica(k.api, "a", sink);
  await createWorkflow("deleted", "slow");
  await r.store.start();
  await r.engine.start();
  try {
    await eventually(
      async () => decodeStatus(await getWf("deleted")).status.nodes["n0"]?.task?.phase === "Running",
      "the task to run",
    );
    assert.deepEqual((await getWf("deleted")).metadata.finalizers, [FINALIZER]);
    await k.api.delete(flyteWorkflows, "deleted", { namespace: NS, propagationPolicy: "Background" });
    await eventually(
      () =>
        getWf("deleted").then(
          () => false,
          (e: unknown) => isNotFound(e),
        ),
      "the resource to be gone",
    );
    assert.deepEqual(sink.lines("deleted").slice(-3), ["task n0#0 ABORTED v0", "node n0 ABORTED", "wf ABORTED"]);
    assert.equal(r.plugin.runningCount, 0, "the task process was stopped");
  } finally {
    await r.engine.stop();
    await r.store.stop();
  }
});

test("a resource deleted before any engine took it up still ends ABORTED (admin's finalizer holds it)", async () => {
  const sink = new RecordingEventSink();
  const r = replica(k.api, "a", sink);
  const created = await createWorkflow("early", "ok");
  await k.api.update(flyteWorkflows, { ...created, metadata: { ...created.metadata, finalizers: [FINALIZER] } });
  await k.api.delete(flyteWorkflows, "early", { namespace: NS, propagationPolicy: "Background" });
  await r.store.start();
  await r.engine.start();
  try {
    await eventually(() => getWf("early").then(() => false, isNotFound), "the resource to be gone");
    assert.deepEqual(sink.lines("early"), ["wf ABORTED"]);
  } finally {
    await r.engine.stop();
    await r.store.stop();
  }
});

test("a shard selector limits an engine to its shard's resources", async () => {
  const one = await createWorkflow("shard-one", "ok", undefined, "gc");
  let other = await createWorkflow("shard-two", "ok", undefined, "gc");
  for (let i = 3; other.metadata.labels?.["shard-key"] === one.metadata.labels?.["shard-key"]; i++)
    other = await createWorkflow(`shard-${i}`, "ok", undefined, "gc");
  const key = one.metadata.labels?.["shard-key"];
  const store = new KubeWorkflowStore({
    api: k.api,
    blobs: new LocalBlobStore({ root: join(dir, "blobs") }),
    clock: systemClock,
    logger: silentLogger(),
    namespace: "gc",
    shardSelector: `shard-key in (${key})`,
  });
  await store.start();
  try {
    const active = await store.listActive();
    assert.ok(active.includes("p/d/shard-one"));
    assert.ok(!active.includes(`p/d/${other.metadata.name}`), "another shard's resource is not this engine's");
  } finally {
    await store.stop();
    for (const o of [one, other]) await k.api.delete(flyteWorkflows, o.metadata.name!, { namespace: "gc" });
  }
});

describe("garbage collection", () => {
  test("deletes finished resources once their completed-time hour is older than the TTL", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 10, 30));
    const logger = silentLogger();
    const gc = new FlyteWorkflowGarbageCollector({ api: k.api, clock, logger, ttlHours: 1, namespace: "gc" });
    const finished = await createWorkflow("gc-done", "ok", undefined, "gc");
    const labels = {
      ...finished.metadata.labels,
      [LABEL_TERMINATION_STATUS]: "terminated",
      [LABEL_COMPLETED_TIME]: hourBucket(clock.now()),
    };
    await k.api.update(flyteWorkflows, { ...finished, metadata: { ...finished.metadata, labels } });
    await createWorkflow("gc-running", "ok", undefined, "gc");
    assert.equal(await gc.collect(), 0, "within the TTL");
    clock.advance(3_600_000);
    assert.equal(await gc.collect(), 0, "the previous hour is still kept with a 1 h TTL");
    clock.advance(3_600_000);
    assert.equal(await gc.collect(), 1);
    const get = (name: string) => k.api.get<KubeObject>(flyteWorkflows, name, { namespace: "gc" });
    await assert.rejects(get("gc-done"), (e: unknown) => isNotFound(e));
    assert.ok(await get("gc-running"), "unfinished resources are never collected");
  });
});

test("two replicas with leader election: the leader dies mid-task, the follower finishes the workflow once", async () => {
  const sink = new RecordingEventSink();
  const marker = join(dir, "runs.txt");
  const hook = { cut: false };
  const aApi = interceptedApi(k.api, hook);
  const a = replica(aApi, "a", sink);
  const bApi = createKubeApi(k.server.kubeConfig(), { fieldManager: "aloft-test-b" });
  const bb = replica(bApi, "b", sink);
  const election = (identity: string) => ({
    namespace: NS,
    name: "aloft-engine",
    identity,
    leaseDurationMs: 1500,
    renewDeadlineMs: 1000,
    retryPeriodMs: 250,
  });
  const ka = new KubeEngine({
    api: aApi,
    engine: a.engine,
    store: a.store,
    logger: silentLogger(),
    leaderElection: election("a"),
  });
  ka.start();
  await eventually(() => ka.isLeading(), "a to lead");
  const kb = new KubeEngine({
    api: bApi,
    engine: bb.engine,
    store: bb.store,
    logger: silentLogger(),
    leaderElection: election("b"),
  });
  kb.start();
  // Sampled throughout: the two replicas never run rounds at the same time.
  let bothLed = false;
  const sampler = setInterval(() => {
    if (ka.isLeading() && kb.isLeading()) bothLed = true;
  }, 5);
  try {
    await createWorkflow("handover", "once", `echo run >> ${marker}; sleep 1`);
    await eventually(
      async () => decodeStatus(await getWf("handover")).status.nodes["n0"]?.task?.phase === "Running",
      "the task to run on the leader",
    );
    // The leader dies: its connection is cut (it cannot renew, write or release) and it stops.
    hook.cut = true;
    await ka.stop();
    await eventually(() => kb.isLeading(), "the follower to take over");
    await eventually(async () => (await phaseOf("handover")) === "Success", "the workflow to succeed on the follower");
    assert.equal((await readFile(marker, "utf8")).trim().split("\n").length, 1, "the task ran once");
    assert.equal(sink.lines("handover").filter((l) => l === "wf SUCCEEDED").length, 1);
    assert.equal(bothLed, false, "never two leaders");
  } finally {
    clearInterval(sampler);
    await kb.stop();
    await ka.stop();
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { CatalogCacheStatus, CatalogReservation_Status } from "@aloft/idl/flyteidl/core/catalog_pb.js";
import type { CompiledTask } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { ExecutionErrorSchema, NodeExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { TaskMetadataSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import type { NodeExecutionEvent } from "@aloft/idl/flyteidl/event/event_pb.js";
import { LiteralSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { NodeSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { AloftError, Code } from "@aloft/core";
import { harness as compilerHarness } from "@aloft/core/testing";
import { engineHarness } from "../testing/harness.ts";
import { succeed, type Script } from "../testing/fake-plugin.ts";
import { MemoryCatalog } from "../testing/memory-catalog.ts";
import { TASKS, addOutputs, b, incOutputs, intLit, intOf } from "../testing/workflows.ts";
import { WAITING_ON_SERIALIZED_CACHE } from "./task-cache.ts";

interface CacheMeta {
  version?: string;
  serializable?: boolean;
  ignore?: string[];
}

function cachedTask(
  name: string,
  inputs: Record<string, LiteralType>,
  outputs: Record<string, LiteralType>,
  m: CacheMeta = {},
): CompiledTask {
  const t = b.task(name, inputs, outputs);
  t.template!.metadata = create(TaskMetadataSchema, {
    discoverable: true,
    discoveryVersion: m.version ?? "1.0",
    cacheSerializable: m.serializable ?? false,
    cacheIgnoreInputVars: m.ignore ?? [],
  });
  return t;
}

/** main(x) → n0 = cinc(x) [cached] → n1 = inc(n0.o) → z. */
function incClosure(m: CacheMeta = {}) {
  const cinc = cachedTask("cinc", { a: b.INT }, { o: b.INT }, m);
  const wf = b.workflow(
    "main",
    [
      b.taskNode("n0", "cinc", [b.bind("a", b.promise("start-node", "x"))]),
      b.taskNode("n1", "inc", [b.bind("a", b.promise("n0", "o"))]),
    ],
    { x: b.INT },
    { z: b.INT },
    [b.bind("z", b.promise("n1", "o"))],
  );
  return compilerHarness([...TASKS, cinc]).ok(wf);
}

type H = ReturnType<typeof engineHarness>;

function nodeEvents(h: H, exec: string, nodeId = "n0"): NodeExecutionEvent[] {
  return h.sink.events.flatMap((r) =>
    r.kind === "node" && r.event.id?.executionId?.name === exec && r.event.id.nodeId === nodeId ? [r.event] : [],
  );
}

function cacheOf(e: NodeExecutionEvent | undefined) {
  assert.ok(e?.targetMetadata.case === "taskNodeMetadata", "task node metadata");
  return e.targetMetadata.value;
}

const succeededEvent = (h: H, exec: string, nodeId = "n0") =>
  nodeEvents(h, exec, nodeId).find((e) => e.phase === NodeExecution_Phase.SUCCEEDED);

const taskEventsOf = (h: H, exec: string, nodeId = "n0") =>
  h.sink.events.filter(
    (r) =>
      r.kind === "task" &&
      r.event.parentNodeExecutionId?.executionId?.name === exec &&
      r.event.parentNodeExecutionId.nodeId === nodeId,
  );

async function run(h: H, name: string, closure: ReturnType<typeof incClosure>, x: number, spec = {}) {
  await h.launch(name, closure, { x: intLit(x) }, spec);
  const s = await h.waitTerminal(name);
  assert.equal(s.phase, "Success", `${name}: ${JSON.stringify(s.error)}`);
  return intOf((await h.outputs(s)).literals["z"]);
}

async function withEngine(catalog: MemoryCatalog | undefined, body: (h: H) => Promise<void>, script?: Script) {
  const h = engineHarness(catalog ? { catalog } : {});
  h.plugin
    .script("cinc", script ?? succeed(incOutputs))
    .script("inc", succeed(incOutputs))
    .script("cadd", succeed(addOutputs));
  await h.engine.start();
  try {
    await body(h);
  } finally {
    await h.engine.stop();
  }
}

const startedFor = (h: H, exec: string, nodeId = "n0") => h.plugin.started.filter((g) => g === `${exec}-${nodeId}-0`);

test("first run populates the cache; a second execution hits it: no task run, outputs copied, SUCCEEDED at once", async () => {
  const catalog = new MemoryCatalog();
  await withEngine(catalog, async (h) => {
    const closure = incClosure();
    assert.equal(await run(h, "c1", closure, 1), 3n);
    assert.equal(startedFor(h, "c1").length, 1);
    const queued = nodeEvents(h, "c1").find((e) => e.phase === NodeExecution_Phase.QUEUED);
    assert.equal(cacheOf(queued).cacheStatus, CatalogCacheStatus.CACHE_MISS);
    const populated = cacheOf(succeededEvent(h, "c1"));
    assert.equal(populated.cacheStatus, CatalogCacheStatus.CACHE_POPULATED);
    assert.equal(populated.catalogKey?.datasetId?.name, "flyte_task-cinc");
    assert.match(populated.catalogKey?.datasetId?.version ?? "", /^1\.0-[\w-]{8}-[\w-]{8}$/);
    assert.match(populated.catalogKey?.artifactTag?.name ?? "", /^flyte_cached-[\w-]{43}$/);
    // the uncached downstream task reports DISABLED
    assert.equal(cacheOf(succeededEvent(h, "c1", "n1")).cacheStatus, CatalogCacheStatus.CACHE_DISABLED);
    assert.equal(catalog.artifacts().length, 1);
    assert.deepEqual(catalog.artifacts()[0]!.metadata?.keyMap, {
      "exec-project": "p",
      "exec-domain": "d",
      "execution-name": "c1",
      "exec-node": "n0",
      "exec-attempt": "0",
    });

    assert.equal(await run(h, "c2", closure, 1), 3n);
    assert.equal(startedFor(h, "c2").length, 0, "the cached task did not run");
    assert.equal(startedFor(h, "c2", "n1").length, 1, "the downstream task ran on the cached outputs");
    assert.deepEqual(taskEventsOf(h, "c2"), []);
    assert.deepEqual(
      nodeEvents(h, "c2").map((e) => NodeExecution_Phase[e.phase]),
      ["SUCCEEDED"],
    );
    const hit = cacheOf(succeededEvent(h, "c2"));
    assert.equal(hit.cacheStatus, CatalogCacheStatus.CACHE_HIT);
    assert.equal(hit.catalogKey?.artifactTag?.name, populated.catalogKey?.artifactTag?.name);
    assert.equal(hit.catalogKey?.artifactTag?.artifactId, catalog.artifacts()[0]!.id);
    assert.ok(hit.catalogKey?.sourceExecution.case === "sourceTaskExecution");
    assert.equal(hit.catalogKey.sourceExecution.value.nodeExecutionId?.executionId?.name, "c1");
    assert.equal(hit.catalogKey.sourceExecution.value.taskId?.version, "v1");
    assert.ok(succeededEvent(h, "c2")?.outputResult.case === "outputUri");
    assert.equal(catalog.artifacts().length, 1, "a hit writes nothing");
  });
});

test("a changed input misses; a changed cache version misses", async () => {
  const catalog = new MemoryCatalog();
  await withEngine(catalog, async (h) => {
    assert.equal(await run(h, "i1", incClosure(), 1), 3n);
    assert.equal(await run(h, "i2", incClosure(), 5), 7n);
    assert.equal(startedFor(h, "i2").length, 1);
    assert.equal(cacheOf(succeededEvent(h, "i2")).cacheStatus, CatalogCacheStatus.CACHE_POPULATED);
    assert.equal(await run(h, "i3", incClosure({ version: "2.0" }), 1), 3n);
    assert.equal(startedFor(h, "i3").length, 1);
    const v2 = cacheOf(succeededEvent(h, "i3")).catalogKey?.datasetId?.version ?? "";
    assert.ok(v2.startsWith("2.0-"), v2);
    // and the original key still hits
    assert.equal(await run(h, "i4", incClosure(), 5), 7n);
    assert.equal(startedFor(h, "i4").length, 0);
  });
});

test("max cache age: an entry older than engine cacheMaxAgeMs is a miss and is written again", async () => {
  let catalogNow = Date.now();
  const catalog = new MemoryCatalog(() => catalogNow);
  const h = engineHarness({ catalog, config: { cacheMaxAgeMs: 60_000 } });
  h.plugin.script("cinc", succeed(incOutputs)).script("inc", succeed(incOutputs));
  await h.engine.start();
  try {
    const closure = incClosure();
    assert.equal(await run(h, "a1", closure, 1), 3n);
    assert.equal(await run(h, "a2", closure, 1), 3n);
    assert.equal(startedFor(h, "a2").length, 0, "a fresh entry hits");
    // The next artifact is stamped two minutes in the past: too old for a one-minute limit.
    catalogNow = Date.now() - 120_000;
    assert.equal(await run(h, "a3", closure, 7), 9n);
    catalogNow = Date.now();
    assert.equal(await run(h, "a4", closure, 7), 9n);
    assert.equal(startedFor(h, "a4").length, 1, "the stale entry is not used");
    assert.equal(cacheOf(succeededEvent(h, "a4")).cacheStatus, CatalogCacheStatus.CACHE_POPULATED);
  } finally {
    await h.engine.stop();
  }
});

test("overwrite_cache skips the lookup (SKIPPED), runs the task and overwrites the entry", async () => {
  const catalog = new MemoryCatalog();
  let bump = 1n;
  const script: Script = succeed((inputs) => ({ o: intLit(intOf(inputs.literals["a"]) + bump) }));
  await withEngine(
    catalog,
    async (h) => {
      assert.equal(await run(h, "o1", incClosure(), 1), 3n);
      bump = 100n;
      assert.equal(await run(h, "o2", incClosure(), 1, { overwriteCache: true }), 102n);
      assert.equal(startedFor(h, "o2").length, 1, "the task ran despite the cache entry");
      assert.equal(
        cacheOf(nodeEvents(h, "o2").find((e) => e.phase === NodeExecution_Phase.QUEUED)).cacheStatus,
        CatalogCacheStatus.CACHE_SKIPPED,
      );
      const written = cacheOf(succeededEvent(h, "o2"));
      assert.equal(written.cacheStatus, CatalogCacheStatus.CACHE_POPULATED);
      assert.equal(catalog.calls.updateArtifact, 1);
      assert.equal(catalog.artifacts().length, 1, "updated in place");
      // a normal execution now hits the rewritten outputs
      assert.equal(await run(h, "o3", incClosure(), 1), 102n);
      assert.equal(startedFor(h, "o3").length, 0);
      // overwrite without an existing entry falls back to creating one
      assert.equal(await run(h, "o4", incClosure(), 7, { overwriteCache: true }), 108n);
      assert.equal(catalog.calls.updateArtifact, 2);
      assert.equal(catalog.artifacts().length, 2);
    },
    script,
  );
});

test("cache_ignore_input_vars: an ignored input does not change the key", async () => {
  const catalog = new MemoryCatalog();
  const cadd = cachedTask("cadd", { a: b.INT, b: b.INT }, { o: b.INT }, { ignore: ["b"] });
  const wf = b.workflow(
    "main",
    [b.taskNode("n0", "cadd", [b.bind("a", b.promise("start-node", "x")), b.bind("b", b.promise("start-node", "y"))])],
    { x: b.INT, y: b.INT },
    { z: b.INT },
    [b.bind("z", b.promise("n0", "o"))],
  );
  const closure = compilerHarness([...TASKS, cadd]).ok(wf);
  await withEngine(catalog, async (h) => {
    const go = async (name: string, x: number, y: number) => {
      await h.launch(name, closure, { x: intLit(x), y: intLit(y) });
      const s = await h.waitTerminal(name);
      assert.equal(s.phase, "Success");
      return intOf((await h.outputs(s)).literals["z"]);
    };
    assert.equal(await go("g1", 1, 2), 3n);
    assert.equal(await go("g2", 1, 50), 3n, "hit: b is ignored");
    assert.equal(startedFor(h, "g2").length, 0);
    assert.equal(await go("g3", 2, 2), 4n, "a is not ignored");
    assert.equal(startedFor(h, "g3").length, 1);
  });
});

test("a catalog that cannot take the outputs: PUT_FAILURE, and the node still succeeds", async () => {
  const catalog = new MemoryCatalog();
  catalog.fail = (op) =>
    op === "createArtifact" ? new AloftError(Code.UNAVAILABLE, "test.down", "catalog down") : undefined;
  await withEngine(catalog, async (h) => {
    assert.equal(await run(h, "f1", incClosure(), 1), 3n);
    const e = cacheOf(succeededEvent(h, "f1"));
    assert.equal(e.cacheStatus, CatalogCacheStatus.CACHE_PUT_FAILURE);
    assert.equal(e.catalogKey?.datasetId?.name, "flyte_task-cinc");
    assert.equal(catalog.artifacts().length, 0);
  });
});

test("a catalog lookup error other than NOT_FOUND fails the round (not a miss)", async () => {
  const catalog = new MemoryCatalog();
  catalog.fail = (op) =>
    op === "getDataset" ? new AloftError(Code.INTERNAL, "test.broken", "catalog broken") : undefined;
  const h = engineHarness({ catalog, config: { maxWorkflowRetries: 2 } });
  h.plugin.script("cinc", succeed(incOutputs));
  await h.engine.start();
  try {
    await h.launch("l1", incClosure(), { x: intLit(1) });
    const s = await h.waitTerminal("l1");
    assert.equal(s.phase, "Failed");
    assert.equal(startedFor(h, "l1").length, 0, "the task never ran uncached");
    assert.ok(catalog.calls.getDataset >= 3);
  } finally {
    await h.engine.stop();
  }
});

test("a catalog that is unreachable (admin down) is waited for: no failure, no uncached run, then a miss and a run", async () => {
  const catalog = new MemoryCatalog();
  let down = true;
  catalog.fail = (op) =>
    down && op === "getDataset" ? new AloftError(Code.UNAVAILABLE, "test.down", "catalog down") : undefined;
  const h = engineHarness({ catalog, config: { maxWorkflowRetries: 2, roundErrorBackoffMaxMs: 5 } });
  h.plugin.script("cinc", succeed(incOutputs)).script("inc", succeed(incOutputs));
  await h.engine.start();
  try {
    await h.launch("l2", incClosure(), { x: intLit(1) });
    const deadline = Date.now() + 20_000;
    while (catalog.calls.getDataset < 10) {
      assert.ok(Date.now() < deadline, "the catalog was not retried");
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal((await h.engine.status(h.id("l2")))?.phase, "Running", "an outage is not counted against the retries");
    assert.equal(startedFor(h, "l2").length, 0, "the task never ran uncached");
    down = false;
    const end = await h.waitTerminal("l2");
    assert.equal(end.phase, "Success", JSON.stringify(end.error ?? end.message));
    assert.equal(startedFor(h, "l2").length, 1);
  } finally {
    await h.engine.stop();
  }
});

test("a cacheable task without outputs is run and not written (DISABLED)", async () => {
  const catalog = new MemoryCatalog();
  const cnoop = cachedTask("cnoop", {}, {});
  const closure = compilerHarness([...TASKS, cnoop]).ok(b.workflow("main", [b.taskNode("n0", "cnoop")], {}, {}, []));
  await withEngine(catalog, async (h) => {
    for (const name of ["d1", "d2"]) {
      await h.launch(name, closure);
      assert.equal((await h.waitTerminal(name)).phase, "Success");
      assert.equal(cacheOf(succeededEvent(h, name)).cacheStatus, CatalogCacheStatus.CACHE_DISABLED);
    }
    assert.equal(catalog.calls.createArtifact, 0);
  });
});

test("serializable: of two executions at once, one runs while the other waits Queued, then hits", async () => {
  const catalog = new MemoryCatalog();
  let release = false;
  const script: Script = async (a) => {
    if (a.call === 1) return { phase: "Queued", version: 0 };
    if (!release) return { phase: "Running", version: 0 };
    await a.writeOutputs(incOutputs(a.inputs));
    return { phase: "Success", version: 0 };
  };
  await withEngine(
    catalog,
    async (h) => {
      const closure = incClosure({ serializable: true });
      await h.launch("s1", closure, { x: intLit(1) });
      await h.waitFor("s1", (s) => s.nodes["n0"]?.phase === "Running", "s1 running");
      await h.launch("s2", closure, { x: intLit(1) });
      const waiting = await h.waitFor(
        "s2",
        (s) => s.nodes["n0"]?.message === WAITING_ON_SERIALIZED_CACHE,
        "s2 waiting",
      );
      assert.equal(waiting.nodes["n0"]?.phase, "Queued");
      assert.equal(waiting.nodes["n0"]?.cache?.reservation, "EXISTS");
      const checks = catalog.calls.getDataset;
      await new Promise((r) => setTimeout(r, 30));
      assert.ok(catalog.calls.getDataset > checks, "the waiting node looks the cache up again on its visits");
      assert.equal(startedFor(h, "s2").length, 0);
      release = true;
      for (const name of ["s1", "s2"]) {
        const s = await h.waitTerminal(name);
        assert.equal(s.phase, "Success");
        assert.equal(intOf((await h.outputs(s)).literals["z"]), 3n);
      }
      assert.equal(h.plugin.started.filter((g) => g.endsWith("-n0-0")).length, 1, "the task ran once");
      const first = cacheOf(succeededEvent(h, "s1"));
      assert.equal(first.cacheStatus, CatalogCacheStatus.CACHE_POPULATED);
      assert.equal(first.reservationStatus, CatalogReservation_Status.RESERVATION_RELEASED);
      const running = nodeEvents(h, "s1").find((e) => e.phase === NodeExecution_Phase.RUNNING);
      assert.equal(cacheOf(running).reservationStatus, CatalogReservation_Status.RESERVATION_ACQUIRED);
      assert.equal(cacheOf(succeededEvent(h, "s2")).cacheStatus, CatalogCacheStatus.CACHE_HIT);
      assert.deepEqual(
        nodeEvents(h, "s2").map((e) => NodeExecution_Phase[e.phase]),
        ["QUEUED", "SUCCEEDED"],
      );
      assert.deepEqual(taskEventsOf(h, "s2"), []);
    },
    script,
  );
});

test("without a catalog, cacheable (even serializable) tasks run every time and report DISABLED", async () => {
  await withEngine(undefined, async (h) => {
    const closure = incClosure({ serializable: true });
    assert.equal(await run(h, "n1", closure, 1), 3n);
    assert.equal(await run(h, "n2", closure, 1), 3n);
    assert.equal(startedFor(h, "n1").length + startedFor(h, "n2").length, 2);
    for (const name of ["n1", "n2"]) {
      for (const e of nodeEvents(h, name)) assert.equal(cacheOf(e).cacheStatus, CatalogCacheStatus.CACHE_DISABLED);
    }
  });
});

test("map tasks cache per element: a second run hits for the elements seen before and runs the new one", async () => {
  const catalog = new MemoryCatalog();
  const cinc = cachedTask("cinc", { a: b.INT }, { o: b.INT });
  const node = create(NodeSchema, {
    id: "m",
    inputs: [b.bind("a", b.promise("start-node", "xs"))],
    target: { case: "arrayNode", value: { node: b.taskNode("inner", "cinc"), isOriginalSubNodeInterface: true } },
  });
  const closure = compilerHarness([...TASKS, cinc]).ok(
    b.workflow("map", [node], { xs: b.listOf(b.INT) }, { ys: b.listOf(b.INT) }, [b.bind("ys", b.promise("m", "o"))]),
  );
  const list = (...xs: number[]) =>
    create(LiteralSchema, { value: { case: "collection", value: { literals: xs.map((x) => intLit(x)) } } });
  const ints = (s: Awaited<ReturnType<H["waitTerminal"]>>, h: H) =>
    h.outputs(s).then((o) => {
      const l = o.literals["ys"];
      return l?.value.case === "collection" ? l.value.value.literals.map((x) => intOf(x)) : [];
    });
  await withEngine(catalog, async (h) => {
    await h.launch("a1", closure, { xs: list(1, 2) });
    const s1 = await h.waitTerminal("a1");
    assert.equal(s1.phase, "Success");
    assert.deepEqual(await ints(s1, h), [2n, 3n]);
    assert.equal(catalog.artifacts().length, 2);
    await h.launch("a2", closure, { xs: list(2, 1, 5) });
    const s2 = await h.waitTerminal("a2");
    assert.equal(s2.phase, "Success");
    assert.deepEqual(await ints(s2, h), [3n, 2n, 6n]);
    assert.deepEqual(
      h.plugin.started.filter((g) => g.startsWith("a2-")),
      ["a2-m-0-n2-0"],
      "only the new element ran",
    );
  });
});

test("serializable: when the holder fails, its reservation is released and a waiting execution runs the task", async () => {
  const catalog = new MemoryCatalog();
  let release = false;
  const script: Script = async (a) => {
    if (a.call === 1) return { phase: "Queued", version: 0 };
    if (a.ctx.generatedName.startsWith("r1-")) {
      if (!release) return { phase: "Running", version: 0 };
      return {
        phase: "PermanentFailure",
        version: 0,
        error: create(ExecutionErrorSchema, { code: "Boom", message: "boom" }),
      };
    }
    await a.writeOutputs(incOutputs(a.inputs));
    return { phase: "Success", version: 0 };
  };
  await withEngine(
    catalog,
    async (h) => {
      const closure = incClosure({ serializable: true });
      await h.launch("r1", closure, { x: intLit(1) });
      await h.waitFor("r1", (s) => s.nodes["n0"]?.phase === "Running", "r1 running");
      await h.launch("r2", closure, { x: intLit(1) });
      await h.waitFor("r2", (s) => s.nodes["n0"]?.message === WAITING_ON_SERIALIZED_CACHE, "r2 waiting");
      release = true;
      assert.equal((await h.waitTerminal("r1")).phase, "Failed");
      // well before the reservation would lapse (3 × 10s heartbeats)
      const s2 = await h.waitTerminal("r2");
      assert.equal(s2.phase, "Success");
      assert.equal(startedFor(h, "r2").length, 1);
      assert.equal(cacheOf(succeededEvent(h, "r2")).cacheStatus, CatalogCacheStatus.CACHE_POPULATED);
    },
    script,
  );
});

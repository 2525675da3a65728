import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LocalBlobStore } from "@aloft/core";
import { MemoryBlobStore } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";
import { plainNodes, settleNodes } from "../executor/node-map.ts";
import type { NodeStatus, WorkflowStatus } from "../executor/status.ts";
import { BlobWorkflowStore } from "./blob-workflow-store.ts";
import { LocalWorkflowStore } from "./local-workflow-store.ts";
import { MemoryWorkflowStore } from "./memory-workflow-store.ts";
import type { WorkflowStore } from "./workflow-store.ts";
import { incHarness } from "../testing/harness.ts";
import { b, compiler, incChain, intLit, intOf } from "../testing/workflows.ts";

const closure = () => compiler.ok(b.workflow("w", [b.taskNode("n0", "noop")]));
const spec = (name: string) => ({
  executionId: { project: "p", domain: "d", name },
  closure: closure(),
  inputs: create(LiteralMapSchema, { literals: { x: intLit(3) } }),
  spec: { rawOutputPrefix: "raw", envs: { A: "1" } },
  acceptedAt: 5,
});

/** A store, and a new instance of it over the same storage (a restarted engine). */
interface Subject {
  store: WorkflowStore;
  reopen(): WorkflowStore;
}

const tempDirs: string[] = [];
after(async () => {
  for (const d of tempDirs) await rm(d, { recursive: true, force: true });
});
async function localBlobs(): Promise<LocalBlobStore> {
  const dir = await mkdtemp(join(tmpdir(), "aloft-store-"));
  tempDirs.push(dir);
  return new LocalBlobStore({ root: dir });
}

const subjects: [string, () => Promise<Subject>][] = [
  [
    "memory",
    async () => {
      const store = new MemoryWorkflowStore();
      return { store, reopen: () => store };
    },
  ],
  [
    "blob",
    async () => {
      const blobs = new MemoryBlobStore();
      return { store: new BlobWorkflowStore(blobs), reopen: () => new BlobWorkflowStore(blobs) };
    },
  ],
  [
    "blob on a local directory",
    async () => {
      const blobs = await localBlobs();
      return { store: new BlobWorkflowStore(blobs), reopen: () => new BlobWorkflowStore(blobs) };
    },
  ],
  [
    "local",
    async () => {
      const blobs = await localBlobs();
      return { store: new LocalWorkflowStore(blobs), reopen: () => new LocalWorkflowStore(blobs) };
    },
  ],
  [
    "local, compacting every other write",
    async () => {
      const blobs = await localBlobs();
      const options = { maxLines: 2 };
      return { store: new LocalWorkflowStore(blobs, options), reopen: () => new LocalWorkflowStore(blobs, options) };
    },
  ],
];

/** A round's status after `prev`, as the engine makes it: a new node map, new objects for the nodes it moved. */
function round(prev: WorkflowStatus, changes: Record<string, NodeStatus>, fields: Partial<WorkflowStatus> = {}) {
  return { ...prev, ...fields, nodes: { ...prev.nodes, ...changes } };
}

for (const [label, make] of subjects) {
  test(`${label} store: create once, versions, abort requests, active listing`, async () => {
    const { store } = await make();
    assert.equal(await store.create(spec("e1"), { phase: "Ready", failedAttempts: 0, nodes: {} }), true);
    assert.equal(await store.create(spec("e1"), { phase: "Ready", failedAttempts: 0, nodes: {} }), false);
    assert.equal(await store.create(spec("e2"), { phase: "Ready", failedAttempts: 0, nodes: {} }), true);
    const got = await store.getSpec("p/d/e1");
    assert.equal(got?.spec.envs?.["A"], "1");
    assert.equal(intOf(got?.inputs.literals["x"]), 3n);
    assert.equal(got?.closure.primary?.template?.nodes.length, closure().primary?.template?.nodes.length);
    const st = await store.getStatus("p/d/e1");
    assert.equal(st?.version, 1);
    const v2 = await store.updateStatus("p/d/e1", { phase: "Running", failedAttempts: 0, nodes: {} }, 1);
    assert.equal(v2, 2);
    await assert.rejects(
      store.updateStatus("p/d/e1", { phase: "Running", failedAttempts: 0, nodes: {} }, 1),
      (e: unknown) => e instanceof AloftError && e.code === Code.ABORTED,
    );
    assert.equal(await store.requestAbort("p/d/e1", "first"), true);
    assert.equal(await store.requestAbort("p/d/e1", "second"), true);
    assert.equal(await store.getAbortRequest("p/d/e1"), "first");
    assert.equal(await store.requestAbort("p/d/nope", "x"), false);
    assert.deepEqual((await store.listActive()).sort(), ["p/d/e1", "p/d/e2"]);
    await store.updateStatus("p/d/e1", { phase: "Success", failedAttempts: 0, nodes: {} }, 2);
    assert.deepEqual(await store.listActive(), ["p/d/e2"]);
    assert.equal((await store.getStatus("p/d/e1"))?.status.phase, "Success");
  });

  test(`${label} store: reads what was written, also after a restart; a stale version conflicts`, async () => {
    const { store, reopen } = await make();
    let status: WorkflowStatus = { phase: "Ready", failedAttempts: 0, nodes: {} };
    await store.create(spec("r"), status);
    let version = 1;
    const steps: [Record<string, NodeStatus>, Partial<WorkflowStatus>][] = [
      [{ "start-node": { phase: "Succeeded" } }, { phase: "Running", startedAt: 10 }],
      [
        { n0: { phase: "Queued", queuedAt: 11 }, "10": { phase: "NotYetStarted" } },
        { message: "m", failedAttempts: 1 },
      ],
      [{ n0: { phase: "Running", attempts: 1, task: { phase: "Running", version: 1, state: { pid: 7 } } } }, {}],
      [
        {
          sub: {
            phase: "Running",
            sub: { phase: "Running" },
            children: { a: { phase: "Succeeded" }, b: { phase: "Running", message: "héllo \n \u2028" } },
          },
        },
        { failedAttempts: 0, lastUpdatedAt: 12 },
      ],
      [{}, { failureNode: { phase: "Running" }, error: { code: "c", message: "e", kind: "USER" } }],
      [{ n0: { phase: "Succeeded", attempts: 1, stoppedAt: 13 } }, { message: undefined }],
    ];
    for (const [changes, fields] of steps) {
      const next = round(status, changes, fields);
      if (next.message === undefined) delete next.message;
      version = await store.updateStatus("p/d/r", next, version);
      status = next;
      const want = JSON.parse(JSON.stringify(status)) as WorkflowStatus;
      assert.deepEqual(await store.getStatus("p/d/r"), { status: want, version });
      assert.deepEqual(await reopen().getStatus("p/d/r"), { status: want, version });
    }
    // A restarted engine reads, then writes on from there; the old version conflicts.
    const again = reopen();
    const read = (await again.getStatus("p/d/r"))!;
    await assert.rejects(
      again.updateStatus("p/d/r", round(read.status, { n1: { phase: "Queued" } }), version - 1),
      (e: unknown) => e instanceof AloftError && e.code === Code.ABORTED,
    );
    const last = round(read.status, { n1: { phase: "Queued" } });
    assert.equal(await again.updateStatus("p/d/r", last, version), version + 1);
    assert.deepEqual(await reopen().getStatus("p/d/r"), {
      status: JSON.parse(JSON.stringify(last)),
      version: version + 1,
    });
    assert.deepEqual(await again.listActive(), ["p/d/r"]);
    // A finished execution: no node statuses, not active.
    const done: WorkflowStatus = { phase: "Failed", failedAttempts: 0, nodes: {}, stoppedAt: 20 };
    await again.updateStatus("p/d/r", done, version + 1);
    assert.deepEqual(await again.listActive(), []);
    assert.deepEqual(await reopen().getStatus("p/d/r"), { status: done, version: version + 2 });
    await again.close?.();
  });

  test(`${label} store: a node map that is the engine's overlay is written whole, in the order it settles into`, async () => {
    const { store, reopen } = await make();
    const base: Record<string, NodeStatus> = { "start-node": { phase: "Succeeded" }, a: { phase: "Queued" } };
    let status: WorkflowStatus = { phase: "Running", failedAttempts: 0, nodes: base };
    await store.create(spec("o"), status);
    let version = 1;
    /** A round as the engine makes it: its writes over `prev`'s map; written, then settled into `base` in place. */
    const write = async (prev: WorkflowStatus, writes: Record<string, NodeStatus>, named?: Set<string>) => {
      const next: WorkflowStatus = { ...prev, nodes: Object.assign(Object.create(prev.nodes), writes) };
      version = await store.updateStatus("p/d/o", next, version, { since: status, nodes: named ?? new Set() });
      const want = plainNodes(next.nodes);
      for (const s of [store, reopen()]) {
        const got = (await s.getStatus("p/d/o"))!;
        assert.deepEqual(got, { status: JSON.parse(JSON.stringify({ ...next, nodes: want })), version });
        assert.deepEqual(Object.keys(got.status.nodes), Object.keys(want), "in the settled map's order");
      }
      return next;
    };
    const w1 = await write(status, { a: { phase: "Running" }, b: { phase: "Queued" } }, new Set(["a", "b"]));
    w1.nodes = settleNodes(w1.nodes, base);
    status = w1;
    // Two rounds' overlays at once: one not saved on its own, then the one saved with it.
    const unsaved: WorkflowStatus = {
      ...w1,
      nodes: Object.assign(Object.create(w1.nodes), { c: { phase: "Queued" } }),
    };
    const w2 = await write(unsaved, { a: { phase: "Succeeded" } }, new Set(["a", "c"]));
    assert.deepEqual(Object.keys(plainNodes(w2.nodes)), ["start-node", "a", "b", "c"]);
    w2.nodes = settleNodes(w2.nodes, base);
    status = w2;
    await write(w2, { b: { phase: "Running" }, d: { phase: "Queued" } }, new Set(["b", "d"]));
    await store.close?.();
  });
}

test("engine over the blob store on a local directory: runs, and a second engine resumes", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aloft-engine-"));
  try {
    const blobs = new LocalBlobStore({ root: dir });
    const c = incChain(2);
    const h1 = incHarness(new BlobWorkflowStore(blobs), blobs);
    await h1.launch("l1", c, { x: intLit(1) });
    // Not started: the second engine (over a fresh store instance on the same directory) picks it up.
    const h2 = incHarness(new BlobWorkflowStore(blobs), blobs);
    await h2.engine.start();
    try {
      const s = await h2.waitTerminal("l1");
      assert.equal(s.phase, "Success");
      const out = await h2.outputs(s);
      assert.equal(intOf(out.literals["y"]), 3n);
      assert.match(s.outputRef!, /^file:\/\/\/.*\/metadata\/propeller\/p-d-l1\/end-node\/data\/0\/outputs.pb$/);
      assert.deepEqual(await new BlobWorkflowStore(blobs).listActive(), []);
    } finally {
      await h2.engine.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

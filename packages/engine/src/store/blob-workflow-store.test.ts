import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LocalBlobStore } from "@aloft/core";
import { MemoryBlobStore } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";
import { BlobWorkflowStore } from "./blob-workflow-store.ts";
import { MemoryWorkflowStore } from "./memory-workflow-store.ts";
import type { WorkflowStore } from "./workflow-store.ts";
import { engineHarness } from "../testing/harness.ts";
import { FakePlugin, succeed } from "../testing/fake-plugin.ts";
import { b, compiler, incOutputs, intLit, intOf } from "../testing/workflows.ts";

const closure = () => compiler.ok(b.workflow("w", [b.taskNode("n0", "noop")]));
const spec = (name: string) => ({
  executionId: { project: "p", domain: "d", name },
  closure: closure(),
  inputs: create(LiteralMapSchema, { literals: { x: intLit(3) } }),
  spec: { rawOutputPrefix: "raw", envs: { A: "1" } },
  acceptedAt: 5,
});

for (const [label, make] of [
  ["memory", () => new MemoryWorkflowStore()],
  ["blob", () => new BlobWorkflowStore(new MemoryBlobStore())],
] as [string, () => WorkflowStore][]) {
  test(`${label} store: create once, versions, abort requests, active listing`, async () => {
    const store = make();
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
}

test("engine over the blob store on a local directory: runs, and a second engine resumes", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aloft-engine-"));
  try {
    const blobs = new LocalBlobStore({ root: dir });
    const c = compiler.ok(
      b.workflow(
        "w",
        [
          b.taskNode("n0", "inc", [b.bind("a", b.promise("start-node", "x"))]),
          b.taskNode("n1", "inc", [b.bind("a", b.promise("n0", "o"))]),
        ],
        { x: b.INT },
        { y: b.INT },
        [b.bind("y", b.promise("n1", "o"))],
      ),
    );
    const h1 = engineHarness({
      store: new BlobWorkflowStore(blobs),
      blobs,
      plugin: new FakePlugin().script("inc", succeed(incOutputs)),
    });
    await h1.launch("l1", c, { x: intLit(1) });
    // Not started: the second engine (over a fresh store instance on the same directory) picks it up.
    const h2 = engineHarness({
      store: new BlobWorkflowStore(blobs),
      blobs,
      plugin: new FakePlugin().script("inc", succeed(incOutputs)),
    });
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

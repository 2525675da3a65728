// Offloading the static part to the blob store (local directory store): small resources stay whole, large ones
// keep a `workflowClosureReference` and null spec/tasks as upstream admin writes them, and the reader rebuilds the
// same static part and the exact closure.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, equals } from "@bufbuild/protobuf";
import { LocalBlobStore, getMessage, putMessage, workflowClosureKey } from "@aloft/core";
import { WorkflowClosureSchema } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import { CompiledWorkflowClosureSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { incChain, intLit } from "../testing/workflows.ts";
import { buildFlyteWorkflow, serializeFlyteWorkflow } from "./build.ts";
import { DEFAULT_MAX_STATIC_BYTES, offloadStaticPart, resolveStaticPart, staticPartBytes } from "./offload.ts";
import { readFlyteWorkflow } from "./read.ts";

const inputs = create(LiteralMapSchema, { literals: { x: intLit(1) } });
const execId = { project: "p", domain: "d", name: "e1" };

async function withStore<T>(fn: (blobs: LocalBlobStore) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "aloft-fw-offload-"));
  try {
    return await fn(new LocalBlobStore({ root: dir }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("FlyteWorkflow static-part offloading", () => {
  it("leaves a resource under the threshold whole", async () => {
    await withStore(async (blobs) => {
      const closure = incChain(3);
      const wf = buildFlyteWorkflow(closure, inputs, execId, "ns");
      assert.ok(staticPartBytes(wf) < DEFAULT_MAX_STATIC_BYTES);
      const out = await offloadStaticPart(wf, { blobs, closure, closureKey: "metadata/admin/p/d/chain/v1" });
      assert.equal(out, wf);
      assert.equal(await blobs.exists("metadata/admin/p/d/chain/v1"), false);
    });
  });

  it("offloads a resource over the threshold and reads it back", async () => {
    await withStore(async (blobs) => {
      const closure = incChain(400);
      const wf = buildFlyteWorkflow(closure, inputs, execId, "ns");
      const size = staticPartBytes(wf);
      assert.ok(size > 100_000, `static part ${size} bytes`);
      const key = "metadata/propeller/p-d-e1/workflow_closure";
      const out = await offloadStaticPart(wf, { blobs, closure, closureKey: key, maxStaticBytes: 100_000 });
      assert.equal(out.workflowClosureReference, blobs.uri(key));
      assert.equal(out.spec, null);
      assert.equal(out.tasks, null);
      assert.equal("subWorkflows" in out, false);
      assert.ok(serializeFlyteWorkflow(out).length < 10_000, "only the dynamic part stays in the resource");
      assert.ok(serializeFlyteWorkflow(out).includes('"spec":null'), "upstream writes a null spec");
      const stored = await getMessage(blobs, key, WorkflowClosureSchema);
      assert.ok(equals(CompiledWorkflowClosureSchema, stored.compiledWorkflow!, closure));

      const resolved = await resolveStaticPart(out, blobs);
      assert.equal(
        resolved.workflow.workflowClosureReference,
        blobs.uri(key),
        "the reference stays (propeller keeps it)",
      );
      const rebuilt = serializeFlyteWorkflow({ ...resolved.workflow, workflowClosureReference: undefined });
      assert.ok(rebuilt === serializeFlyteWorkflow(wf), "the rebuilt static part is the one offloaded");
      const back = await readFlyteWorkflow(out, blobs);
      assert.ok(
        equals(CompiledWorkflowClosureSchema, back.closure, closure),
        "the offloaded closure comes back exactly",
      );
      await assert.rejects(readFlyteWorkflow(out), /blob store is needed/);
    });
  });

  it("reuses admin's registered closure instead of writing another, and alwaysOffload is upstream's mode", async () => {
    await withStore(async (blobs) => {
      const closure = incChain(2);
      const key = workflowClosureKey({ project: "p", domain: "d", name: "chain", version: "v1" });
      const registered = create(WorkflowClosureSchema, {
        compiledWorkflow: closure,
        createdAt: { seconds: 7n, nanos: 0 },
      });
      await putMessage(blobs, key, WorkflowClosureSchema, registered);
      const wf = buildFlyteWorkflow(closure, inputs, execId, "ns");
      const out = await offloadStaticPart(wf, { blobs, closure, closureKey: key, alwaysOffload: true });
      assert.equal(out.workflowClosureReference, blobs.uri(key));
      const stored = await getMessage(blobs, key, WorkflowClosureSchema);
      assert.equal(stored.createdAt?.seconds, 7n, "the registered closure is not rewritten");
      assert.equal(await offloadStaticPart(out, { blobs, closure, closureKey: key, alwaysOffload: true }), out);
    });
  });
});

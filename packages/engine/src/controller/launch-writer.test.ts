import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { CompiledWorkflowClosureSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { AloftError, Code } from "@aloft/core";
import { MemoryWorkflowStore } from "../store/memory-workflow-store.ts";
import { storeLauncher } from "./launch-writer.ts";

const closure = create(CompiledWorkflowClosureSchema, { primary: { template: { id: { name: "wf" } } } });
const id = { project: "p", domain: "d", name: "e1" };

test("the store launcher writes a launch once (Ready), records aborts, and knows nothing of other executions", async () => {
  const store = new MemoryWorkflowStore();
  const launcher = storeLauncher(store, () => 1234);
  const req = { executionId: id, closure, inputs: create(LiteralMapSchema), spec: { maxParallelism: 0 } };
  assert.equal(await launcher.launch(req), true);
  assert.equal(await launcher.launch(req), false, "launching again is a no-op");
  assert.equal((await store.getSpec("p/d/e1"))?.acceptedAt, 1234);
  assert.equal((await store.getStatus("p/d/e1"))?.status.phase, "Ready");
  assert.equal(await launcher.abort(id, "stop"), true);
  assert.equal(await store.getAbortRequest("p/d/e1"), "stop");
  assert.equal(await launcher.abort({ ...id, name: "other" }, "stop"), false);
});

test("a launch no engine could run is refused as INVALID_ARGUMENT before anything is written", async () => {
  const store = new MemoryWorkflowStore();
  const launcher = storeLauncher(store, () => 0);
  const invalid = (e: unknown) => e instanceof AloftError && e.code === Code.INVALID_ARGUMENT;
  await assert.rejects(
    launcher.launch({ executionId: { ...id, name: "" }, closure, inputs: create(LiteralMapSchema), spec: {} }),
    invalid,
  );
  await assert.rejects(
    launcher.launch({
      executionId: id,
      closure: create(CompiledWorkflowClosureSchema),
      inputs: create(LiteralMapSchema),
      spec: {},
    }),
    invalid,
  );
  assert.deepEqual(await store.listActive(), []);
});

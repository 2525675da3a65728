import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ExecutionMetadata_ExecutionMode, ExecutionSpecSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { PluginOverrideSchema } from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import { launchSpecFromExecutionSpec } from "./launch-spec.ts";

test("launch spec from admin's execution spec", () => {
  const spec = create(ExecutionSpecSchema, {
    maxParallelism: 25,
    rawOutputDataConfig: { outputLocationPrefix: "s3://b/raw" },
    interruptible: false,
    envs: { values: [{ key: "A", value: "1" }] },
  });
  const overrides = [create(PluginOverrideSchema, { taskType: "python-task", pluginId: ["local-process", "other"] })];
  assert.deepEqual(launchSpecFromExecutionSpec(spec, { eventVersion: 2, pluginOverrides: overrides }), {
    maxParallelism: 25,
    rawOutputPrefix: "s3://b/raw",
    interruptible: false,
    envs: { A: "1" },
    taskPluginImpls: { "python-task": "local-process" },
    eventVersion: 2,
  });
  assert.deepEqual(launchSpecFromExecutionSpec(undefined), {});
});

test("a recovery execution names the execution it recovers; a relaunch does not", () => {
  const ref = { project: "p", domain: "d", name: "orig" };
  const recovered = create(ExecutionSpecSchema, { metadata: { mode: ExecutionMetadata_ExecutionMode.RECOVERED, referenceExecution: ref } });
  assert.deepEqual(launchSpecFromExecutionSpec(recovered).recoverFrom, ref);
  const relaunched = create(ExecutionSpecSchema, { metadata: { mode: ExecutionMetadata_ExecutionMode.RELAUNCH, referenceExecution: ref } });
  assert.equal(launchSpecFromExecutionSpec(relaunched).recoverFrom, undefined);
});

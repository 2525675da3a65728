import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ExecutionSpecSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
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

import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ExecutionMetadata_ExecutionMode, ExecutionSpecSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { PluginOverrideSchema } from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import type { ExecuteInput } from "../plugins.ts";
import { launchSpecOf } from "./launch-spec.ts";

test("launchSpecOf flattens the resolved execution config for the engine", () => {
  const spec = create(ExecutionSpecSchema, {
    maxParallelism: 25,
    interruptible: true,
    overwriteCache: true,
    rawOutputDataConfig: { outputLocationPrefix: "s3://bucket/raw" },
    envs: { values: [{ key: "A", value: "1" }] },
  });
  const input = {
    spec,
    eventVersion: 2,
    pluginOverrides: [create(PluginOverrideSchema, { taskType: "python-task", pluginId: ["k8s", "x"] })],
  } as unknown as ExecuteInput;
  assert.deepEqual(launchSpecOf(input), {
    maxParallelism: 25,
    overwriteCache: true,
    eventVersion: 2,
    rawOutputPrefix: "s3://bucket/raw",
    interruptible: true,
    envs: { A: "1" },
    taskPluginImpls: { "python-task": "k8s" },
  });
});

test("launchSpecOf passes RecoverExecution's original execution on to the engine", () => {
  const ref = { project: "p", domain: "d", name: "orig" };
  const spec = create(ExecutionSpecSchema, {
    metadata: { mode: ExecutionMetadata_ExecutionMode.RECOVERED, referenceExecution: ref },
  });
  assert.deepEqual(launchSpecOf({ spec, eventVersion: 2 } as unknown as ExecuteInput).recoverFrom, ref);
  const relaunch = create(ExecutionSpecSchema, {
    metadata: { mode: ExecutionMetadata_ExecutionMode.RELAUNCH, referenceExecution: ref },
  });
  assert.equal(launchSpecOf({ spec: relaunch, eventVersion: 2 } as unknown as ExecuteInput).recoverFrom, undefined);
});

test("launchSpecOf: of two overrides of one task type the last wins, as upstream's map assignment", () => {
  const spec = create(ExecutionSpecSchema, {});
  const pluginOverrides = [
    create(PluginOverrideSchema, { taskType: "python-task", pluginId: ["first"] }),
    create(PluginOverrideSchema, { taskType: "spark", pluginId: [] }),
    create(PluginOverrideSchema, { taskType: "python-task", pluginId: ["last", "fallback"] }),
  ];
  assert.deepEqual(
    launchSpecOf({ spec, eventVersion: 2, pluginOverrides } as unknown as ExecuteInput).taskPluginImpls,
    { "python-task": "last" },
  );
});

test("launchSpecOf keeps max_parallelism 0 (no limit), overwrite_cache false and interruptible false as resolved", () => {
  const spec = create(ExecutionSpecSchema, { maxParallelism: 0, overwriteCache: false, interruptible: false });
  assert.deepEqual(launchSpecOf({ spec, eventVersion: 2 } as unknown as ExecuteInput), {
    maxParallelism: 0,
    overwriteCache: false,
    eventVersion: 2,
    interruptible: false,
  });
});

test("launchSpecOf: an explicit recovery execution is named even when the spec's mode is not RECOVERED", () => {
  const ref = { project: "p", domain: "d", name: "orig" };
  const input = {
    spec: create(ExecutionSpecSchema, {}),
    eventVersion: 2,
    recoveryExecution: ref,
  } as unknown as ExecuteInput;
  assert.deepEqual(launchSpecOf(input).recoverFrom, ref);
});

// AdjustOrDefaultResource and the per-task defaulting of a closure (upstream flyteadmin/pkg/manager/impl/resources/resource_manager.go TASK_RESOURCE).
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { TaskResourceAttributesSchema } from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import { CompiledWorkflowClosureSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { Resources_ResourceName as RN } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { parseQuantity, quantityString } from "@aloft/core";
import { adjustOrDefault, withTaskResourceDefaults } from "./task-resource-defaults.ts";

const q = parseQuantity;
const s = (r: { request: ReturnType<typeof q>; limit: ReturnType<typeof q> }) => [
  quantityString(r.request),
  quantityString(r.limit),
];

test("adjustOrDefault: request from limit or platform default, limit from request, both capped", () => {
  assert.deepEqual(s(adjustOrDefault(q("0"), q("0"), q("500m"), q("2"))), ["500m", "500m"]);
  assert.deepEqual(s(adjustOrDefault(q("0"), q("1"), q("500m"), q("2"))), ["1", "1"]);
  assert.deepEqual(s(adjustOrDefault(q("3"), q("4"), q("500m"), q("2"))), ["2", "2"]);
  assert.deepEqual(s(adjustOrDefault(q("1"), q("0"), q("500m"), q("0"))), ["1", "1"]);
  assert.deepEqual(s(adjustOrDefault(q("600Mi"), q("500Mi"), q("200Mi"), q("1Gi"))), ["500Mi", "500Mi"]);
});

test("container tasks get CPU and memory always, GPU only when asked for", () => {
  const closure = create(CompiledWorkflowClosureSchema, {
    tasks: [
      {
        template: {
          target: {
            case: "container",
            value: {
              resources: {
                requests: [
                  { name: RN.CPU, value: "4" },
                  { name: RN.GPU, value: "1" },
                ],
                limits: [],
              },
            },
          },
        },
      },
      { template: { target: { case: "container", value: {} } } },
    ],
  });
  const platform = create(TaskResourceAttributesSchema, {
    defaults: { cpu: "2", memory: "200Mi" },
    limits: { cpu: "2", memory: "1Gi", gpu: "1" },
  });
  const out = withTaskResourceDefaults(closure, platform);
  const res = (i: number) => {
    const t = out.tasks[i]?.template?.target;
    const r = t?.case === "container" ? t.value.resources : undefined;
    return {
      requests: r?.requests.map((e) => `${RN[e.name]}=${e.value}`),
      limits: r?.limits.map((e) => `${RN[e.name]}=${e.value}`),
    };
  };
  assert.deepEqual(res(0), {
    requests: ["CPU=2", "MEMORY=200Mi", "GPU=1"],
    limits: ["CPU=2", "MEMORY=200Mi", "GPU=1"],
  });
  assert.deepEqual(res(1), { requests: ["CPU=2", "MEMORY=200Mi"], limits: ["CPU=2", "MEMORY=200Mi"] });
  const original = closure.tasks[1]?.template?.target;
  assert.equal(
    original?.case === "container" ? original.value.resources : "x",
    undefined,
    "the input closure is not changed",
  );
});

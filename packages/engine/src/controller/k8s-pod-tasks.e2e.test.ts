// The engine with the pod plugin on the test API server: a pod task (primary + sidecar) succeeds when its primary
// container does and its pod is then deleted; a task whose image cannot be pulled reports the kubelet's events as the
// reasons of its INITIALIZING task events, each once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { CompiledTaskSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { TaskExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import type { TaskExecutionEvent } from "@aloft/idl/flyteidl/event/event_pb.js";
import { getMessage } from "@aloft/core";
import { harness } from "@aloft/core/testing";
import { resources } from "@aloft/kube";
import { eventually, PULL_ERROR_SUFFIX } from "@aloft/kube/testing";
import { podEngine } from "../testing/pod-engine.ts";
import { b, intOf } from "../testing/workflows.ts";
import { isTerminalWorkflowPhase } from "../executor/status.ts";

test("the engine runs pod tasks and reports why a pod waits", async (t) => {
  // Events do not change the pod: polling notices them.
  const { outputs, cluster, blobs, sink, engine, id, waitFor } = await podEngine(t, {
    dirPrefix: "aloft-engine-podtask-",
    outputValue: 5,
    pollIntervalMs: 100,
  });
  const podTask = create(CompiledTaskSchema, {
    template: create(TaskTemplateSchema, {
      id: b.id(ResourceType.TASK, "podtask"),
      type: "sidecar",
      taskTypeVersion: 2,
      interface: b.iface({}, { o: b.INT }),
      config: { primary_container_name: "main" },
      target: {
        case: "k8sPod",
        value: {
          podSpec: {
            containers: [
              {
                name: "main",
                image: "img",
                command: ["sh", "-c", `mkdir -p "$1" && cp ${outputs} "$1/outputs.pb"`, "sh", "{{.outputPrefix}}"],
              },
              { name: "proxy", image: "proxy", command: ["sleep", "30"] },
            ],
          },
        },
      },
    }),
  });
  const pullTask = create(CompiledTaskSchema, {
    template: create(TaskTemplateSchema, {
      id: b.id(ResourceType.TASK, "nopull"),
      type: "container",
      interface: b.iface({}, {}),
      target: { case: "container", value: { image: `repo/missing${PULL_ERROR_SUFFIX}`, command: ["true"] } },
    }),
  });
  const compile = harness([podTask, pullTask]);

  await engine.launch({
    executionId: id("pod1"),
    closure: compile.ok(
      b.workflow("podwf", [b.taskNode("n0", "podtask")], {}, { o: b.INT }, [b.bind("o", b.promise("n0", "o"))]),
    ),
    inputs: create(LiteralMapSchema),
    spec: {},
  });
  await engine.launch({
    executionId: id("pull1"),
    closure: compile.ok(b.workflow("pullwf", [b.taskNode("n0", "nopull")])),
    inputs: create(LiteralMapSchema),
    spec: {},
  });

  const ok = await waitFor("pod1", (s) => isTerminalWorkflowPhase(s.phase));
  assert.equal(ok.phase, "Success", ok.message);
  const out = await getMessage(blobs, blobs.keyOf(ok.outputRef!), LiteralMapSchema);
  assert.equal(intOf(out?.literals["o"]), 5n);
  await eventually(async () => {
    const pods = await cluster.api.list(resources.pods, {
      namespace: "p-d",
      labelSelector: { "execution-id": "pod1" },
    });
    return pods.items.length === 0;
  }, "the pod task's pod (its sidecar still running) to be deleted after success");

  const taskEvents = () =>
    sink.events
      .filter((e) => e.kind === "task")
      .map((e) => e.event as TaskExecutionEvent)
      .filter((e) => e.parentNodeExecutionId?.executionId?.name === "pull1");
  await eventually(
    () => taskEvents().some((e) => e.reasons.some((r) => r.reason.startsWith("BackOff: "))),
    "a task event with the kubelet's BackOff event",
  );
  await engine.abort(id("pull1"), "user stop");
  await waitFor("pull1", (s) => isTerminalWorkflowPhase(s.phase));
  const initializing = taskEvents().filter((e) => e.phase === TaskExecution_Phase.INITIALIZING);
  const eventReasons = initializing
    .flatMap((e) => e.reasons.map((r) => r.reason))
    .filter((r) => /^(Failed|BackOff): /.test(r));
  assert.deepEqual(eventReasons, [
    `Failed: Failed to pull image "repo/missing${PULL_ERROR_SUFFIX}": manifest unknown`,
    `BackOff: Back-off pulling image "repo/missing${PULL_ERROR_SUFFIX}"`,
  ]);
  assert.ok(
    initializing.some((e) => /BackOff/.test(e.reason)),
    "the phase reason says what the container waits on",
  );
});

// The engine driving the pod plugin on the test API server with a simulated kubelet: a task runs as a pod and the
// workflow succeeds with its outputs; a failing pod fails the workflow with the pod's message; abort deletes the pod;
// the launch's Kubernetes settings (owner, labels) reach the pod; pod changes wake the engine (it never polls here).
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { CompiledTaskSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { getMessage } from "@aloft/core";
import { harness } from "@aloft/core/testing";
import { resources } from "@aloft/kube";
import { eventually } from "@aloft/kube/testing";
import { podEngine } from "../testing/pod-engine.ts";
import { b, intOf } from "../testing/workflows.ts";
import { isTerminalWorkflowPhase } from "../executor/status.ts";

const shTask = (name: string, script: string, outputs: Record<string, typeof b.INT> = {}) =>
  create(CompiledTaskSchema, {
    template: create(TaskTemplateSchema, {
      id: b.id(ResourceType.TASK, name),
      type: "container",
      interface: b.iface({}, outputs),
      target: {
        case: "container",
        value: { image: "ignored", command: ["sh", "-c", script, "sh", "{{.outputPrefix}}"] },
      },
    }),
  });

test("the engine runs container tasks as pods", async (t) => {
  const { outputs, cluster, plugin, blobs, engine, id, waitFor } = await podEngine(t, {
    dirPrefix: "aloft-engine-pod-",
    outputValue: 7,
    // Polling so slow that only the pod watch's wake-ups can finish the test in time.
    pollIntervalMs: 600_000,
  });
  const compile = harness([
    shTask("ok", `mkdir -p "$1" && cp ${outputs} "$1/outputs.pb"`, { o: b.INT }),
    shTask("bad", "echo 'cannot divide by zero' >&2; exit 4"),
    shTask("slow", "sleep 30"),
  ]);
  const owner = { apiVersion: "flyte.lyft.com/v1alpha1", kind: "FlyteWorkflow", name: "ok1", uid: "wf-uid" };

  await engine.launch({
    executionId: id("ok1"),
    closure: compile.ok(
      b.workflow("ok", [b.taskNode("n0", "ok")], {}, { o: b.INT }, [b.bind("o", b.promise("n0", "o"))]),
    ),
    inputs: create(LiteralMapSchema),
    spec: { kubernetes: { owner, labels: { team: "ml" } } },
  });
  await engine.launch({
    executionId: id("bad1"),
    closure: compile.ok(b.workflow("bad", [b.taskNode("n0", "bad")])),
    inputs: create(LiteralMapSchema),
    spec: {},
  });
  await engine.launch({
    executionId: id("slow1"),
    closure: compile.ok(b.workflow("slow", [b.taskNode("n0", "slow")])),
    inputs: create(LiteralMapSchema),
    spec: {},
  });

  const ok = await waitFor("ok1", (s) => isTerminalWorkflowPhase(s.phase));
  assert.equal(ok.phase, "Success", ok.message);
  assert.ok(ok.outputRef, "the workflow has outputs");
  const out = await getMessage(blobs, blobs.keyOf(ok.outputRef!), LiteralMapSchema);
  assert.equal(intOf(out?.literals["o"]), 7n);
  const pods = await cluster.api.list(resources.pods, { namespace: "p-d", labelSelector: { "execution-id": "ok1" } });
  assert.equal(pods.items.length, 1);
  assert.deepEqual(pods.items[0]!.metadata.ownerReferences?.[0]?.uid, "wf-uid");
  assert.equal(pods.items[0]!.metadata.labels?.["team"], "ml");

  const bad = await waitFor("bad1", (s) => isTerminalWorkflowPhase(s.phase));
  assert.equal(bad.phase, "Failed");
  assert.match(JSON.stringify(bad.error ?? bad.message), /cannot divide by zero/);

  const slow = await waitFor("slow1", (s) => s.nodes["n0"]?.task?.phase === "Running");
  assert.ok(slow);
  await engine.abort(id("slow1"), "user stop");
  assert.equal((await waitFor("slow1", (s) => isTerminalWorkflowPhase(s.phase))).phase, "Aborted");
  await eventually(async () => {
    const list = await cluster.api.list(resources.pods, {
      namespace: "p-d",
      labelSelector: { "execution-id": "slow1" },
    });
    return list.items.length === 0;
  }, "the aborted attempt's pod to be deleted");
  assert.equal(cluster.kubelet.running, 0);
  assert.equal(plugin.watchedPods, 0, "finished attempts are no longer watched");
});

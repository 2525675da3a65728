// Pod tasks (flytekitplugins-pod `sidecar`, versions 0/1/2), raw containers with a data config, GPUs and pod events,
// on the test API server with a simulated kubelet.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { ExecutionError_ErrorKind } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { Resources_ResourceName, type TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { TaskNodeOverridesSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { isNotFound, resources } from "@aloft/kube";
import { eventually, PULL_ERROR_SUFFIX } from "@aloft/kube/testing";
import { containerTask, drive, isTerminal, sandbox } from "../local-process/testing.ts";
import { podCluster } from "../../testing/pod-cluster.ts";
import type { PluginStatus } from "../plugin.ts";

type Json = Record<string, any>;
type Template = MessageInitShape<typeof TaskTemplateSchema>;

const id = { project: "proj", domain: "dev", name: "pod.task", version: "v1" };
const A100 = "nvidia-tesla-a100";

test("pod tasks, raw containers, GPUs and pod events on the test API server", async (t) => {
  const cluster = await podCluster({ nodeLabels: { "k8s.amazonaws.com/accelerator": A100 } });
  const sb = await sandbox();
  t.after(async () => {
    await cluster.close();
    await sb.cleanup();
  });
  const outputs = join(sb.root, "outputs.pb");
  await writeFile(outputs, toBinary(LiteralMapSchema, create(LiteralMapSchema, { literals: {} })));
  const getPod = (name: string) => cluster.api.get(resources.pods, name, { namespace: "proj-dev" });
  const gone = (name: string) =>
    eventually(
      () =>
        getPod(name).then(
          () => false,
          (err: unknown) => isNotFound(err),
        ),
      `pod ${name} to be deleted`,
    );
  /** A v2 pod task: primary `main` runs `script`, sidecar `side` sleeps. */
  const podTask = (script: string, extendedResources?: Json): Template => ({
    id,
    type: "sidecar",
    taskTypeVersion: 2,
    config: { primary_container_name: "main" },
    target: {
      case: "k8sPod",
      value: {
        metadata: { labels: { team: "vision" }, annotations: { "example.com/note": "from-k8s-pod" } },
        podSpec: {
          containers: [
            { name: "main", image: "img", command: ["sh", "-c", script, "sh", "{{.outputPrefix}}"] },
            { name: "side", image: "proxy", command: ["sleep", "30"] },
          ],
        },
      },
    },
    ...(extendedResources ? { extendedResources } : {}),
  });

  await t.test(
    "a v2 pod task: success follows the primary while the sidecar runs; finalize deletes the pod",
    async () => {
      const ctx = await sb.context({
        nodeId: "podok",
        template: podTask(`mkdir -p "$1" && cp ${outputs} "$1/outputs.pb" && env > "$1/env.txt"`),
      });
      const plugin = cluster.plugin();
      const r = await drive(plugin, ctx, isTerminal);
      assert.equal(r.status.phase, "Success", r.status.reason);
      const pod = await getPod(ctx.generatedName);
      assert.equal(pod["status"].phase, "Running", "the sidecar still runs when the task succeeds");
      assert.equal(pod.metadata.labels!["team"], "vision");
      assert.equal(pod.metadata.annotations!["example.com/note"], "from-k8s-pod");
      assert.equal(pod.metadata.annotations!["primary_container_name"], "main");
      const [main, side] = pod["spec"].containers as Json[];
      assert.deepEqual(main!["resources"], {
        requests: { cpu: "1000m", memory: "1024Mi" },
        limits: { cpu: "1000m", memory: "1024Mi" },
      });
      assert.deepEqual(side!["resources"], { requests: {}, limits: {} }, "a sidecar is not given defaults");
      const env = await readFile(join(ctx.outputPrefix.replace("file://", ""), "env.txt"), "utf8");
      assert.match(env, /^FLYTE_INTERNAL_EXECUTION_ID=exec1$/m);
      await plugin.finalize(ctx, r.state);
      await gone(ctx.generatedName);
      await eventually(() => cluster.kubelet.running === 0, "the sidecar's process to stop");
    },
  );

  await t.test("a v2 pod task whose primary fails: retryable USER failure, whatever the sidecar does", async () => {
    const ctx = await sb.context({ nodeId: "podbad", template: podTask("echo broken >&2; exit 2") });
    const plugin = cluster.plugin();
    const r = await drive(plugin, ctx, isTerminal);
    assert.equal(r.status.phase, "RetryableFailure");
    assert.equal(r.status.error?.kind, ExecutionError_ErrorKind.USER);
    assert.match(r.status.error?.message ?? "", /\[main\] terminated with exit code \(2\)/);
    await plugin.abort(ctx, r.state, "cleanup");
    await gone(ctx.generatedName);
  });

  await t.test("a v0 sidecar task: SidecarJob in custom, with its labels and annotations", async () => {
    const ctx = await sb.context({
      nodeId: "v0",
      template: {
        id,
        type: "sidecar",
        taskTypeVersion: 0,
        custom: {
          primaryContainerName: "primary",
          labels: { legacy: "v0" },
          annotations: { "example.com/v": "0" },
          podSpec: {
            containers: [
              { name: "primary", image: "img", command: ["sh", "-c", `mkdir -p "$1" && cp ${outputs} "$1/"`, "sh"] },
            ],
          },
        },
      },
    });
    // The output prefix is the template's: append it as an argument.
    const pod0 = (ctx.template.custom as Json)["podSpec"]["containers"][0];
    pod0["command"].push("{{.outputPrefix}}");
    const r = await drive(cluster.plugin(), ctx, isTerminal);
    assert.equal(r.status.phase, "Success", r.status.reason);
    const pod = await getPod(ctx.generatedName);
    assert.equal(pod.metadata.labels!["legacy"], "v0");
    assert.equal(pod.metadata.annotations!["example.com/v"], "0");
    assert.equal(pod.metadata.annotations!["primary_container_name"], "primary");
    assert.equal(pod["spec"].restartPolicy, "Never");
  });

  await t.test("a v1 sidecar task: the pod spec in custom, the primary named by the config", async () => {
    const spec = {
      containers: [
        { name: "p1", image: "img", command: ["true"] },
        { name: "s1", image: "x", command: ["sleep", "30"] },
      ],
    };
    const ok = await sb.context({
      nodeId: "v1",
      template: { id, type: "sidecar", taskTypeVersion: 1, config: { primary_container_name: "p1" }, custom: spec },
    });
    const created = await cluster.plugin().handle(ok, undefined);
    assert.equal(created.status.phase, "Queued", created.status.reason);
    const pod = await getPod(ok.generatedName);
    assert.deepEqual(
      (pod["spec"].containers as Json[]).map((c) => c["name"]),
      ["p1", "s1"],
    );
    assert.equal(pod.metadata.annotations!["primary_container_name"], "p1");
    await cluster.plugin().abort(ok, created.state, "done");

    const unnamed = await sb.context({
      nodeId: "v1bad",
      template: { id, type: "sidecar", taskTypeVersion: 1, custom: spec },
    });
    const r = await cluster.plugin().handle(unnamed, undefined);
    assert.equal(r.status.phase, "PermanentFailure");
    assert.equal(r.status.error?.code, "BadTaskSpecification");
    assert.match(r.status.error?.message ?? "", /primary_container_name/);
  });

  await t.test("a raw container with a data config: copilot's download init container and uploader", async () => {
    const tpl = containerTask(["true"]);
    (tpl.target as { value: Record<string, unknown> }).value["dataConfig"] = {
      enabled: true,
      inputPath: "/var/in",
      outputPath: "/var/out",
      format: 1,
    };
    const ctx = await sb.context({ nodeId: "raw", template: tpl });
    const plugin = cluster.plugin({ copilotImage: "aloft:test", copilotEnv: { ALOFT_STORAGE__KIND: "local" } });
    const r = await plugin.handle(ctx, undefined);
    assert.notEqual(r.status.phase, "PermanentFailure", r.status.error?.message);
    const pod = await getPod(ctx.generatedName);
    const spec = pod["spec"] as Json;
    assert.deepEqual(
      (spec["volumes"] as Json[]).map((v) => [v["name"], v["emptyDir"]]),
      [
        ["aloft-copilot-inputs", {}],
        ["aloft-copilot-outputs", {}],
      ],
    );
    const [download] = spec["initContainers"] as Json[];
    assert.equal(download!["name"], "download");
    assert.equal(download!["image"], "aloft:test");
    assert.deepEqual(download!["args"].slice(0, 4), ["copilot", "download", "--from-remote", ctx.inputsUri]);
    assert.ok(download!["args"].join(" ").endsWith("--format YAML"));
    assert.deepEqual(download!["env"], [{ name: "ALOFT_STORAGE__KIND", value: "local" }]);
    const [main, uploader] = spec["containers"] as Json[];
    assert.deepEqual(
      (main!["volumeMounts"] as Json[]).map((m) => [m["name"], m["mountPath"]]),
      [
        ["aloft-copilot-inputs", "/var/in"],
        ["aloft-copilot-outputs", "/var/out"],
      ],
    );
    assert.equal(uploader!["name"], "uploader");
    assert.deepEqual(uploader!["args"].slice(0, 4), ["copilot", "upload", "--primary", main!["name"]]);
    assert.ok((uploader!["args"] as string[]).includes(ctx.outputPrefix));
    assert.equal(pod.metadata.annotations!["aloft.dev/copilot-uploader"], "uploader");
    assert.equal(pod.metadata.annotations!["primary_container_name"], main!["name"]);
    await plugin.abort(ctx, r.state, "done");
  });

  const gpuTask = (requests: Record<string, string>, limits: Record<string, string>, extra: Template = {}) => {
    const tpl = containerTask(["true"], extra);
    const res = (m: Record<string, string>) =>
      Object.entries(m).map(([k, value]) => ({
        name: { cpu: Resources_ResourceName.CPU, gpu: Resources_ResourceName.GPU }[k]!,
        value,
      }));
    (tpl.target as { value: Record<string, unknown> }).value["resources"] = {
      requests: res(requests),
      limits: res(limits),
    };
    return tpl;
  };

  await t.test("GPU resources: renamed, request = limit, clamped to the platform limit", async () => {
    const cases: [Record<string, string>, Record<string, string>, Record<string, string>, string, string][] = [
      [{ gpu: "1" }, {}, {}, "nvidia.com/gpu", "1"],
      [{ gpu: "1" }, { gpu: "2" }, {}, "nvidia.com/gpu", "2"],
      [{}, { gpu: "3" }, {}, "amd.com/gpu", "3"],
      [{ gpu: "4" }, {}, { gpu: "2" }, "nvidia.com/gpu", "2"],
    ];
    for (const [i, [requests, limits, platform, name, want]] of cases.entries()) {
      const base = await sb.context({ nodeId: `gpu${i}`, template: gpuTask(requests, limits) });
      const ctx = { ...base, kubernetes: { taskResources: { limits: platform } } };
      const plugin = cluster.plugin(name === "amd.com/gpu" ? { gpuResourceName: name } : {});
      const r = await plugin.handle(ctx, undefined);
      assert.equal(r.status.phase, "Queued", r.status.reason);
      const c = (await getPod(ctx.generatedName))["spec"].containers[0];
      assert.equal(c.resources.requests[name], want, `case ${i}: request`);
      assert.equal(c.resources.limits[name], want, `case ${i}: limit`);
      assert.equal(c.resources.requests["gpu"], undefined);
      await plugin.abort(ctx, r.state, "done");
    }
  });

  await t.test("a GPU accelerator: node affinity and tolerations for the device and partition", async () => {
    const selector = (pod: Json) =>
      pod["spec"].affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    const plugin = cluster.plugin({
      gpuUnpartitionedToleration: { key: "gpu-whole", operator: "Exists", effect: "NoSchedule" },
    });
    // A partition size, and the node override's accelerator winning over the task's.
    const base = await sb.context({
      nodeId: "acc1",
      template: gpuTask({ gpu: "1" }, {}, { extendedResources: { gpuAccelerator: { device: "nvidia-tesla-t4" } } }),
    });
    const ctx = {
      ...base,
      overrides: create(TaskNodeOverridesSchema, {
        extendedResources: {
          gpuAccelerator: { device: A100, partitionSizeValue: { case: "partitionSize", value: "1g.5gb" } },
        },
      }),
    };
    const r = await plugin.handle(ctx, undefined);
    assert.equal(r.status.phase, "Queued", r.status.reason);
    const pod = await getPod(ctx.generatedName);
    assert.deepEqual(selector(pod), [
      {
        matchExpressions: [
          { key: "k8s.amazonaws.com/accelerator", operator: "In", values: [A100] },
          { key: "k8s.amazonaws.com/gpu-partition-size", operator: "In", values: ["1g.5gb"] },
        ],
      },
    ]);
    assert.deepEqual(pod["spec"].tolerations, [
      { key: "k8s.amazonaws.com/accelerator", operator: "Equal", value: A100, effect: "NoSchedule" },
      { key: "k8s.amazonaws.com/gpu-partition-size", operator: "Equal", value: "1g.5gb", effect: "NoSchedule" },
    ]);
    await plugin.abort(ctx, r.state, "done");

    // Unpartitioned: the partition label must be absent, the configured toleration added.
    const whole = await sb.context({
      nodeId: "acc2",
      template: gpuTask(
        { gpu: "1" },
        {},
        {
          extendedResources: {
            gpuAccelerator: { device: A100, partitionSizeValue: { case: "unpartitioned", value: true } },
          },
        },
      ),
    });
    const w = await drive(plugin, whole, isTerminal);
    assert.equal(w.status.phase, "Success", "the node has the A100 label and no partition label: it runs");
    const wpod = await getPod(whole.generatedName);
    assert.deepEqual(selector(wpod)[0].matchExpressions[1], {
      key: "k8s.amazonaws.com/gpu-partition-size",
      operator: "DoesNotExist",
    });
    assert.deepEqual(wpod["spec"].tolerations.at(-1), { key: "gpu-whole", operator: "Exists", effect: "NoSchedule" });

    // No GPU requested: the accelerator changes nothing.
    const cpu = await sb.context({
      nodeId: "acc3",
      template: containerTask(["true"], { extendedResources: { gpuAccelerator: { device: A100 } } }),
    });
    const c = await plugin.handle(cpu, undefined);
    const cpod = await getPod(cpu.generatedName);
    assert.equal(cpod["spec"].affinity, undefined);
    assert.equal(cpod["spec"].tolerations, undefined);
    await plugin.abort(cpu, c.state, "done");
  });

  await t.test("shared memory: a memory emptyDir mounted in the primary container; a bad request fails", async () => {
    const plugin = cluster.plugin();
    const base = await sb.context({
      nodeId: "shm",
      template: podTask("true", { sharedMemory: { mountName: "task-shm", mountPath: "/x" } }),
    });
    const ctx = {
      ...base,
      overrides: create(TaskNodeOverridesSchema, {
        extendedResources: { sharedMemory: { mountName: "dshm", mountPath: "/dev/shm", sizeLimit: "2Gi" } },
      }),
    };
    const r = await plugin.handle(ctx, undefined);
    assert.equal(r.status.phase, "Queued", r.status.reason);
    const pod = await getPod(ctx.generatedName);
    assert.deepEqual(pod["spec"].volumes, [{ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "2Gi" } }]);
    const [main, side] = pod["spec"].containers as Json[];
    assert.deepEqual(main!["volumeMounts"], [{ name: "dshm", mountPath: "/dev/shm" }]);
    assert.equal(side!["volumeMounts"], undefined, "only the primary container mounts it");
    await plugin.abort(ctx, r.state, "done");

    const bad = await sb.context({
      nodeId: "shmbad",
      template: podTask("true", { sharedMemory: { mountName: "dshm" } }),
    });
    const b = await plugin.handle(bad, undefined);
    assert.equal(b.status.phase, "PermanentFailure");
    assert.equal(b.status.error?.code, "BadTaskSpecification");
    assert.match(b.status.error?.message ?? "", /mount name and a mount path/);
  });

  await t.test("an unschedulable pod: Queued, the scheduler's FailedScheduling event as a reason, once", async () => {
    const ctx = await sb.context({
      nodeId: "nofit",
      template: gpuTask({ gpu: "1" }, {}, { extendedResources: { gpuAccelerator: { device: "nvidia-h100" } } }),
    });
    const plugin = cluster.plugin();
    const seen: PluginStatus[] = [];
    // The scheduler records its event, then the pod's condition: drive until the condition is read.
    const r = await drive(plugin, ctx, (s) => {
      seen.push(s);
      return /^Unschedulable:0\/1 nodes are available/.test(s.reason ?? "");
    });
    assert.deepEqual([...new Set(seen.map((s) => s.phase))], ["Queued"]);
    assert.deepEqual(
      seen.flatMap((s) => (s.reasons ?? []).map((x) => x.reason)),
      ["FailedScheduling: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."],
    );
    assert.equal(r.status.version, 1);
    const again = await plugin.handle(ctx, r.state);
    assert.equal(again.status.phase, "Queued");
    assert.equal(again.status.reasons, undefined, "a reason already reported is not reported again");
    assert.equal(again.status.version, 1, "same version: no new task event");
    await plugin.abort(ctx, r.state, "done");
  });

  await t.test("an image that cannot be pulled: Initializing with the kubelet's events as reasons", async () => {
    const tpl = containerTask(["true"]);
    (tpl.target as { value: { image: string } }).value.image = `repo/missing${PULL_ERROR_SUFFIX}`;
    const ctx = await sb.context({ nodeId: "nopull", template: tpl });
    const plugin = cluster.plugin();
    const seen: PluginStatus[] = [];
    const r = await drive(plugin, ctx, (s) => {
      seen.push(s);
      // The kubelet records both events before the status that says ImagePullBackOff.
      return s.phase === "Initializing" && /ImagePullBackOff/.test(s.reason ?? "");
    });
    const reasons = seen.flatMap((s) => (s.reasons ?? []).map((x) => x.reason));
    assert.deepEqual(reasons, [
      `Failed: Failed to pull image "repo/missing${PULL_ERROR_SUFFIX}": manifest unknown`,
      `BackOff: Back-off pulling image "repo/missing${PULL_ERROR_SUFFIX}"`,
    ]);
    assert.equal(r.status.version, 2);
    // A repeat of the same event (another Event object, same reason and message) is not reported again.
    await cluster.api.create(resources.events, {
      metadata: { name: `${ctx.generatedName}.again`, namespace: "proj-dev" },
      involvedObject: { kind: "Pod", name: ctx.generatedName, namespace: "proj-dev" },
      type: "Warning",
      reason: "BackOff",
      message: `Back-off pulling image "repo/missing${PULL_ERROR_SUFFIX}"`,
      lastTimestamp: new Date().toISOString(),
    });
    const again = await plugin.handle(ctx, r.state);
    assert.equal(again.status.reasons, undefined);
    assert.equal(again.status.version, 2);
    // Without event reporting the version stays 0.
    const quiet = await cluster.plugin({ reportPodEvents: false }).handle(ctx, { created: true });
    assert.equal(quiet.status.version, 0);
    assert.equal(quiet.status.reasons, undefined);
    await plugin.abort(ctx, r.state, "done");
  });
});

// Pod construction without a cluster: k8s_pod targets, the node's pod template override, secondary containers,
// FLYTE_EXECUTION_URL, the namespace template, raw containers refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { TaskNodeOverridesSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { containerTask, sandbox } from "../local-process/testing.ts";
import { buildPod } from "./build-pod.ts";
import { DEFAULT_POD_PLUGIN_CONFIG } from "./config.ts";

type Json = Record<string, any>;

test("buildPod", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const config = { ...DEFAULT_POD_PLUGIN_CONFIG, consoleUrl: "https://console.example/console" };

  await t.test("a k8s_pod target: the primary container is decorated, a secondary one only clamped", async () => {
    const ctx = await sb.context({
      template: {
        id: { project: "proj", domain: "dev", name: "pod.task", version: "v1" },
        type: "sidecar",
        config: { link_type: "vscode" },
        target: {
          case: "k8sPod",
          value: {
            primaryContainerName: "main",
            metadata: { labels: { kind: "pod" } },
            podSpec: {
              containers: [
                { name: "main", image: "img", args: ["run", "{{.outputPrefix}}"] },
                { name: "helper", image: "helper", resources: { limits: { cpu: "64" } } },
              ],
            },
          },
        },
      },
    });
    const pod = await buildPod(ctx, { ...config, namespaceTemplate: "tenant-{{ project }}" });
    assert.equal(pod.metadata.namespace, "tenant-proj");
    assert.equal(pod.metadata.annotations!["primary_container_name"], "main");
    assert.equal(pod.metadata.labels!["kind"], "pod");
    const [main, helper] = pod["spec"].containers as Json[];
    assert.equal(main!["args"][1], ctx.outputPrefix.replace("file://", ""));
    assert.deepEqual(main!["resources"], {
      requests: { cpu: "1000m", memory: "1024Mi" },
      limits: { cpu: "1000m", memory: "1024Mi" },
    });
    const env = new Map((main!["env"] as Json[]).map((e) => [e["name"], e["value"]]));
    assert.equal(
      env.get("FLYTE_EXECUTION_URL"),
      "https://console.example/console/projects/proj/domains/dev/executions/exec1/nodeId/n0/nodes",
    );
    assert.deepEqual(
      helper!["resources"],
      { requests: {}, limits: { cpu: "64" } },
      "a secondary container is not defaulted",
    );
  });

  await t.test("the node's pod template override replaces the task's spec", async () => {
    const ctx = await sb.context({ template: containerTask(["echo", "task"]) });
    const pod = await buildPod(
      {
        ...ctx,
        overrides: create(TaskNodeOverridesSchema, {
          podTemplate: {
            primaryContainerName: "primary",
            podSpec: { containers: [{ name: "primary", image: "other", command: ["echo", "override"] }] },
          },
        }),
      },
      config,
    );
    assert.deepEqual(pod["spec"].containers[0].command, ["echo", "override"]);
  });

  await t.test("a raw container (data_config) gets copilot with its defaults", async () => {
    const raw = containerTask(["true"]);
    (raw.target as { value: Record<string, unknown> }).value["dataConfig"] = { enabled: true };
    const pod = await buildPod(await sb.context({ template: raw }), config);
    assert.deepEqual(
      pod["spec"].containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath),
      ["/var/flyte/inputs", "/var/flyte/outputs"],
    );
    const download = pod["spec"].initContainers[0];
    assert.equal(download.image, DEFAULT_POD_PLUGIN_CONFIG.copilotImage);
    assert.deepEqual(download.command, ["node", "/opt/aloft/packages/server/bin/aloft.mjs"]);
    assert.ok(download.args.join(" ").endsWith("--format JSON"));
  });

  await t.test("a k8s_pod without its primary container is refused", async () => {
    const headless = await sb.context({
      template: {
        id: { project: "proj", domain: "dev", name: "pod.task", version: "v1" },
        type: "sidecar",
        target: { case: "k8sPod", value: { primaryContainerName: "main", podSpec: { containers: [{ name: "x" }] } } },
      },
    });
    await assert.rejects(buildPod(headless, config), /no container named "main"/);
  });
});

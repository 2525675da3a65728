// The pod plugin against the test API server and a simulated kubelet: pods are created, run as local processes and
// their statuses mapped to task phases; abort deletes the pod.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ExecutionError_ErrorKind } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { Resources_ResourceName } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { TaskNodeOverridesSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { Secret_MountType } from "@aloft/idl/flyteidl/core/security_pb.js";
import { isNotFound, resources } from "@aloft/kube";
import { eventually, PULL_ERROR_SUFFIX } from "@aloft/kube/testing";
import { containerTask, drive, isTerminal, sandbox } from "../local-process/testing.ts";
import { podCluster } from "../../testing/pod-cluster.ts";
import { secretsFromAnnotations } from "./secret-annotations.ts";

const int = (n: bigint) => ({
  value: {
    case: "scalar" as const,
    value: { value: { case: "primitive" as const, value: { value: { case: "integer" as const, value: n } } } },
  },
});

test("pod plugin on the test API server with a simulated kubelet", async (t) => {
  const cluster = await podCluster();
  const sb = await sandbox();
  t.after(async () => {
    await cluster.close();
    await sb.cleanup();
  });

  await t.test("a container task runs as a pod: Queued → … → Success, outputs written, env set", async () => {
    const outputs = join(sb.root, "outputs.pb");
    await writeFile(outputs, toBinary(LiteralMapSchema, create(LiteralMapSchema, { literals: { o: int(42n) } })));
    const dump = join(sb.root, "env.txt");
    const script = `mkdir -p "$1" && cp "$2" "$1/outputs.pb" && env > "$3"`;
    const ctx = await sb.context({
      nodeId: "ok",
      template: containerTask(["sh", "-c", script, "sh", "{{.outputPrefix}}", outputs, dump]),
      environment: { FROM_EXECUTION: "yes" },
    });
    const plugin = cluster.plugin({ defaultEnvVars: { PLATFORM_VAR: "p" } });
    const r = await drive(plugin, ctx, isTerminal);
    assert.equal(r.status.phase, "Success", r.status.reason);
    assert.equal(r.phases[0], "Queued");
    const written = fromBinary(
      LiteralMapSchema,
      await readFile(join(ctx.outputPrefix.replace("file://", ""), "outputs.pb")),
    );
    assert.equal(Object.keys(written.literals).join(), "o");
    const env = await readFile(dump, "utf8");
    for (const line of [
      "FLYTE_INTERNAL_EXECUTION_ID=exec1",
      "FLYTE_INTERNAL_EXECUTION_PROJECT=proj",
      "FLYTE_INTERNAL_TASK_NAME=my.task",
      "FLYTE_INTERNAL_TASK_VERSION=v1",
      "FLYTE_ATTEMPT_NUMBER=0",
      "FROM_EXECUTION=yes",
      "PLATFORM_VAR=p",
    ])
      assert.ok(env.includes(`${line}\n`), `${line} in the pod's environment`);
  });

  await t.test("a failing container: retryable USER failure carrying the exit code and the log tail", async () => {
    const ctx = await sb.context({ nodeId: "bad", template: containerTask(["sh", "-c", "echo boom >&2; exit 3"]) });
    const r = await drive(cluster.plugin(), ctx, isTerminal);
    assert.equal(r.status.phase, "RetryableFailure");
    assert.equal(r.status.error?.kind, ExecutionError_ErrorKind.USER);
    assert.equal(r.status.error?.code, "Error");
    assert.match(r.status.error?.message ?? "", /exit code \(3\)/);
    assert.match(r.status.error?.message ?? "", /boom/);
  });

  await t.test("OOMKilled: retryable USER failure with code OOMKilled", async () => {
    const ctx = await sb.context({
      nodeId: "oom",
      template: containerTask(["sh", "-c", "echo ALOFT_KUBELET_OOM; sleep 30"]),
    });
    const r = await drive(cluster.plugin(), ctx, isTerminal);
    assert.equal(r.status.phase, "RetryableFailure");
    assert.equal(r.status.error?.code, "OOMKilled");
    assert.equal(r.status.error?.kind, ExecutionError_ErrorKind.USER);
  });

  await t.test("ImagePullBackOff: Initializing, then past the grace period a retryable failure", async () => {
    const tpl = containerTask(["true"]);
    (tpl.target as { value: { image: string } }).value.image = `repo/img${PULL_ERROR_SUFFIX}`;
    const ctx = await sb.context({ nodeId: "pull", template: tpl });
    const patient = await drive(cluster.plugin(), ctx, (s) => /ImagePullBackOff/.test(s.reason ?? ""));
    assert.equal(patient.status.phase, "Initializing");
    assert.match(patient.status.reason ?? "", /ImagePullBackOff/);
    const r = await drive(cluster.plugin({ imagePullBackoffGraceMs: -1 }), ctx, isTerminal, patient.state);
    assert.equal(r.status.phase, "RetryableFailure");
    assert.equal(r.status.error?.code, "ImagePullBackOff");
  });

  await t.test("abort deletes the pod and the kubelet stops its process", async () => {
    const ctx = await sb.context({ nodeId: "slow", template: containerTask(["sleep", "30"]) });
    const plugin = cluster.plugin();
    const r = await drive(plugin, ctx, (s) => s.phase === "Running");
    await plugin.abort(ctx, r.state, "user stop");
    await eventually(
      () =>
        cluster.api.get(resources.pods, ctx.generatedName, { namespace: "proj-dev" }).then(
          () => false,
          (err: unknown) => isNotFound(err),
        ),
      "the pod is gone",
    );
    assert.equal(cluster.kubelet.running, 0);
    const after = await plugin.handle(ctx, r.state);
    assert.equal(after.status.error?.code, "ResourceDeletedExternally");
    assert.equal(after.status.error?.kind, ExecutionError_ErrorKind.SYSTEM);
    await plugin.abort(ctx, r.state, "again"); // idempotent
  });

  await t.test(
    "the pod spec: resources, env, tolerations, node selector, template, labels, secrets, owner",
    async () => {
      const tpl = containerTask(["true"], {
        metadata: { podTemplateName: "gpu-template" },
        securityContext: {
          secrets: [{ group: "user-info", key: "token", mountRequirement: Secret_MountType.ENV_VAR }],
        },
      });
      (tpl.target as { value: Record<string, unknown> }).value["resources"] = {
        requests: [{ name: Resources_ResourceName.CPU, value: "2" }],
        limits: [{ name: Resources_ResourceName.MEMORY, value: "8Gi" }],
      };
      const base = await sb.context({ nodeId: "spec", template: tpl });
      const ctx = {
        ...base,
        interruptible: true,
        overrides: create(TaskNodeOverridesSchema, {
          resources: { requests: [{ name: Resources_ResourceName.GPU, value: "1" }] },
          containerImage: "override:1",
        }),
        kubernetes: {
          labels: { team: "ml" },
          annotations: { note: "x" },
          serviceAccountName: "runner",
          taskResources: { limits: { cpu: "1500m", memory: "4Gi" } },
          owner: { apiVersion: "flyte.lyft.com/v1alpha1", kind: "FlyteWorkflow", name: "exec1", uid: "uid-1" },
        },
      };
      const plugin = cluster.plugin({
        interruptibleTolerations: [{ key: "spot", operator: "Equal", value: "true", effect: "NoSchedule" }],
        interruptibleNodeSelector: { "node-type": "spot" },
        defaultTolerations: [{ key: "everyone", operator: "Exists" }],
        resourceTolerations: {
          "nvidia.com/gpu": [{ key: "gpu", operator: "Exists" }],
          "example.com/fpga": [{ key: "fpga", operator: "Exists" }],
        },
        podTemplates: {
          "gpu-template": {
            metadata: { labels: { from: "template" } },
            spec: {
              containers: [{ name: "default", env: [{ name: "FROM_TEMPLATE", value: "1" }] }],
              volumes: [{ name: "shm", emptyDir: { medium: "Memory" } }],
            },
          },
        },
      });
      const created = await plugin.handle(ctx, undefined);
      assert.equal(created.status.phase, "Queued", created.status.reason);
      const pod = await cluster.api.get(resources.pods, ctx.generatedName, { namespace: "proj-dev" });
      const c = pod["spec"].containers[0];
      assert.equal(c.image, "override:1");
      assert.deepEqual(c.resources, {
        requests: { cpu: "1500m", memory: "4Gi", "nvidia.com/gpu": "1" },
        limits: { cpu: "1500m", memory: "4Gi", "nvidia.com/gpu": "1" },
      });
      const env = Object.fromEntries((c.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
      assert.equal(env["FROM_TEMPLATE"], "1");
      assert.equal(env["FLYTE_INTERNAL_EXECUTION_DOMAIN"], "dev");
      assert.equal(c.terminationMessagePolicy, "FallbackToLogsOnError");
      assert.equal(pod["spec"].restartPolicy, "Never");
      assert.equal(pod["spec"].serviceAccountName, "runner");
      assert.deepEqual(pod["spec"].nodeSelector, { "node-type": "spot" });
      assert.deepEqual(
        (pod["spec"].tolerations as { key: string }[]).map((x) => x.key),
        ["gpu", "everyone", "spot"],
      );
      assert.equal(pod["spec"].volumes[0].name, "shm");
      const labels = pod.metadata.labels!;
      assert.equal(labels["from"], "template");
      assert.equal(labels["team"], "ml");
      assert.equal(labels["execution-id"], "exec1");
      assert.equal(labels["interruptible"], "true");
      assert.equal(labels["inject-flyte-secrets"], "true");
      assert.equal(pod.metadata.annotations!["cluster-autoscaler.kubernetes.io/safe-to-evict"], "false");
      assert.equal(pod.metadata.annotations!["primary_container_name"], c.name);
      const secrets = secretsFromAnnotations(pod.metadata.annotations);
      assert.deepEqual(
        secrets.map((s) => [s.group, s.key, s.mountRequirement]),
        [["user-info", "token", Secret_MountType.ENV_VAR]],
      );
      assert.deepEqual(pod.metadata.ownerReferences, [
        { ...ctx.kubernetes.owner, controller: true, blockOwnerDeletion: true },
      ]);
      // A second handle() before the state was saved: the pod exists, the attempt carries on.
      const again = await plugin.handle(ctx, undefined);
      assert.equal(again.status.phase, "Queued");
    },
  );

  await t.test("a bad task is a permanent failure, nothing is created", async () => {
    const tpl = containerTask(["true"]);
    (tpl.target as { value: Record<string, unknown> }).value["resources"] = {
      requests: [{ name: Resources_ResourceName.MEMORY, value: "lots" }],
    };
    const ctx = await sb.context({ nodeId: "badspec", template: tpl });
    const r = await cluster.plugin().handle(ctx, undefined);
    assert.equal(r.status.phase, "PermanentFailure");
    assert.equal(r.status.error?.code, "BadTaskSpecification");
  });
});

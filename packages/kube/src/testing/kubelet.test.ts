// The simulated kubelet's init containers, emptyDir volumes and downward-API environment.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKubeApi } from "../kube-api.ts";
import { resources } from "../resources.ts";
import { startTestApiServer } from "./api-server.ts";
import { startSimulatedKubelet } from "./kubelet.ts";
import { eventually } from "./targets.ts";

test("the simulated kubelet: init containers first, shared emptyDirs, downward API", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "aloft-kubelet-"));
  const server = await startTestApiServer();
  const api = createKubeApi(server.kubeConfig(), { fieldManager: "test" });
  await api.create(resources.namespaces, { metadata: { name: "ns" } });
  const kubelet = await startSimulatedKubelet(api, { maxGraceMs: 200 });
  t.after(async () => {
    await kubelet.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const phaseOf = (name: string) =>
    eventually(async () => {
      const p = await api.get(resources.pods, name, { namespace: "ns" });
      const phase = p["status"]?.["phase"];
      return phase === "Succeeded" || phase === "Failed" ? p : undefined;
    }, `${name} to end`);

  const a = join(dir, "a");
  const b = join(dir, "b");
  await api.create(resources.pods, {
    metadata: { name: "ok", namespace: "ns" },
    spec: {
      volumes: [{ name: "shared", emptyDir: {} }],
      initContainers: [
        {
          name: "init",
          image: "x",
          command: ["sh", "-c", `sleep 0.2; echo "$NAME" > ${a}/file`],
          env: [{ name: "NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
          volumeMounts: [{ name: "shared", mountPath: a }],
        },
      ],
      containers: [
        {
          name: "main",
          image: "x",
          command: ["sh", "-c", `test "$(cat ${b}/file)" = ok`],
          volumeMounts: [{ name: "shared", mountPath: b }],
        },
      ],
    },
  });
  const ok = await phaseOf("ok");
  assert.equal(ok["status"]["phase"], "Succeeded", JSON.stringify(ok["status"]));
  assert.equal(ok["status"]["initContainerStatuses"][0]["state"]["terminated"]["exitCode"], 0);

  await api.create(resources.pods, {
    metadata: { name: "bad", namespace: "ns" },
    spec: {
      initContainers: [{ name: "init", image: "x", command: ["sh", "-c", "exit 2"] }],
      containers: [{ name: "main", image: "x", command: ["true"] }],
    },
  });
  const bad = await phaseOf("bad");
  assert.equal(bad["status"]["phase"], "Failed");
  assert.equal(bad["status"]["initContainerStatuses"][0]["state"]["terminated"]["exitCode"], 2);
  assert.deepEqual(bad["status"]["containerStatuses"][0]["state"], { waiting: { reason: "PodInitializing" } });
});

// `aloft webhook init-certs` against the test API server through a kubeconfig file (KUBECONFIG), as an operator runs
// it: the first run creates the Secret, the second leaves it alone. And engine.taskRuntime choosing the pod plugin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig, silentLogger, systemClock } from "@aloft/core";
import { createKubeApi, resources } from "@aloft/kube";
import { startTestApiServer } from "@aloft/kube/testing";
import { runInitCerts } from "./webhook-process.ts";
import { taskRuntimePlugin } from "./wiring/task-runtime.ts";

test("aloft webhook init-certs is idempotent", async (t) => {
  const server = await startTestApiServer();
  const dir = await mkdtemp(join(tmpdir(), "aloft-webhook-"));
  const previous = process.env["KUBECONFIG"];
  t.after(async () => {
    if (previous === undefined) delete process.env["KUBECONFIG"];
    else process.env["KUBECONFIG"] = previous;
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const kubeconfig = join(dir, "kubeconfig");
  await writeFile(kubeconfig, server.kubeConfig().exportConfig());
  process.env["KUBECONFIG"] = kubeconfig;
  const api = createKubeApi(server.kubeConfig());
  await api.create(resources.namespaces, { metadata: { name: "flyte" } });
  const config = { ...defaultConfig(), logging: { ...defaultConfig().logging, level: "error" } };
  const o = { namespace: "flyte", serviceName: "flyte-pod-webhook", secretName: "flyte-pod-webhook" };
  assert.equal(await runInitCerts(config, o), "secret flyte/flyte-pod-webhook: created\n");
  const first = await api.get(resources.secrets, "flyte-pod-webhook", { namespace: "flyte" });
  assert.deepEqual(Object.keys(first["data"]).sort(), ["ca.crt", "tls.crt", "tls.key"]);
  assert.equal(await runInitCerts(config, o), "secret flyte/flyte-pod-webhook: unchanged\n");
  const second = await api.get(resources.secrets, "flyte-pod-webhook", { namespace: "flyte" });
  assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
});

test("engine.taskRuntime kubernetes: the pod plugin with the settings file; local: none", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "aloft-runtime-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const settings = join(dir, "pod.json");
  await writeFile(settings, JSON.stringify({ namespaceTemplate: "tenant-{{ project }}", defaultCpus: "250m" }));
  const base = defaultConfig();
  const logger = silentLogger();
  assert.equal(await taskRuntimePlugin(base, systemClock, logger), undefined);
  const kube = { ...base, engine: { ...base.engine, taskRuntime: "kubernetes", podPluginConfig: settings } };
  const plugin = await taskRuntimePlugin(kube, systemClock, logger);
  assert.ok(plugin);
  t.after(() => plugin.close());
  assert.equal(plugin.id, "k8s-pod");
  assert.equal(plugin.config.namespaceTemplate, "tenant-{{ project }}");
  assert.equal(plugin.config.defaultCpus, "250m");
  assert.equal(plugin.config.defaultMemory, "1024Mi", "unset settings keep upstream's defaults");
  await writeFile(settings, "{ not json");
  await assert.rejects(taskRuntimePlugin(kube, systemClock, logger), /engine.podPluginConfig/);
});

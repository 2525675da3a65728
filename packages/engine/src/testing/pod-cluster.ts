// Test support for the pod plugin: the test API server, a simulated kubelet on it, the execution's namespace, and
// a plugin over them. Test-only.
import { systemClock } from "@aloft/core";
import { createKubeApi, type KubeApi, resources } from "@aloft/kube";
import {
  type SimulatedKubelet,
  startSimulatedKubelet,
  startTestApiServer,
  type TestApiServer,
} from "@aloft/kube/testing";
import type { PodPluginConfig } from "../plugins/k8s-pod/config.ts";
import { PodPlugin } from "../plugins/k8s-pod/pod-plugin.ts";

export interface PodCluster {
  server: TestApiServer;
  api: KubeApi;
  kubelet: SimulatedKubelet;
  plugin(config?: Partial<PodPluginConfig>): PodPlugin;
  close(): Promise<void>;
}

/** A cluster with the namespaces `proj-dev` (the sandbox contexts' execution) and `p-d` (the engine harness'). */
export async function podCluster(options: { nodeLabels?: Record<string, string> } = {}): Promise<PodCluster> {
  const server = await startTestApiServer({ bookmarkIntervalMs: 1000 });
  const api = createKubeApi(server.kubeConfig(), { fieldManager: "aloft-test" });
  for (const name of ["proj-dev", "p-d"]) await api.create(resources.namespaces, { metadata: { name } });
  const kubelet = await startSimulatedKubelet(api, {
    maxGraceMs: 500,
    ...(options.nodeLabels ? { nodeLabels: options.nodeLabels } : {}),
  });
  const plugins: PodPlugin[] = [];
  return {
    server,
    api,
    kubelet,
    plugin: (config = {}) => {
      const p = new PodPlugin({ api, clock: systemClock, config });
      plugins.push(p);
      return p;
    },
    async close() {
      for (const p of plugins) p.close();
      await kubelet.stop();
      await server.close();
    },
  };
}

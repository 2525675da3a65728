// Where the contract suites run: always on the test API server, and on a real cluster when KUBECONFIG is set (each run
// in a fresh namespace, deleted after). Without KUBECONFIG the cluster target is skipped with a loud message.
import { randomBytes } from "node:crypto";
import { KubeConfig } from "@kubernetes/client-node";
import { createKubeApi, type KubeApi } from "../kube-api.ts";
import { resources } from "../resources.ts";
import { startTestApiServer, type TestApiServer } from "./api-server.ts";

export interface KubeTestEnv {
  api: KubeApi;
  kubeConfig: KubeConfig;
  /** A namespace of this run. */
  namespace: string;
  /** Only on the test API server: its hooks (compaction, closing watches). */
  server: TestApiServer | undefined;
  close(): Promise<void>;
}

export interface KubeTarget {
  name: string;
  /** Why this target does not run, when it does not. */
  skip: string | undefined;
  start(): Promise<KubeTestEnv>;
}

const testServer: KubeTarget = {
  name: "test API server",
  skip: undefined,
  async start() {
    const server = await startTestApiServer({ bookmarkIntervalMs: 100 });
    const kubeConfig = server.kubeConfig();
    const api = createKubeApi(kubeConfig, { fieldManager: "aloft-test" });
    const namespace = `aloft-test-${randomBytes(3).toString("hex")}`;
    await api.create(resources.namespaces, { metadata: { name: namespace } });
    return { api, kubeConfig, namespace, server, close: () => server.close() };
  },
};

let warned = false;

function clusterTarget(): KubeTarget {
  const file = process.env.KUBECONFIG;
  if (!file && !warned) {
    warned = true;
    process.stderr.write(
      "\n*** KUBECONFIG is not set: the Kubernetes contract suites ran ONLY against the test API server, NOT against a real cluster. ***\n\n",
    );
  }
  return {
    name: "real cluster (KUBECONFIG)",
    skip: file ? undefined : "KUBECONFIG is not set: not run against a real cluster",
    async start() {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(file!);
      const api = createKubeApi(kubeConfig, { fieldManager: "aloft-test" });
      const namespace = `aloft-test-${randomBytes(3).toString("hex")}`;
      await api.create(resources.namespaces, { metadata: { name: namespace } });
      return {
        api,
        kubeConfig,
        namespace,
        server: undefined,
        close: () => api.delete(resources.namespaces, namespace).catch(() => {}),
      };
    },
  };
}

export function kubeTargets(): KubeTarget[] {
  return [testServer, clusterTarget()];
}

/** Polls `check` until it returns a value other than undefined/false (the condition, not the time, is asserted). */
export async function eventually<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

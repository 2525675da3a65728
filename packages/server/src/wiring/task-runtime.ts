// The task runtime of `aloft engine` (config engine.taskRuntime): "local" keeps the local-process plugin; "kubernetes"
// runs container tasks (and the SDK's) as pods through the pod plugin, over the cluster of KUBECONFIG or the
// in-cluster service account. Kubernetes modules load only when chosen.
import { readFileSync } from "node:fs";
import { invalidArgument } from "@aloft/core";
import type { AloftConfig, Clock, Logger } from "@aloft/core";
import type { PodPlugin, PodPluginConfig } from "@aloft/engine/kube";

/** The pod plugin settings file (JSON; any PodPluginConfig field), or none. */
export function podPluginSettings(path: string): Partial<PodPluginConfig> {
  if (path === "") return {};
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Partial<PodPluginConfig>;
  } catch (err) {
    throw invalidArgument(
      "config.invalid",
      `config engine.podPluginConfig: cannot read ${path}: ${(err as Error).message}`,
    );
  }
}

/** The pod plugin when the runtime is kubernetes; undefined for the local runtime. */
export async function taskRuntimePlugin(
  config: AloftConfig,
  clock: Clock,
  logger: Logger,
): Promise<PodPlugin | undefined> {
  if (config.engine.taskRuntime !== "kubernetes") return undefined;
  const { createKubeApi, loadKubeConfig } = await import("@aloft/kube");
  const { PodPlugin } = await import("@aloft/engine/kube");
  const settings = podPluginSettings(config.engine.podPluginConfig);
  logger.info({ podPluginConfig: config.engine.podPluginConfig || "(defaults)" }, "tasks run as Kubernetes pods");
  return new PodPlugin({
    // The same cluster as the engine's Kubernetes mode and admin's executor: `kubernetes.kubeconfig` when set.
    api: createKubeApi(loadKubeConfig(config.kubernetes.kubeconfig || undefined), { fieldManager: "aloft-engine" }),
    clock,
    config: settings,
  });
}

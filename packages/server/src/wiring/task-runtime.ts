// The task runtime of `aloft engine` (config engine.taskRuntime): "local" keeps the local-process plugin; "kubernetes"
// runs container tasks (and the SDK's) as pods through the pod plugin, over the cluster of KUBECONFIG or the
// in-cluster service account. Kubernetes modules load only when chosen.
import { readFileSync } from "node:fs";
import { invalidArgument, underDataDir } from "@aloft/core";
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

/**
 * The engine's blob store as the ALOFT_STORAGE__* environment of copilot's containers (`aloft copilot …` in task
 * pods), so that they read the inputs and write the outputs where the engine does. A local store's root is made
 * absolute (it is reachable from pods only on a single-node cluster sharing the host's disk, e.g. the tests').
 * Credentials are not written into pod specs: copilot's containers use the pod's ambient credentials, as SDK task
 * pods do (workload identity, or `defaultEnvVars` / `copilotEnv` of the pod plugin settings).
 */
export function copilotStorageEnv(config: AloftConfig): Record<string, string> {
  const s = config.storage;
  const env: Record<string, string> = { ALOFT_STORAGE__KIND: s.kind, ALOFT_STORAGE__BUCKET: s.bucket };
  if (s.kind === "local") env["ALOFT_STORAGE__LOCAL_ROOT"] = underDataDir(config, s.localRoot);
  else {
    if (s.s3.endpoint) env["ALOFT_STORAGE__S3__ENDPOINT"] = s.s3.endpoint;
    if (s.s3.region) env["ALOFT_STORAGE__S3__REGION"] = s.s3.region;
    env["ALOFT_STORAGE__S3__FORCE_PATH_STYLE"] = String(s.s3.forcePathStyle);
  }
  return env;
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
    config: { ...settings, copilotEnv: { ...copilotStorageEnv(config), ...(settings.copilotEnv ?? {}) } },
  });
}

// `aloft clusterresource sync` (once; exit 1 when anything failed) and `aloft clusterresource run` (every
// clusterResources.refreshIntervalSeconds until SIGTERM): upstream's `flyteadmin clusterresource sync | run`, reading
// admin over gRPC and writing the cluster of `kubernetes.kubeconfig` (else KUBECONFIG, ~/.kube/config or in-cluster).
import { createLogger, type AloftConfig } from "@aloft/core";
import { createKubeApi, loadKubeConfig } from "@aloft/kube";
import { createAloftClient } from "@aloft/client";
import { engineCredentials } from "../engine-auth.ts";
import { adminClusterResourceData } from "./admin-data.ts";
import { ClusterResourceController, FIELD_MANAGER, type SyncStats } from "./controller.ts";

export interface ClusterResourceProcessOptions {
  adminEndpoint: string;
  once: boolean;
}

const summary = (s: SyncStats) =>
  `${s.namespaces} namespaces: ${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.errors.length} errors`;

export async function runClusterResource(config: AloftConfig, o: ClusterResourceProcessOptions): Promise<number> {
  const logger = createLogger({ level: config.logging.level });
  const endpoint = /^https?:\/\//.test(o.adminEndpoint) ? o.adminEndpoint : `http://${o.adminEndpoint}`;
  const credentials = engineCredentials(config);
  const client = createAloftClient({
    endpoint,
    protocol: "grpc",
    ...(credentials ? { clientCredentials: credentials } : {}),
  });
  const api = createKubeApi(loadKubeConfig(config.kubernetes.kubeconfig || undefined), { fieldManager: FIELD_MANAGER });
  const controller = new ClusterResourceController({
    api,
    data: adminClusterResourceData(client),
    templatePath: config.clusterResources.templatePath,
    templateData: config.clusterResources.templateData,
    namespaceTemplate: config.kubernetes.namespaceTemplate,
    logger,
  });
  const once = async (): Promise<SyncStats | undefined> => {
    try {
      const stats = await controller.sync();
      process.stdout.write(`cluster resources: ${summary(stats)}\n${stats.errors.map((e) => `  ${e}\n`).join("")}`);
      return stats;
    } catch (err) {
      logger.error({ err }, "cluster resource sync failed");
      process.stderr.write(`cluster resource sync failed: ${(err as Error).message}\n`);
      return undefined;
    }
  };
  if (o.once) {
    const stats = await once();
    client.close();
    return stats && stats.errors.length === 0 ? 0 : 1;
  }
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const loop = async () => {
    await once();
    if (!stopped) timer = setTimeout(loop, config.clusterResources.refreshIntervalSeconds * 1000);
  };
  await new Promise<void>((resolve) => {
    const stop = () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      client.close();
      resolve();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    void loop();
  });
  return 0;
}

// `aloft operator`: the TrackingServer operator as a replica runs it in a cluster (or from a laptop against the
// current kubeconfig context): leader election on a Lease, the controller while leading, and /healthz, /readyz and
// /metrics on one port. Losing the lease exits the process (the Deployment restarts it as a follower).
import { hostname } from "node:os";
import { type AloftConfig, createLogger, randomString } from "@aloft/core";
import { createKubeApi, loadKubeConfig } from "@aloft/kube";
import { createOperator, startOperatorEndpoint } from "@aloft/operator";

export interface OperatorProcessOptions {
  ingressController: "nginx" | "traefik";
  ingressClassName?: string;
  traefikGroup: string;
  /** Watch one namespace; unset: every namespace. */
  namespace?: string;
  leaseNamespace?: string;
  leaseName: string;
  workers: number;
  /** The /healthz, /readyz and /metrics port; 0 = none. */
  metricsPort: number;
  metricsHost: string;
}

export async function runOperatorProcess(config: AloftConfig, o: OperatorProcessOptions): Promise<void> {
  const logger = createLogger({ level: config.logging.level });
  const kubeConfig = loadKubeConfig();
  const api = createKubeApi(kubeConfig, { fieldManager: "aloft-operator" });
  const contextNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  const leaseNamespace = o.leaseNamespace ?? process.env.POD_NAMESPACE ?? contextNamespace ?? "default";
  const identity = `${process.env.POD_NAME ?? hostname()}_${randomString(6, "abcdefghijklmnopqrstuvwxyz0123456789")}`;
  const operator = createOperator({
    api,
    identity,
    leaseNamespace,
    leaseName: o.leaseName,
    config: {
      ingressController: o.ingressController,
      ingressClassName: o.ingressClassName,
      traefikGroup: o.traefikGroup,
    },
    namespace: o.namespace,
    workers: o.workers,
    logger,
    onLostLeadership: () => {
      logger.error({ identity }, "lost the lease; exiting so that a fresh replica campaigns again");
      process.exit(1);
    },
  });
  const endpoint = o.metricsPort > 0 ? await startOperatorEndpoint(operator, o.metricsHost, o.metricsPort) : undefined;
  operator.start();
  process.stdout.write(
    `Aloft TrackingServer operator is up: ${o.ingressController} ingress, watching ${o.namespace ?? "every namespace"}, lease ${leaseNamespace}/${o.leaseName} as ${identity}\n` +
      (endpoint ? `  health and metrics on :${endpoint.port} (/healthz, /readyz, /metrics)\n` : ""),
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "operator shutting down; releasing the lease");
    setTimeout(() => process.exit(1), 10_000).unref();
    await operator.stop();
    await endpoint?.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

// `aloft webhook` and `aloft webhook init-certs` (upstream flytepropeller's `webhook` and `webhook init-certs`): the
// secret-injection admission webhook. Loaded only when one of them runs.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AloftConfig } from "@aloft/core";
import { createLogger } from "@aloft/core";
import { createKubeApi, loadKubeConfig, resources } from "@aloft/kube";
import { certsOfSecret, initCerts, registerWebhook, startWebhookServer, type WebhookCerts } from "@aloft/engine/kube";

export interface WebhookOptions {
  /** Namespace of the webhook's Service and Secret (default $POD_NAMESPACE, else flyte). */
  namespace: string;
  serviceName: string;
  secretName: string;
}

export function defaultNamespace(): string {
  return process.env["POD_NAMESPACE"] || "flyte";
}

export async function runInitCerts(config: AloftConfig, o: WebhookOptions & { dnsNames?: string[] }): Promise<string> {
  const logger = createLogger({ level: config.logging.level });
  const api = createKubeApi(loadKubeConfig(), { fieldManager: "aloft-webhook" });
  const { outcome } = await initCerts(api, {
    namespace: o.namespace,
    serviceName: o.serviceName,
    secretName: o.secretName,
    ...(o.dnsNames ? { extraDnsNames: o.dnsNames } : {}),
  });
  logger.info({ secret: `${o.namespace}/${o.secretName}`, outcome }, "webhook certificates");
  return `secret ${o.namespace}/${o.secretName}: ${outcome}\n`;
}

async function certsFromDir(dir: string): Promise<WebhookCerts> {
  const [caPem, certPem, keyPem] = await Promise.all(
    ["ca.crt", "tls.crt", "tls.key"].map((f) => readFile(join(dir, f), "utf8")),
  );
  return { caPem: caPem!, certPem: certPem!, keyPem: keyPem! };
}

export async function runWebhook(
  config: AloftConfig,
  o: WebhookOptions & { port: number; certDir?: string; url?: string; configName: string },
): Promise<void> {
  const logger = createLogger({ level: config.logging.level });
  const api = createKubeApi(loadKubeConfig(), { fieldManager: "aloft-webhook" });
  const certs = o.certDir
    ? await certsFromDir(o.certDir)
    : certsOfSecret(await api.get(resources.secrets, o.secretName, { namespace: o.namespace }));
  const server = await startWebhookServer({ certs, port: o.port, logger });
  const registered = await registerWebhook(api, {
    name: o.configName,
    caPem: certs.caPem,
    ...(o.url ? { url: o.url } : { service: { name: o.serviceName, namespace: o.namespace, port: 443 } }),
  });
  logger.info({ port: server.port, configuration: o.configName, registered }, "webhook serving");
  const stop = async (signal: string) => {
    logger.info({ signal }, "webhook shutting down");
    await server.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

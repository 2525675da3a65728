// `aloft webhook` (upstream flytepropeller/pkg/webhook/entrypoint.go, pod.go): serves the mutating admission endpoint
// over TLS with the certificate of init-certs, and registers the MutatingWebhookConfiguration that sends it the pods
// labelled `inject-flyte-secrets=true` on CREATE, trusting the CA of the same Secret.
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { AloftError, Code } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { KubeApi, KubeObject, ResourceType } from "@aloft/kube";
import { INJECT_SECRETS_LABEL } from "../plugins/k8s-pod/secret-annotations.ts";
import { type AdmissionReview, review } from "./admission.ts";
import type { WebhookCerts } from "./certs.ts";

/** The path of the pod mutation endpoint (upstream's). */
export const MUTATE_PATH = "/mutate--v1-pod";
const MAX_BODY = 8 * 1024 * 1024;

const MUTATING_WEBHOOKS: ResourceType = {
  group: "admissionregistration.k8s.io",
  version: "v1",
  plural: "mutatingwebhookconfigurations",
  kind: "MutatingWebhookConfiguration",
  namespaced: false,
};

export interface WebhookServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startWebhookServer(o: {
  certs: Pick<WebhookCerts, "certPem" | "keyPem">;
  port: number;
  host?: string;
  logger: Logger;
}): Promise<WebhookServer> {
  const server: Server = createServer({ cert: o.certs.certPem, key: o.certs.keyPem }, (req, res) => {
    if (req.method === "GET" && req.url === "/healthz") {
      res.writeHead(200).end("ok");
      return;
    }
    if (req.method !== "POST" || req.url?.split("?")[0] !== MUTATE_PATH) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on("end", () => {
      let body: AdmissionReview;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as AdmissionReview;
      } catch {
        res.writeHead(400, { "Content-Type": "text/plain" }).end("the body is not an AdmissionReview");
        return;
      }
      const answer = review(body);
      if (answer.response?.["allowed"] === false)
        o.logger.warn({ uid: answer.response["uid"], message: answer.response["status"]?.message }, "pod refused");
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host ?? "0.0.0.0", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface RegistrationOptions {
  /** Name of the MutatingWebhookConfiguration (upstream: `flyte-pod-webhook`). */
  name: string;
  caPem: string;
  /** The Service in front of the webhook; or `url` for a webhook outside the cluster. */
  service?: { name: string; namespace: string; port: number };
  url?: string;
  failurePolicy?: "Fail" | "Ignore";
}

/** The configuration object (exported for manifests and tests). */
export function webhookConfiguration(o: RegistrationOptions): KubeObject {
  const clientConfig: Record<string, unknown> = { caBundle: Buffer.from(o.caPem).toString("base64") };
  if (o.url) clientConfig["url"] = `${o.url.replace(/\/$/, "")}${MUTATE_PATH}`;
  else if (o.service) clientConfig["service"] = { ...o.service, path: MUTATE_PATH };
  else throw new AloftError(Code.INVALID_ARGUMENT, "webhook.no_target", "the webhook needs a service or a url");
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name: o.name },
    webhooks: [
      {
        name: `${o.name}.flyte.org`,
        clientConfig,
        rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
        objectSelector: { matchLabels: { [INJECT_SECRETS_LABEL]: "true" } },
        admissionReviewVersions: ["v1"],
        sideEffects: "None",
        failurePolicy: o.failurePolicy ?? "Fail",
        timeoutSeconds: 10,
      },
    ],
  };
}

/** Creates the MutatingWebhookConfiguration, or brings an existing one up to date (a new CA, a new address). */
export async function registerWebhook(api: KubeApi, o: RegistrationOptions): Promise<"created" | "updated"> {
  const want = webhookConfiguration(o);
  for (;;) {
    const have = await api.get(MUTATING_WEBHOOKS, o.name).catch((err: unknown) => {
      if (err instanceof AloftError && err.code === Code.NOT_FOUND) return undefined;
      throw err;
    });
    try {
      if (!have) {
        await api.create(MUTATING_WEBHOOKS, want);
        return "created";
      }
      await api.update(MUTATING_WEBHOOKS, {
        ...want,
        metadata: { ...want.metadata, resourceVersion: have.metadata.resourceVersion! },
      });
      return "updated";
    } catch (err) {
      // Another replica got there first: read again and retry.
      if (err instanceof AloftError && (err.code === Code.ALREADY_EXISTS || err.code === Code.ABORTED)) continue;
      throw err;
    }
  }
}

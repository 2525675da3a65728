// Mutating admission webhooks in the test API server, as the real one calls them on CREATE: every
// MutatingWebhookConfiguration whose rules match the kind and whose objectSelector matches the object's labels is
// called over HTTPS (clientConfig.url, trusting clientConfig.caBundle) with an admission.k8s.io/v1 AdmissionReview;
// an answer with a JSONPatch mutates the object, a refusal fails the request with the webhook's status, a webhook
// that cannot be called fails it too (failurePolicy Fail, the default) or is skipped (Ignore).
// Not modelled: clientConfig.service (no cluster DNS here), namespaceSelector, matchPolicy, reinvocation,
// validating webhooks, operations other than CREATE.
import { request } from "node:https";
import type { KubeObject } from "../types.ts";
import { ApiFailure } from "./failure.ts";
import { jsonPatch } from "./patches.ts";
import type { ServedKind } from "./registry.ts";
import type { Store } from "./store.ts";

type Json = Record<string, any>;

const CONFIGS = { group: "admissionregistration.k8s.io", plural: "mutatingwebhookconfigurations" };

const matchesList = (list: unknown, value: string) =>
  Array.isArray(list) && (list.includes("*") || list.includes(value));

function ruleMatches(rules: Json[] | undefined, kind: ServedKind): boolean {
  return (rules ?? []).some(
    (r) =>
      matchesList(r["operations"], "CREATE") &&
      matchesList(r["apiGroups"], kind.group) &&
      matchesList(r["apiVersions"], kind.version) &&
      matchesList(r["resources"], kind.plural),
  );
}

function selectorMatches(selector: Json | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries((selector["matchLabels"] ?? {}) as Record<string, string>))
    if (labels[k] !== v) return false;
  for (const e of (selector["matchExpressions"] ?? []) as Json[]) {
    const has = e["key"] in labels;
    const value = labels[e["key"]];
    const values = (e["values"] ?? []) as string[];
    const ok =
      e["operator"] === "In"
        ? has && values.includes(value!)
        : e["operator"] === "NotIn"
          ? !has || !values.includes(value!)
          : e["operator"] === "Exists"
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

function call(url: string, caPem: string | undefined, body: unknown, timeoutMs: number): Promise<Json> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        ...(caPem ? { ca: caPem } : {}),
        headers: { "Content-Type": "application/json" },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          if ((res.statusCode ?? 0) >= 300) return reject(new Error(`the server responded with ${res.statusCode}`));
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json);
          } catch (err) {
            reject(err as Error);
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("context deadline exceeded")));
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

/** The object after the mutating webhooks that apply to its creation. */
export async function admitCreate(
  store: Store,
  kind: ServedKind,
  namespace: string | undefined,
  obj: KubeObject,
  dryRun: boolean,
): Promise<KubeObject> {
  let current: KubeObject = namespace ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj;
  const configs = [...store.list(CONFIGS)].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  for (const config of configs) {
    for (const hook of (config["webhooks"] ?? []) as Json[]) {
      if (!ruleMatches(hook["rules"], kind) || !selectorMatches(hook["objectSelector"], current.metadata.labels ?? {}))
        continue;
      const name = String(hook["name"]);
      const cc = (hook["clientConfig"] ?? {}) as Json;
      const uid = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
      let answer: Json;
      try {
        if (!cc["url"])
          throw new Error("clientConfig.service is not supported by the test API server: use clientConfig.url");
        answer = await call(
          cc["url"],
          cc["caBundle"] ? Buffer.from(cc["caBundle"], "base64").toString("utf8") : undefined,
          {
            apiVersion: "admission.k8s.io/v1",
            kind: "AdmissionReview",
            request: {
              uid,
              kind: { group: kind.group, version: kind.version, kind: kind.kind },
              resource: { group: kind.group, version: kind.version, resource: kind.plural },
              name: current.metadata.name ?? "",
              namespace: namespace ?? "",
              operation: "CREATE",
              object: current,
              dryRun,
            },
          },
          Number(hook["timeoutSeconds"] ?? 10) * 1000,
        );
      } catch (err) {
        if (hook["failurePolicy"] === "Ignore") continue;
        throw new ApiFailure(
          500,
          "InternalError",
          `Internal error occurred: failed calling webhook "${name}": ${(err as Error).message}`,
        );
      }
      const response = (answer["response"] ?? {}) as Json;
      if (response["allowed"] !== true) {
        const status = (response["status"] ?? {}) as Json;
        const code = Number(status["code"] ?? 400);
        throw new ApiFailure(
          code,
          code === 403 ? "Forbidden" : "BadRequest",
          `admission webhook "${name}" denied the request: ${status["message"] ?? ""}`,
        );
      }
      if (response["patch"] && response["patchType"] === "JSONPatch") {
        const ops = JSON.parse(Buffer.from(response["patch"], "base64").toString("utf8")) as Json[];
        current = jsonPatch(current, ops) as KubeObject;
      }
    }
  }
  return current;
}

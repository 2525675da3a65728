// What the port needs to address a kind of object over HTTP: its group, version, plural and scope. Explicit rather than
// discovered, so that a request never waits on discovery and a typo fails in review, not at run time.
import type { KubeObject } from "./types.ts";

export interface ResourceType {
  /** "" for the core group (`/api/v1`). */
  group: string;
  version: string;
  /** The path segment: `pods`, `leases`, `flyteworkflows`. */
  plural: string;
  kind: string;
  namespaced: boolean;
}

const core = (plural: string, kind: string, namespaced = true): ResourceType => ({
  group: "",
  version: "v1",
  plural,
  kind,
  namespaced,
});

/** The kinds Aloft uses; any other kind is a `ResourceType` literal away. */
export const resources = {
  namespaces: core("namespaces", "Namespace", false),
  pods: core("pods", "Pod"),
  secrets: core("secrets", "Secret"),
  configMaps: core("configmaps", "ConfigMap"),
  services: core("services", "Service"),
  serviceAccounts: core("serviceaccounts", "ServiceAccount"),
  events: core("events", "Event"),
  persistentVolumeClaims: core("persistentvolumeclaims", "PersistentVolumeClaim"),
  resourceQuotas: core("resourcequotas", "ResourceQuota"),
  deployments: { group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true },
  ingresses: { group: "networking.k8s.io", version: "v1", plural: "ingresses", kind: "Ingress", namespaced: true },
  leases: { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true },
  customResourceDefinitions: {
    group: "apiextensions.k8s.io",
    version: "v1",
    plural: "customresourcedefinitions",
    kind: "CustomResourceDefinition",
    namespaced: false,
  },
  mutatingWebhookConfigurations: {
    group: "admissionregistration.k8s.io",
    version: "v1",
    plural: "mutatingwebhookconfigurations",
    kind: "MutatingWebhookConfiguration",
    namespaced: false,
  },
} satisfies Record<string, ResourceType>;

/** `v1` or `apps/v1`. */
export function apiVersionOf(type: Pick<ResourceType, "group" | "version">): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

/** `/api/v1/namespaces/ns/pods/name/status`, leaving out what is not given. */
export function resourcePath(
  type: ResourceType,
  at: { namespace?: string | undefined; name?: string | undefined; subresource?: string | undefined } = {},
): string {
  const root = type.group === "" ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const ns = type.namespaced && at.namespace ? `/namespaces/${encodeURIComponent(at.namespace)}` : "";
  const name = at.name === undefined ? "" : `/${encodeURIComponent(at.name)}`;
  const sub = at.subresource && at.name !== undefined ? `/${at.subresource}` : "";
  return `${root}${ns}/${type.plural}${name}${sub}`;
}

/** The cache key client-go uses: `namespace/name`, or `name` for a cluster-scoped object. */
export function objectKey(obj: Pick<KubeObject, "metadata">): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : (obj.metadata.name ?? "");
}

/** Splits a `namespace/name` key; a key without a slash is a cluster-scoped name. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

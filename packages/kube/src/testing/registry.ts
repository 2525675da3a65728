// The kinds the test API server serves: the built-in ones Aloft and its operator touch, plus every kind a
// CustomResourceDefinition registers (and unregisters on its deletion), as the real server's discovery shows them.
import type { ResourceType } from "../resources.ts";
import type { KubeObject } from "../types.ts";

export interface ServedKind extends ResourceType {
  /** Writes to the main resource ignore `status`, writes to /status ignore everything else. */
  statusSubresource: boolean;
  /** A custom resource (strategic merge patch answers 415, PUT requires a resourceVersion). */
  custom: boolean;
  /** DELETE answers the deleted object rather than a Status (pods and custom resources do). */
  returnsDeletedObject: boolean;
}

const builtin = (
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced: boolean,
  statusSubresource: boolean,
  returnsDeletedObject = false,
): ServedKind => ({ group, version, plural, kind, namespaced, statusSubresource, custom: false, returnsDeletedObject });

const BUILTIN: ServedKind[] = [
  builtin("", "v1", "namespaces", "Namespace", false, true),
  builtin("", "v1", "pods", "Pod", true, true, true),
  builtin("", "v1", "secrets", "Secret", true, false),
  builtin("", "v1", "configmaps", "ConfigMap", true, false),
  builtin("", "v1", "services", "Service", true, true),
  builtin("", "v1", "serviceaccounts", "ServiceAccount", true, false),
  builtin("", "v1", "events", "Event", true, false),
  builtin("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, true),
  builtin("", "v1", "resourcequotas", "ResourceQuota", true, true),
  builtin("", "v1", "limitranges", "LimitRange", true, false),
  builtin("", "v1", "nodes", "Node", false, true),
  builtin("apps", "v1", "deployments", "Deployment", true, true),
  builtin("apps", "v1", "replicasets", "ReplicaSet", true, true),
  builtin("apps", "v1", "statefulsets", "StatefulSet", true, true),
  builtin("batch", "v1", "jobs", "Job", true, true),
  builtin("networking.k8s.io", "v1", "ingresses", "Ingress", true, true),
  builtin("coordination.k8s.io", "v1", "leases", "Lease", true, false),
  builtin("rbac.authorization.k8s.io", "v1", "roles", "Role", true, false),
  builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, false),
  builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, false),
  builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, false),
  builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, true),
  builtin(
    "admissionregistration.k8s.io",
    "v1",
    "mutatingwebhookconfigurations",
    "MutatingWebhookConfiguration",
    false,
    false,
  ),
  builtin(
    "admissionregistration.k8s.io",
    "v1",
    "validatingwebhookconfigurations",
    "ValidatingWebhookConfiguration",
    false,
    false,
  ),
];

export class Registry {
  private readonly kinds = new Map<string, ServedKind>();

  constructor() {
    for (const k of BUILTIN) this.add(k);
  }

  private static id(group: string, version: string, plural: string): string {
    return `${group}/${version}/${plural}`;
  }

  add(kind: ServedKind): void {
    this.kinds.set(Registry.id(kind.group, kind.version, kind.plural), kind);
  }

  find(group: string, version: string, plural: string): ServedKind | undefined {
    return this.kinds.get(Registry.id(group, version, plural));
  }

  all(): ServedKind[] {
    return [...this.kinds.values()];
  }

  /** The kinds a CustomResourceDefinition serves (one per served version). */
  static kindsOfCrd(crd: KubeObject): ServedKind[] {
    const spec = crd.spec ?? {};
    const versions: { name: string; served?: boolean; subresources?: { status?: unknown } }[] = spec.versions ?? [];
    return versions
      .filter((v) => v.served !== false)
      .map((v) => ({
        group: String(spec.group),
        version: v.name,
        plural: String(spec.names?.plural),
        kind: String(spec.names?.kind),
        namespaced: spec.scope !== "Cluster",
        statusSubresource: v.subresources?.status !== undefined,
        custom: true,
        returnsDeletedObject: true,
      }));
  }

  removeCrd(crd: KubeObject): void {
    for (const k of Registry.kindsOfCrd(crd)) this.kinds.delete(Registry.id(k.group, k.version, k.plural));
  }
}

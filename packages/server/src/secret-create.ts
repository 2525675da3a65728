// `aloft secret create` in a cluster: the Secret of `secret init`'s directory (upstream's name and namespace,
// flyte-admin-secrets in flyte) created through @aloft/kube's KubeApi, or, when it exists, replaced by what the
// directory holds now (so a re-run after a rotation publishes the new keys, and a key file deleted from the directory
// leaves the Secret too). The update carries the resourceVersion it read: a concurrent writer makes it a conflict,
// and it is read and tried again. This module only takes a KubeApi: the caller loads @aloft/kube lazily.
import type { SecretObject } from "@aloft/admin";
import { AloftError, Code } from "@aloft/core";
import type { KubeApi, KubeObject } from "@aloft/kube";

/** What is used of @aloft/kube besides the API (the module itself, loaded by the caller). */
type Kube = Pick<typeof import("@aloft/kube"), "isAlreadyExists" | "isConflict" | "isNotFound" | "resources">;

const ATTEMPTS = 5;

type KubeSecret = KubeObject & { type?: string; data?: Record<string, string> };

/** Creates or replaces the Secret; whether it was `created` or `updated` (or `unchanged`). */
export async function applySecret(
  api: KubeApi,
  secret: SecretObject,
  kube: Kube,
): Promise<"created" | "updated" | "unchanged"> {
  const { name, namespace } = secret.metadata;
  const where = `Secret ${namespace}/${name}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await api.create<KubeSecret>(kube.resources.secrets, { ...secret, metadata: { name, namespace } });
      return "created";
    } catch (err) {
      if (kube.isNotFound(err))
        throw new AloftError(
          Code.FAILED_PRECONDITION,
          "cli.secret_create",
          `cannot create ${where}: namespace ${namespace} does not exist (create it, or pass --namespace)`,
        );
      if (!kube.isAlreadyExists(err)) throw err;
    }
    const current = await api.get<KubeSecret>(kube.resources.secrets, name, { namespace });
    if (current.type === secret.type && sameData(current.data ?? {}, secret.data)) return "unchanged";
    try {
      // Labels, annotations and owners of the existing object stay; its data is the directory's.
      await api.update<KubeSecret>(kube.resources.secrets, { ...current, type: secret.type, data: secret.data });
      return "updated";
    } catch (err) {
      if (!(kube.isConflict(err) || kube.isNotFound(err)) || attempt >= ATTEMPTS) throw err;
      // Changed (or deleted) since it was read: read it again.
    }
  }
}

function sameData(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

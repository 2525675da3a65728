// `aloft secret create`: the secrets directory of `aloft secret init` as a Kubernetes Secret (upstream's
// `flyteadmin secret create`): created in the cluster through @aloft/kube (server's secret-create.ts), or printed as a
// manifest for `kubectl apply -f -`. Users' plain passwords are left out: they are for handing to people, not for
// the server, which reads only the hashes.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { failedPrecondition } from "@aloft/core";

const KEY = /^[-._a-zA-Z0-9]+$/;

export interface SecretObject {
  apiVersion: "v1";
  kind: "Secret";
  metadata: { name: string; namespace: string };
  type: "Opaque";
  /** File name → base64 of its content. */
  data: Record<string, string>;
}

/** The Secret holding every file of the directory (but users' plain passwords). */
export function secretObject(dir: string, o: { name: string; namespace: string }): SecretObject {
  let files: string[];
  try {
    files = readdirSync(dir).sort();
  } catch {
    throw failedPrecondition("auth.secret_create", `${dir} does not exist: run \`aloft secret init -p ${dir}\` first`);
  }
  const data: Record<string, string> = {};
  for (const f of files) {
    const path = join(dir, f);
    if (!statSync(path).isFile() || /^user-.+\.password$/.test(f) || !KEY.test(f)) continue;
    data[f] = readFileSync(path).toString("base64");
  }
  if (Object.keys(data).length === 0)
    throw failedPrecondition(
      "auth.secret_create",
      `${dir} holds no secrets: run \`aloft secret init -p ${dir}\` first`,
    );
  return { apiVersion: "v1", kind: "Secret", metadata: { name: o.name, namespace: o.namespace }, type: "Opaque", data };
}

/** The Secret as a YAML manifest. */
export function secretManifest(dir: string, o: { name: string; namespace: string }): string {
  // yaml is loaded here, not at import: the front door of admin must not load it on every start.
  const { stringify } = createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return stringify(secretObject(dir, o));
}

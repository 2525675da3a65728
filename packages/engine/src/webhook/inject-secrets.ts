// Secret injection into a pod (upstream flytepropeller/pkg/webhook/k8s_secrets.go and utils.go; spec §7.5): every
// secret the pod's annotations request (secret-annotations.ts) is taken from the Kubernetes Secret named by its group,
// key by key. FILE (and ANY) mounts the key read-only at /etc/flyte/secrets/<group>/<key> (lower case) in every
// container and init container, with FLYTE_SECRETS_DEFAULT_DIR and FLYTE_SECRETS_FILE_PREFIX; ENV_VAR sets
// _FSEC_<GROUP>_<KEY> (upper case; and the secret's own env_var name when it has one) from a secretKeyRef, with
// FLYTE_SECRETS_ENV_PREFIX. Existing env vars and mounts of the same name are left alone.
import { base32 } from "@aloft/core";
import { type Secret, Secret_MountType } from "@aloft/idl/flyteidl/core/security_pb.js";
import { AloftError, Code } from "@aloft/core";
import { secretsFromAnnotations } from "../plugins/k8s-pod/secret-annotations.ts";

type Json = Record<string, any>;

export const SECRETS_DIR = "/etc/flyte/secrets";
export const ENV_PREFIX = "_FSEC_";
const FLYTE_ALPHABET = "abcdefghijklmnopqrstuvwxyz123456";

function addEnv(containers: Json[] | undefined, env: Json): void {
  for (const c of containers ?? []) {
    const list = (c["env"] ??= []) as Json[];
    if (!list.some((e) => e["name"] === env["name"])) list.push(env);
  }
}

function addMount(containers: Json[] | undefined, mount: Json): void {
  for (const c of containers ?? []) {
    const list = (c["volumeMounts"] ??= []) as Json[];
    if (!list.some((m) => m["name"] === mount["name"])) list.push(mount);
  }
}

function injectOne(spec: Json, s: Secret): void {
  if (!s.group || !s.key)
    throw new AloftError(
      Code.INVALID_ARGUMENT,
      "webhook.bad_secret",
      `a secret needs a group and a key: ${s.group}/${s.key}`,
    );
  const all = [spec["initContainers"] as Json[] | undefined, spec["containers"] as Json[] | undefined];
  const ref = { secretKeyRef: { name: s.group, key: s.key, optional: true } };
  switch (s.mountRequirement) {
    case Secret_MountType.ANY:
    case Secret_MountType.FILE: {
      const volumes = (spec["volumes"] ??= []) as Json[];
      const item = { key: s.key, path: s.key.toLowerCase() };
      const same = volumes.find((v) => v["secret"]?.["secretName"] === s.group);
      let name: string;
      if (same) {
        same["secret"]["items"] = [...(same["secret"]["items"] ?? []), item];
        name = same["name"];
      } else {
        name = base32(new TextEncoder().encode(`${s.group}_${s.groupVersion}`), FLYTE_ALPHABET, false);
        volumes.push({ name, secret: { secretName: s.group, items: [item], optional: true } });
      }
      const mount = { name, readOnly: true, mountPath: `${SECRETS_DIR}/${s.group.toLowerCase()}` };
      for (const cs of all) {
        addMount(cs, mount);
        addEnv(cs, { name: "FLYTE_SECRETS_DEFAULT_DIR", value: SECRETS_DIR });
        addEnv(cs, { name: "FLYTE_SECRETS_FILE_PREFIX", value: "" });
      }
      break;
    }
    case Secret_MountType.ENV_VAR:
      for (const cs of all) {
        addEnv(cs, { name: `${ENV_PREFIX}${s.group}_${s.key}`.toUpperCase(), valueFrom: ref });
        if (s.envVar) addEnv(cs, { name: s.envVar, valueFrom: ref });
        addEnv(cs, { name: "FLYTE_SECRETS_ENV_PREFIX", value: ENV_PREFIX });
      }
      break;
    default:
      throw new AloftError(
        Code.INVALID_ARGUMENT,
        "webhook.bad_secret",
        `unknown mount requirement of ${s.group}/${s.key}`,
      );
  }
}

/** The pod with its requested secrets injected (a copy); the pod unchanged when it requests none. */
export function injectSecrets(pod: Json): { pod: Json; injected: number } {
  const secrets = secretsFromAnnotations(pod["metadata"]?.["annotations"]);
  if (secrets.length === 0) return { pod, injected: 0 };
  const out = structuredClone(pod);
  out["spec"] ??= {};
  for (const s of secrets) injectOne(out["spec"] as Json, s);
  return { pod: out, injected: secrets.length };
}

// How a pod says which secrets its task asked for (upstream flytepropeller/pkg/utils/secrets/marshaler.go): the label
// `inject-flyte-secrets=true` selects the pod for the webhook, and one annotation `flyte.secrets/s<i>` per secret holds
// the Secret message in protobuf text format, base32-encoded over flyteplugins' alphabet without padding.
import { create } from "@bufbuild/protobuf";
import { type Secret, SecretSchema, Secret_MountType } from "@aloft/idl/flyteidl/core/security_pb.js";
import { AloftError, base32, Code } from "@aloft/core";

export const SECRET_ANNOTATION_PREFIX = "flyte.secrets/s";
export const INJECT_SECRETS_LABEL = "inject-flyte-secrets";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz123456";
const MOUNT_NAMES: Record<Secret_MountType, string> = {
  [Secret_MountType.ANY]: "ANY",
  [Secret_MountType.ENV_VAR]: "ENV_VAR",
  [Secret_MountType.FILE]: "FILE",
};

const quote = (s: string) => JSON.stringify(s);

/** The Secret in protobuf text format (what Go's proto.MarshalTextString writes: set fields only). */
export function secretText(s: Secret): string {
  const parts: string[] = [];
  if (s.group) parts.push(`group:${quote(s.group)}`);
  if (s.groupVersion) parts.push(`group_version:${quote(s.groupVersion)}`);
  if (s.key) parts.push(`key:${quote(s.key)}`);
  if (s.mountRequirement !== Secret_MountType.ANY) parts.push(`mount_requirement:${MOUNT_NAMES[s.mountRequirement]}`);
  if (s.envVar) parts.push(`env_var:${quote(s.envVar)}`);
  return parts.join(" ");
}

function bad(message: string): AloftError {
  return new AloftError(Code.INVALID_ARGUMENT, "pod.bad_secret_annotation", message);
}

/** Parses the text format of a Secret (the fields it has; unknown fields are an error). */
export function parseSecretText(text: string): Secret {
  const s = create(SecretSchema);
  const field = /\s*([a-z_]+)\s*:\s*("(?:[^"\\]|\\.)*"|[A-Z_]+|\d+)\s*/y;
  let at = 0;
  while (at < text.length) {
    field.lastIndex = at;
    const m = field.exec(text);
    if (!m) {
      if (text.slice(at).trim() === "") break;
      throw bad(`cannot parse secret "${text}" at ${at}`);
    }
    at = field.lastIndex;
    const [, name, raw] = m;
    const str = () => (raw!.startsWith('"') ? (JSON.parse(raw!) as string) : raw!);
    switch (name) {
      case "group":
        s.group = str();
        break;
      case "group_version":
        s.groupVersion = str();
        break;
      case "key":
        s.key = str();
        break;
      case "env_var":
        s.envVar = str();
        break;
      case "mount_requirement": {
        const entry = Object.entries(MOUNT_NAMES).find(([n, v]) => v === raw || n === raw);
        if (!entry) throw bad(`unknown mount requirement ${raw}`);
        s.mountRequirement = Number(entry[0]) as Secret_MountType;
        break;
      }
      default:
        throw bad(`unknown secret field ${name}`);
    }
  }
  return s;
}

function decodeBase32(text: string): Uint8Array {
  const clean = text.replace(/=+$/, "");
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw bad(`"${text}" is not base32`);
    buffer = (buffer << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  return Uint8Array.from(out);
}

/** The pod annotations for the requested secrets. */
export function secretAnnotations(secrets: readonly Secret[]): Record<string, string> {
  const out: Record<string, string> = {};
  secrets.forEach((s, i) => {
    out[`${SECRET_ANNOTATION_PREFIX}${i}`] = base32(new TextEncoder().encode(secretText(s)), ALPHABET, false);
  });
  return out;
}

/** The secrets a pod's annotations request, in annotation order. */
export function secretsFromAnnotations(annotations: Record<string, string> | undefined): Secret[] {
  return Object.entries(annotations ?? {})
    .filter(([k]) => k.startsWith(SECRET_ANNOTATION_PREFIX))
    .sort(
      ([a], [b]) => Number(a.slice(SECRET_ANNOTATION_PREFIX.length)) - Number(b.slice(SECRET_ANNOTATION_PREFIX.length)),
    )
    .map(([, v]) => parseSecretText(new TextDecoder().decode(decodeBase32(v))));
}

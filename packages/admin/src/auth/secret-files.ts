// The files `aloft secret init` writes and admin reads (upstream's `flyteadmin secret init`): cookie hash/block keys,
// the token signing key, and per client a secret (for the client to read) and its hash (for admin). Mode 0600.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { failedPrecondition } from "@aloft/core/errors.ts";
import { generateSecret, hashSecret } from "./secret-hash.ts";

export const SECRET_FILES = {
  cookieHashKey: "cookie-hash-key",
  cookieBlockKey: "cookie-block-key",
  /** The key that signs; other `token-signing-key*.pem` files (rotated-out keys) still verify and are published. */
  signingKey: "token-signing-key.pem",
  clientSecret: (id: string) => `${id}.secret`,
  clientSecretHash: (id: string) => `${id}.secret-hash`,
};

const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface SecretInitOptions {
  dir: string;
  /** Confidential clients to create secrets for besides flytepropeller (the engine's, always created). */
  clients?: string[];
  /** Replace files that exist (default: keep them, so that a repeated init changes nothing). */
  force?: boolean;
}

/** Writes what is missing (or everything, with force); returns the file names written. */
export async function initSecrets(o: SecretInitOptions): Promise<string[]> {
  const clients = [...new Set(["flytepropeller", ...(o.clients ?? [])])];
  for (const c of clients) {
    if (!CLIENT_ID.test(c)) throw failedPrecondition("auth.secret_init", `invalid client id ${JSON.stringify(c)}`);
  }
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  const put = (name: string, content: string) => {
    const path = join(o.dir, name);
    if (existsSync(path) && !o.force) return;
    writeFileSync(path, content, { mode: 0o600 });
    chmodSync(path, 0o600);
    written.push(name);
  };
  put(SECRET_FILES.cookieHashKey, `${randomBytes(64).toString("base64")}\n`);
  put(SECRET_FILES.cookieBlockKey, `${randomBytes(32).toString("base64")}\n`);
  put(SECRET_FILES.signingKey, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  for (const c of clients) {
    const secretPath = join(o.dir, SECRET_FILES.clientSecret(c));
    if (existsSync(secretPath) && !o.force) continue;
    const secret = generateSecret();
    put(SECRET_FILES.clientSecret(c), `${secret}\n`);
    put(SECRET_FILES.clientSecretHash(c), `${await hashSecret(secret)}\n`);
  }
  return written;
}

/** The PEM private keys: the signing one first, then rotated-out ones (`token-signing-key.<anything>.pem`). */
export function readSigningKeys(dir: string): { signing: string; others: string[] } {
  const path = join(dir, SECRET_FILES.signingKey);
  if (!existsSync(path)) {
    throw failedPrecondition("auth.no_signing_key", `auth is enabled but ${path} does not exist: run \`aloft secret init -p ${dir}\``);
  }
  const others = readdirSync(dir)
    .filter((f) => f !== SECRET_FILES.signingKey && /^token-signing-key.*\.pem$/.test(f))
    .sort()
    .map((f) => readFileSync(join(dir, f), "utf8"));
  return { signing: readFileSync(path, "utf8"), others };
}

/** A client's secret hash from the secrets directory, if there is one. */
export function readClientSecretHash(dir: string, id: string): string | undefined {
  if (!CLIENT_ID.test(id)) return undefined;
  const path = join(dir, SECRET_FILES.clientSecretHash(id));
  return existsSync(path) ? readFileSync(path, "utf8").trim() : undefined;
}

// The files `aloft secret init` writes and admin reads (upstream's `flyteadmin secret init`): cookie hash/block keys,
// the token signing key, and per client a secret (for the client to read) and its hash (for admin). Mode 0600.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { failedPrecondition } from "@aloft/core";
import { generateSecret, hashSecret } from "./secret-hash.ts";

export const SECRET_FILES = {
  cookieHashKey: "cookie-hash-key",
  cookieBlockKey: "cookie-block-key",
  /** The key that signs; other `token-signing-key*.pem` files (rotated-out keys) still verify and are published. */
  signingKey: "token-signing-key.pem",
  clientSecret: (id: string) => `${id}.secret`,
  clientSecretHash: (id: string) => `${id}.secret-hash`,
  /** A person who may sign in at /oauth2/authorize: a generated password (hand it over, then delete it) and its hash. */
  userPassword: (name: string) => `user-${name}.password`,
  userPasswordHash: (name: string) => `user-${name}.password-hash`,
};

const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface SecretInitOptions {
  dir: string;
  /** Confidential clients to create secrets for besides flytepropeller (the engine's, always created). */
  clients?: string[];
  /** People who sign in to the self-hosted authorization server (authorization code + PKCE: `aloft login`, the console). */
  users?: string[];
  /** Replace files that exist (default: keep them, so that a repeated init changes nothing). */
  force?: boolean;
}

/** Writes what is missing (or everything, with force); returns the file names written. */
export async function initSecrets(o: SecretInitOptions): Promise<string[]> {
  const clients = [...new Set(["flytepropeller", ...(o.clients ?? [])])];
  for (const c of clients) {
    if (!CLIENT_ID.test(c)) throw failedPrecondition("auth.secret_init", `invalid client id ${JSON.stringify(c)}`);
  }
  const users = [...new Set(o.users ?? [])];
  for (const u of users) {
    if (!CLIENT_ID.test(u)) throw failedPrecondition("auth.secret_init", `invalid user name ${JSON.stringify(u)}`);
    if (clients.includes(u))
      throw failedPrecondition(
        "auth.secret_init",
        `user ${u} has the name of a client: a person must not be able to act as a client`,
      );
  }
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  const put = (name: string, content: string, replace = o.force) => {
    const path = join(o.dir, name);
    if (existsSync(path) && !replace) return;
    writeFileSync(path, content, { mode: 0o600 });
    chmodSync(path, 0o600);
    written.push(name);
  };
  put(SECRET_FILES.cookieHashKey, `${randomBytes(64).toString("base64")}\n`);
  put(SECRET_FILES.cookieBlockKey, `${randomBytes(32).toString("base64")}\n`);
  put(
    SECRET_FILES.signingKey,
    generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  );
  for (const c of clients) {
    const secretPath = join(o.dir, SECRET_FILES.clientSecret(c));
    if (existsSync(secretPath) && !o.force) continue;
    const secret = generateSecret();
    put(SECRET_FILES.clientSecret(c), `${secret}\n`);
    put(SECRET_FILES.clientSecretHash(c), `${await hashSecret(secret)}\n`);
  }
  for (const u of users) {
    if (existsSync(join(o.dir, SECRET_FILES.userPasswordHash(u))) && !o.force) continue;
    const password = generateSecret(18);
    put(SECRET_FILES.userPassword(u), `${password}\n`, true);
    put(SECRET_FILES.userPasswordHash(u), `${await hashSecret(password)}\n`, true);
  }
  return written;
}

/** The users of the secrets directory and their password hashes (`user-<name>.password-hash`). */
export function readUserPasswordHashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    const m = /^user-(.+)\.password-hash$/.exec(f);
    if (m && CLIENT_ID.test(m[1]!)) out.set(m[1]!, readFileSync(join(dir, f), "utf8").trim());
  }
  return out;
}

/** The cookie keys (`aloft secret init`): HMAC key (hash) and AES-256 key (block), or undefined when missing. */
export function readCookieKeys(dir: string): { hashKey: Buffer; blockKey: Buffer } | undefined {
  const read = (name: string) => {
    const path = join(dir, name);
    return existsSync(path) ? Buffer.from(readFileSync(path, "utf8").trim(), "base64") : undefined;
  };
  const hashKey = read(SECRET_FILES.cookieHashKey);
  const blockKey = read(SECRET_FILES.cookieBlockKey);
  if (!hashKey || !blockKey) return undefined;
  if (blockKey.length !== 32 || hashKey.length < 32)
    throw failedPrecondition(
      "auth.cookie_keys",
      `the cookie keys in ${dir} have the wrong length (run \`aloft secret init --force\`)`,
    );
  return { hashKey, blockKey };
}

/** The PEM private keys: the signing one first, then rotated-out ones (`token-signing-key.<anything>.pem`). */
export function readSigningKeys(dir: string): { signing: string; others: string[] } {
  const path = join(dir, SECRET_FILES.signingKey);
  if (!existsSync(path)) {
    throw failedPrecondition(
      "auth.no_signing_key",
      `auth is enabled but ${path} does not exist: run \`aloft secret init -p ${dir}\``,
    );
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

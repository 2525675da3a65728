// Client secrets are stored only as scrypt hashes (node:crypto) and compared in constant time.
//   scrypt$<N>$<r>$<p>$<salt, base64url>$<hash, base64url>
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";

const KEY_LENGTH = 32;
const DEFAULTS = { N: 16384, r: 8, p: 1 };

function scrypt(secret: string, salt: Buffer, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(secret, salt, KEY_LENGTH, { ...o, maxmem: 128 * o.N! * o.r! * 2 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** A fresh random secret: 32 bytes, base64url (unchanged by form or URL encoding). */
export function generateSecret(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, DEFAULTS);
  return `scrypt$${DEFAULTS.N}$${DEFAULTS.r}$${DEFAULTS.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

/** Whether the hash is one hashSecret wrote (shape only). */
export function isSecretHash(hash: string): boolean {
  return parse(hash) !== undefined;
}

function parse(hash: string): { N: number; r: number; p: number; salt: Buffer; key: Buffer } | undefined {
  const parts = hash.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 1 << 20 || (N & (N - 1)) !== 0) return undefined;
  const salt = Buffer.from(parts[4]!, "base64url");
  const key = Buffer.from(parts[5]!, "base64url");
  if (salt.length < 8 || key.length !== KEY_LENGTH) return undefined;
  return { N, r, p, salt, key };
}

// Unknown clients are checked against this, so that a wrong client id costs as much time as a wrong secret.
const DUMMY = `scrypt$${DEFAULTS.N}$${DEFAULTS.r}$${DEFAULTS.p}$${Buffer.alloc(16).toString("base64url")}$${Buffer.alloc(KEY_LENGTH).toString("base64url")}`;

/** Constant-time check of `secret` against `hash` (undefined hash: spends the same time, returns false). */
export async function verifySecret(secret: string, hash: string | undefined): Promise<boolean> {
  const parsed = hash === undefined ? undefined : parse(hash);
  const h = parsed ?? parse(DUMMY)!;
  const key = await scrypt(secret, h.salt, { N: h.N, r: h.r, p: h.p });
  const same = timingSafeEqual(key, h.key);
  return same && parsed !== undefined;
}

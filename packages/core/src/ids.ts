import { randomBytes, randomFillSync } from "node:crypto";

/** Request ids as flyteadmin generates them: "a-" followed by 20 random characters. */
const REQUEST_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/**
 * Random bytes drawn from a pool filled POOL_BYTES at a time: a request id per message of admin's event stream (and
 * per RPC) called crypto once each, ≈ 1 % of the split-mode engine's batched events' CPU (docs/performance.md).
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolAt = POOL_BYTES;

export function randomString(length: number, alphabet: string): string {
  let bytes: Buffer = pool;
  let at = poolAt;
  if (length > POOL_BYTES) {
    bytes = randomBytes(length);
    at = 0;
  } else if (poolAt + length > POOL_BYTES) {
    randomFillSync(pool);
    at = 0;
  }
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[bytes[at + i]! % alphabet.length];
  if (bytes === pool) poolAt = at + length;
  return out;
}

export function newRequestId(): string {
  return `a-${randomString(20, REQUEST_ID_ALPHABET)}`;
}

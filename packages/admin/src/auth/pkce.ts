// PKCE (RFC 7636), S256 only: `plain` would let anyone who sees the authorization request redeem the code.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

export const s256 = (verifier: string) => createHash("sha256").update(verifier, "ascii").digest("base64url");

export function isChallenge(challenge: string): boolean {
  return CHALLENGE.test(challenge);
}

/** Whether `verifier` is well-formed and hashes to `challenge` (constant-time comparison). */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier) || !CHALLENGE.test(challenge)) return false;
  return timingSafeEqual(Buffer.from(s256(verifier)), Buffer.from(challenge));
}

/** A fresh verifier and its challenge (for Aloft's own clients: the console and `aloft login`). */
export function newPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: s256(verifier) };
}

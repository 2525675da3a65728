// The self-hosted authorization server's keys: PEM private keys from the secrets directory, their public halves as a
// JWKS (kid = RFC 7638 thumbprint). The first key signs; rotated-out keys still verify until they are removed.
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, type JWK } from "jose";

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

export interface KeySet {
  signing: SigningKey;
  /** Every public key (signing first), as served at /oauth2/jwks. */
  jwks: { keys: JWK[] };
}

async function signingKey(pem: string): Promise<SigningKey> {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== "rsa") throw new Error("token signing keys must be RSA (RS256)");
  const jwk = createPublicKey(privateKey).export({ format: "jwk" }) as JWK;
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicJwk: { ...jwk, kid, alg: "RS256", use: "sig" } };
}

export async function loadKeySet(pems: { signing: string; others: string[] }): Promise<KeySet> {
  const signing = await signingKey(pems.signing);
  const others = await Promise.all(pems.others.map(signingKey));
  return {
    signing,
    jwks: { keys: [signing.publicJwk, ...others.filter((k) => k.kid !== signing.kid).map((k) => k.publicJwk)] },
  };
}

// Validates access tokens with jose: signature (the self-hosted key set, or an external IdP's JWKS), issuer,
// audience, expiry and not-before, and the required scope. Every failure is UNAUTHENTICATED with the reason (never
// the token).
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { AloftError, Code } from "@aloft/core";
import type { Clock } from "@aloft/core";
import type { Principal } from "./principal.ts";

export interface TokenVerifierOptions {
  keys: JWTVerifyGetKey;
  issuer: () => string;
  audience: () => string;
  requiredScope: string;
  clock: Clock;
  /** Seconds of clock skew tolerated on exp/nbf/iat (default 0). */
  clockToleranceSeconds?: number;
}

export const unauthenticated = (id: string, message: string) => new AloftError(Code.UNAUTHENTICATED, id, message);

const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

export function localKeys(jwks: { keys: import("jose").JWK[] }): JWTVerifyGetKey {
  return createLocalJWKSet(jwks);
}

/** An IdP's JWKS, fetched on first use and cached by jose (refetched when a token names an unknown kid). */
export function remoteKeys(jwksUri: () => Promise<string>): JWTVerifyGetKey {
  let set: Promise<JWTVerifyGetKey> | undefined;
  return async (header, token) => {
    set ??= jwksUri()
      .then((u) => createRemoteJWKSet(new URL(u)) as JWTVerifyGetKey)
      .catch((err: unknown) => {
        set = undefined;
        throw err;
      });
    return (await set)(header, token);
  };
}

export function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === "string") return raw.split(" ").filter(Boolean);
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === "string");
  return [];
}

export class TokenVerifier {
  constructor(private readonly o: TokenVerifierOptions) {}

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.o.keys, {
        issuer: this.o.issuer(),
        audience: this.o.audience(),
        algorithms: ALGORITHMS,
        currentDate: this.o.clock.now(),
        clockTolerance: this.o.clockToleranceSeconds ?? 0,
        requiredClaims: ["exp", "sub"],
      }));
    } catch (err) {
      throw refusal(err);
    }
    const scopes = scopesOf(payload);
    if (this.o.requiredScope !== "" && !scopes.includes(this.o.requiredScope)) {
      throw unauthenticated("auth.scope", `access token lacks the required scope "${this.o.requiredScope}"`);
    }
    return { subject: payload.sub!, claims: payload as Record<string, unknown> };
  }
}

function refusal(err: unknown): AloftError {
  if (err instanceof errors.JWTExpired) return unauthenticated("auth.token_expired", "access token expired");
  if (err instanceof errors.JWTClaimValidationFailed)
    return unauthenticated("auth.token_claim", `access token refused: ${err.claim} claim: ${err.message}`);
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return unauthenticated("auth.token_signature", "access token refused: signature verification failed");
  if (err instanceof errors.JWKSNoMatchingKey)
    return unauthenticated("auth.token_key", "access token refused: not signed by a trusted key");
  if (err instanceof errors.JOSEAlgNotAllowed)
    return unauthenticated("auth.token_alg", "access token refused: signing algorithm not allowed");
  if (err instanceof errors.JOSEError)
    return unauthenticated("auth.token_invalid", `access token refused: ${err.code}`);
  if (err instanceof errors.JWKSTimeout || err instanceof TypeError)
    return new AloftError(
      Code.UNAVAILABLE,
      "auth.jwks_unavailable",
      "cannot fetch the identity provider's signing keys",
    );
  return unauthenticated("auth.token_invalid", "access token refused: not a valid JWT");
}

// Signs the access tokens of the self-hosted authorization server: RS256 JWTs (RFC 9068 shape: typ at+jwt, iss, sub,
// aud, iat, exp, jti, client_id, scope), short-lived (auth.self.accessTokenLifetimeSeconds).
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { Clock } from "@aloft/core/clock.ts";
import type { KeySet } from "./signing-keys.ts";

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  scope: string[];
}

export interface TokenIssuerDeps {
  keys: KeySet;
  clock: Clock;
  issuer: () => string;
  audience: () => string;
  lifetimeSeconds: number;
}

export class TokenIssuer {
  constructor(private readonly deps: TokenIssuerDeps) {}

  /** A token for a client acting as itself (client credentials): the subject is the client id. */
  async issue(clientId: string, scope: string[]): Promise<IssuedToken> {
    const { keys, clock, lifetimeSeconds } = this.deps;
    const now = Math.floor(clock.now().getTime() / 1000);
    const accessToken = await new SignJWT({ client_id: clientId, scope: scope.join(" ") })
      .setProtectedHeader({ alg: "RS256", kid: keys.signing.kid, typ: "at+jwt" })
      .setIssuer(this.deps.issuer())
      .setSubject(clientId)
      .setAudience(this.deps.audience())
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeSeconds)
      .setJti(randomUUID())
      .sign(keys.signing.privateKey);
    return { accessToken, expiresIn: lifetimeSeconds, scope };
  }
}

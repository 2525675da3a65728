// Signs the access tokens of the self-hosted authorization server: RS256 JWTs (RFC 9068 shape: typ at+jwt, iss, sub,
// aud, iat, exp, jti, client_id, scope), short-lived (auth.self.accessTokenLifetimeSeconds). For a person (authorization
// code grant) the subject is the user and an OpenID Connect ID token is signed too when `openid` was asked for.
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { Clock } from "@aloft/core";
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
  issue(clientId: string, scope: string[]): Promise<IssuedToken> {
    return this.issueFor(clientId, clientId, scope);
  }

  /** A token for `subject` (a user, or the client itself) obtained through `clientId`. */
  async issueFor(subject: string, clientId: string, scope: string[]): Promise<IssuedToken> {
    const { keys, clock, lifetimeSeconds } = this.deps;
    const now = Math.floor(clock.now().getTime() / 1000);
    const accessToken = await new SignJWT({ client_id: clientId, scope: scope.join(" ") })
      .setProtectedHeader({ alg: "RS256", kid: keys.signing.kid, typ: "at+jwt" })
      .setIssuer(this.deps.issuer())
      .setSubject(subject)
      .setAudience(this.deps.audience())
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeSeconds)
      .setJti(randomUUID())
      .sign(keys.signing.privateKey);
    return { accessToken, expiresIn: lifetimeSeconds, scope };
  }
}

/** An OpenID Connect ID token (audience: the client; `nonce` echoed when the authorization request had one). */
export async function signIdToken(
  deps: Pick<TokenIssuerDeps, "keys" | "clock" | "issuer" | "lifetimeSeconds">,
  o: { subject: string; clientId: string; nonce?: string; authTime: number; name?: string },
): Promise<string> {
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  const claims: Record<string, unknown> = { auth_time: o.authTime, preferred_username: o.subject };
  if (o.nonce) claims.nonce = o.nonce;
  if (o.name) claims.name = o.name;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: deps.keys.signing.kid, typ: "JWT" })
    .setIssuer(deps.issuer())
    .setSubject(o.subject)
    .setAudience(o.clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + deps.lifetimeSeconds)
    .sign(deps.keys.signing.privateKey);
}

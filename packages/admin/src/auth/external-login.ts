// The console signing in at an external OpenID Connect provider (auth.external.consoleClientId): the provider's
// discovery document, the authorization code grant with PKCE (S256) and client_secret_basic, ID token checked with
// jose (signature by the provider's JWKS, iss, aud = the client, nonce), refresh and RFC 7009 revocation where the
// provider offers it. The access token the provider issues is what the session cookie carries; the token verifier
// checks it on every call as it checks any bearer token from the provider.
import { readFileSync } from "node:fs";
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { LoginProvider, TokenSet } from "./browser-session.ts";

export interface ExternalLoginOptions {
  issuer: string;
  clientId: string;
  /** The secret's file, read at each use (a rotated secret needs no restart). */
  secretFile: string;
  scopes: string[];
  fetch?: typeof fetch;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  revocation_endpoint?: string;
}

export function externalLoginProvider(o: ExternalLoginOptions): LoginProvider {
  const doFetch = o.fetch ?? fetch;
  const issuer = o.issuer.replace(/\/+$/, "");
  let discovered: Promise<{ doc: Discovery; keys: JWTVerifyGetKey }> | undefined;
  const discover = () =>
    (discovered ??= (async () => {
      const res = await doFetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`the identity provider's discovery document answered HTTP ${res.status}`);
      const doc = (await res.json()) as Partial<Discovery>;
      if (
        typeof doc.authorization_endpoint !== "string" ||
        typeof doc.token_endpoint !== "string" ||
        typeof doc.jwks_uri !== "string"
      ) {
        throw new Error(
          "the identity provider's discovery document lacks authorization_endpoint, token_endpoint or jwks_uri",
        );
      }
      return { doc: doc as Discovery, keys: createRemoteJWKSet(new URL(doc.jwks_uri)) as JWTVerifyGetKey };
    })().catch((err: unknown) => {
      discovered = undefined;
      throw err;
    }));
  const basic = () => {
    const secret = readFileSync(o.secretFile, "utf8").trim();
    return `Basic ${Buffer.from(`${encodeURIComponent(o.clientId)}:${encodeURIComponent(secret)}`).toString("base64")}`;
  };
  async function post(url: string, form: Record<string, string>): Promise<Record<string, unknown>> {
    const res = await doFetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        authorization: basic(),
      },
      body: new URLSearchParams(form),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new Error(typeof body.error === "string" ? body.error : `HTTP ${res.status}`);
    return body;
  }
  async function tokens(form: Record<string, string>, nonce?: string): Promise<TokenSet> {
    const { doc, keys } = await discover();
    const b = await post(doc.token_endpoint, form);
    if (typeof b.access_token !== "string") throw new Error("the identity provider returned no access token");
    if (typeof b.id_token === "string") {
      const { payload } = await jwtVerify(b.id_token, keys, { issuer: o.issuer, audience: o.clientId });
      if (nonce !== undefined && payload.nonce !== nonce)
        throw new Error("the ID token's nonce does not match the sign-in request");
    } else if (nonce !== undefined) {
      throw new Error("the identity provider returned no ID token");
    }
    return {
      accessToken: b.access_token,
      ...(typeof b.refresh_token === "string" ? { refreshToken: b.refresh_token } : {}),
      ...(typeof b.id_token === "string" ? { idToken: b.id_token } : {}),
    };
  }
  return {
    async authorizationUrl(p) {
      const u = new URL((await discover()).doc.authorization_endpoint);
      const q = {
        response_type: "code",
        client_id: o.clientId,
        redirect_uri: p.redirectUri,
        scope: o.scopes.join(" "),
        state: p.state,
        nonce: p.nonce,
        code_challenge: p.challenge,
        code_challenge_method: "S256",
      };
      for (const [k, v] of Object.entries(q)) u.searchParams.set(k, v);
      return u.toString();
    },
    exchange: (p) =>
      tokens(
        { grant_type: "authorization_code", code: p.code, redirect_uri: p.redirectUri, code_verifier: p.verifier },
        p.nonce,
      ),
    refresh: (rt) => tokens({ grant_type: "refresh_token", refresh_token: rt }),
    async revoke(rt) {
      const { doc } = await discover();
      if (doc.revocation_endpoint) await post(doc.revocation_endpoint, { token: rt, token_type_hint: "refresh_token" });
    },
  };
}

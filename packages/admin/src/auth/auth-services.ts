// AuthMetadataService (anonymous: how to get a token) and IdentityService (who the caller is), served on gRPC and at
// their gateway routes (/.well-known/oauth-authorization-server, /config/v1/flyte_client, /me) when auth is on.
import { create } from "@bufbuild/protobuf";
import type { JsonObject } from "@bufbuild/protobuf";
import {
  AuthMetadataService,
  OAuth2MetadataResponseSchema,
  type OAuth2MetadataResponse,
} from "@aloft/idl/flyteidl/service/auth_pb.js";
import { IdentityService } from "@aloft/idl/flyteidl/service/identity_pb.js";
import type { AuthConfig } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";
import { bind, type ServiceBinding } from "../api/rpc.ts";
import { unauthenticated } from "./token-verifier.ts";
import { AUTHORIZE_PATH } from "./authorize-endpoint.ts";
import { PUBLIC_SCOPES } from "./public-clients.ts";
import { DEVICE_AUTHORIZATION_PATH } from "./device-endpoint.ts";
import { DEVICE_GRANT, JWKS_PATH, REVOKE_PATH, TOKEN_PATH } from "./token-endpoint.ts";

/**
 * RFC 8414 metadata of the self-hosted server: only what it really supports. The authorization code grant (with
 * PKCE S256 and refresh tokens) is advertised only when there is someone to sign in (a user in the secrets
 * directory); otherwise the server is a client-credentials one. The device authorization grant (RFC 8628) also needs
 * the cookie keys (its verification page is behind the console's sign-in).
 */
export function selfMetadata(publicUrl: string, interactive: boolean, device = false): OAuth2MetadataResponse {
  return create(OAuth2MetadataResponseSchema, {
    issuer: publicUrl,
    tokenEndpoint: `${publicUrl}${TOKEN_PATH}`,
    jwksUri: `${publicUrl}${JWKS_PATH}`,
    scopesSupported: interactive ? PUBLIC_SCOPES : ["all", "offline"],
    // "none": public clients (flytectl, aloft login, the console) send only their client_id, with a PKCE verifier.
    tokenEndpointAuthMethodsSupported: ["client_secret_basic", "client_secret_post", ...(interactive ? ["none"] : [])],
    grantTypesSupported: interactive
      ? ["authorization_code", "refresh_token", "client_credentials", ...(device ? [DEVICE_GRANT] : [])]
      : ["client_credentials"],
    ...(device ? { deviceAuthorizationEndpoint: `${publicUrl}${DEVICE_AUTHORIZATION_PATH}` } : {}),
    ...(interactive
      ? {
          authorizationEndpoint: `${publicUrl}${AUTHORIZE_PATH}`,
          responseTypesSupported: ["code"],
          codeChallengeMethodsSupported: ["S256"],
        }
      : { responseTypesSupported: [] }),
  });
}

/** OpenID Provider metadata (OpenID Connect Discovery 1.0) of the self-hosted server, as plain JSON. */
export function selfOpenIdConfiguration(
  publicUrl: string,
  interactive: boolean,
  device = false,
): Record<string, unknown> {
  const m = selfMetadata(publicUrl, interactive, device);
  return {
    issuer: m.issuer,
    ...(interactive ? { authorization_endpoint: m.authorizationEndpoint } : {}),
    ...(device ? { device_authorization_endpoint: m.deviceAuthorizationEndpoint } : {}),
    token_endpoint: m.tokenEndpoint,
    jwks_uri: m.jwksUri,
    revocation_endpoint: `${publicUrl}${REVOKE_PATH}`,
    userinfo_endpoint: `${publicUrl}/me`,
    scopes_supported: m.scopesSupported,
    response_types_supported: m.responseTypesSupported,
    grant_types_supported: m.grantTypesSupported,
    code_challenge_methods_supported: m.codeChallengeMethodsSupported,
    token_endpoint_auth_methods_supported: m.tokenEndpointAuthMethodsSupported,
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
  };
}

/** An external IdP's metadata document, fetched once (until it succeeds) and returned as it is. */
export function externalMetadata(
  url: () => string,
  fetchImpl: typeof fetch = fetch,
): () => Promise<OAuth2MetadataResponse> {
  let cached: OAuth2MetadataResponse | undefined;
  return async () => {
    if (cached) return cached;
    let doc: Record<string, unknown>;
    try {
      const res = await fetchImpl(url(), {
        signal: AbortSignal.timeout(5000),
        headers: { accept: "application/json" },
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      doc = (await res.json()) as Record<string, unknown>;
    } catch (err) {
      throw new AloftError(
        Code.UNAVAILABLE,
        "auth.idp_metadata",
        `cannot read the identity provider's metadata at ${url()}: ${(err as Error).message}`,
      );
    }
    const s = (k: string) => (typeof doc[k] === "string" ? (doc[k] as string) : "");
    const l = (k: string) =>
      Array.isArray(doc[k]) ? (doc[k] as unknown[]).filter((x): x is string => typeof x === "string") : [];
    cached = create(OAuth2MetadataResponseSchema, {
      issuer: s("issuer"),
      authorizationEndpoint: s("authorization_endpoint"),
      tokenEndpoint: s("token_endpoint"),
      responseTypesSupported: l("response_types_supported"),
      scopesSupported: l("scopes_supported"),
      tokenEndpointAuthMethodsSupported: l("token_endpoint_auth_methods_supported"),
      jwksUri: s("jwks_uri"),
      codeChallengeMethodsSupported: l("code_challenge_methods_supported"),
      grantTypesSupported: l("grant_types_supported"),
      deviceAuthorizationEndpoint: s("device_authorization_endpoint"),
    });
    return cached;
  };
}

export interface AuthServicesDeps {
  auth: AuthConfig;
  metadata: () => Promise<OAuth2MetadataResponse>;
  audience: () => string;
}

export function authMetadataBinding(deps: AuthServicesDeps): ServiceBinding {
  const c = deps.auth.flyteClient;
  return bind(AuthMetadataService, {
    getOAuth2Metadata: () => deps.metadata(),
    getPublicClientConfig: async () => ({
      $typeName: "flyteidl.service.PublicClientAuthConfigResponse",
      clientId: c.clientId,
      redirectUri: c.redirectUri,
      scopes: c.scopes,
      authorizationMetadataKey: deps.auth.grpcAuthorizationHeader,
      serviceHttpEndpoint: "",
      audience: c.audience || deps.audience(),
    }),
  });
}

const STANDARD = new Set(["sub", "name", "preferred_username", "given_name", "family_name", "email", "picture"]);
const str = (v: unknown) => (typeof v === "string" ? v : "");

export function identityBinding(): ServiceBinding {
  return bind(IdentityService, {
    userInfo: async (_req, ctx) => {
      const p = ctx.principal;
      if (!p) throw unauthenticated("auth.missing_token", "no authenticated caller");
      const additional: JsonObject = {};
      for (const [k, v] of Object.entries(p.claims)) {
        if (!STANDARD.has(k) && v !== undefined) additional[k] = v as JsonObject[string];
      }
      return {
        $typeName: "flyteidl.service.UserInfoResponse",
        subject: p.subject,
        name: str(p.claims.name),
        preferredUsername: str(p.claims.preferred_username),
        givenName: str(p.claims.given_name),
        familyName: str(p.claims.family_name),
        email: str(p.claims.email),
        picture: str(p.claims.picture),
        additionalClaims: additional,
      };
    },
  });
}

// Assembles authentication and authorization from the config (auth.enabled): the middleware every RPC runs, the
// AuthMetadataService and IdentityService bindings, the self-hosted authorization server's HTTP endpoints, and the
// guard for plain HTTP routes. Nothing here runs when auth is off.
import type { AuthConfig } from "@aloft/core/config.ts";
import type { Clock } from "@aloft/core/clock.ts";
import type { Logger } from "@aloft/core/logger.ts";
import type { ServiceBinding, UnaryMiddleware } from "../api/rpc.ts";
import { authMiddleware } from "./auth-middleware.ts";
import { authMetadataBinding, externalMetadata, identityBinding, selfMetadata } from "./auth-services.ts";
import { ClientRegistry } from "./clients.ts";
import { httpGuard, type HttpRoute } from "./http-guard.ts";
import type { Principal } from "./principal.ts";
import { Authorizer } from "./roles.ts";
import { readSigningKeys } from "./secret-files.ts";
import { loadKeySet } from "./signing-keys.ts";
import { jwksEndpoint, JWKS_PATH, TOKEN_PATH, tokenEndpoint } from "./token-endpoint.ts";
import { TokenIssuer } from "./token-issuer.ts";
import { localKeys, remoteKeys, TokenVerifier } from "./token-verifier.ts";

export interface AuthSetup {
  middleware: UnaryMiddleware;
  bindings: ServiceBinding[];
  /** Served beside the gateway without a token (the token and JWKS endpoints). */
  httpRoutes: Record<string, HttpRoute>;
  /** Wraps a plain HTTP route so that it needs a token. */
  guard(route: HttpRoute, name: string): HttpRoute;
  /** Whether a caller is the engine (auth.engineSubjects): the only one whose execution events are accepted. */
  isEngine(principal: Principal): boolean;
}

export interface AuthDeps {
  auth: AuthConfig;
  /** The secrets directory, resolved. */
  secretsDir: string;
  /** Admin's public HTTP base URL (known once the listener is bound). */
  publicUrl: () => string;
  clock: Clock;
  logger: Logger;
  fetch?: typeof fetch;
}

export async function createAuth(deps: AuthDeps): Promise<AuthSetup> {
  const { auth, clock } = deps;
  const logger = deps.logger.child({ component: "auth" });
  const authorizer = new Authorizer(auth);
  const publicUrl = () => (auth.publicUrl || deps.publicUrl()).replace(/\/+$/, "");
  let verifier: TokenVerifier;
  let audience: () => string;
  const httpRoutes: Record<string, HttpRoute> = {};
  let metadata: () => Promise<import("@aloft/idl/flyteidl/service/auth_pb.js").OAuth2MetadataResponse>;

  if (auth.authServerType === "self") {
    const keys = await loadKeySet(readSigningKeys(deps.secretsDir));
    const clients = new ClientRegistry(deps.secretsDir, auth.self.clients);
    audience = publicUrl;
    const issuer = new TokenIssuer({ keys, clock, issuer: publicUrl, audience, lifetimeSeconds: auth.self.accessTokenLifetimeSeconds });
    verifier = new TokenVerifier({ keys: localKeys(keys.jwks), issuer: publicUrl, audience, requiredScope: auth.requiredScope, clock });
    httpRoutes[TOKEN_PATH] = tokenEndpoint({ clients, issuer, keys, audience, logger });
    httpRoutes[JWKS_PATH] = jwksEndpoint(keys);
    metadata = async () => selfMetadata(publicUrl());
    logger.info({ clients: clients.ids(), issuer: auth.publicUrl || "(public URL)" }, "auth on: self-hosted authorization server");
  } else {
    const ext = auth.external;
    const issuerUrl = ext.issuer.replace(/\/+$/, "");
    const doFetch = deps.fetch ?? fetch;
    audience = () => ext.audience || publicUrl();
    const jwksUri = async () => {
      if (ext.jwksUri) return ext.jwksUri;
      const res = await doFetch(`${issuerUrl}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
      const doc = (await res.json()) as { jwks_uri?: unknown };
      if (typeof doc.jwks_uri !== "string") throw new Error("the identity provider's openid-configuration has no jwks_uri");
      return doc.jwks_uri;
    };
    verifier = new TokenVerifier({ keys: remoteKeys(jwksUri), issuer: () => ext.issuer, audience, requiredScope: auth.requiredScope, clock });
    metadata = externalMetadata(() => ext.metadataUrl || `${issuerUrl}/.well-known/oauth-authorization-server`, doFetch);
    logger.info({ issuer: ext.issuer }, "auth on: external identity provider");
  }
  const customHeader = auth.grpcAuthorizationHeader;
  return {
    middleware: authMiddleware({ verifier, authorizer, customHeader, logger }),
    bindings: [authMetadataBinding({ auth, metadata, audience }), identityBinding()],
    httpRoutes,
    guard: httpGuard({ verifier, authorizer, customHeader }),
    isEngine: (p) => authorizer.isEngine(p),
  };
}

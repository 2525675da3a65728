// Assembles authentication and authorization from the config (auth.enabled): the middleware every RPC runs, the
// AuthMetadataService and IdentityService bindings, the self-hosted authorization server's HTTP endpoints, and the
// guard for plain HTTP routes, and the console's browser flow (/login, /callback, /logout, session cookies). Nothing
// here runs when auth is off.
import type { AuthConfig } from "@aloft/core";
import type { Clock } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { ServiceBinding, UnaryMiddleware } from "../api/rpc.ts";
import type { IncomingMessage } from "node:http";
import type { Kysely } from "kysely";
import type { Schema } from "../repositories/schema.ts";
import { authMiddleware } from "./auth-middleware.ts";
import {
  authMetadataBinding,
  externalMetadata,
  identityBinding,
  selfMetadata,
  selfOpenIdConfiguration,
} from "./auth-services.ts";
import { AUTHORIZE_PATH, authorizeEndpoint } from "./authorize-endpoint.ts";
import { browserSession, cookieCredentials, type HttpHook, type LoginProvider } from "./browser-session.ts";
import { ClientRegistry } from "./clients.ts";
import { externalLoginProvider } from "./external-login.ts";
import { CookieSealer } from "./cookie-crypto.ts";
import {
  DEVICE_AUTHORIZATION_PATH,
  DEVICE_VERIFICATION_PATH,
  deviceAuthorizationEndpoint,
  deviceVerificationPage,
  StartLimiter,
} from "./device-endpoint.ts";
import { DeviceStore } from "./device-store.ts";
import { GrantStore, REFRESH_LIFETIME_MS } from "./grant-store.ts";
import { httpGuard, type HttpRoute } from "./http-guard.ts";
import { SignInThrottle } from "./sign-in-throttle.ts";
import { json, text } from "./oauth-http.ts";
import type { Principal } from "./principal.ts";
import { CONSOLE_CLIENT_ID, publicClients } from "./public-clients.ts";
import type { RequestScope } from "./request-scope.ts";
import { Authorizer } from "./roles.ts";
import { readCookieKeys, readSigningKeys } from "./secret-files.ts";
import { loadKeySet } from "./signing-keys.ts";
import {
  interactiveGrant,
  jwksEndpoint,
  JWKS_PATH,
  REVOKE_PATH,
  revokeEndpoint,
  TOKEN_PATH,
  tokenEndpoint,
  type TokenEndpointDeps,
} from "./token-endpoint.ts";
import { TokenIssuer } from "./token-issuer.ts";
import { UserRegistry } from "./users.ts";
import { localKeys, remoteKeys, TokenVerifier } from "./token-verifier.ts";

export interface AuthSetup {
  middleware: UnaryMiddleware;
  bindings: ServiceBinding[];
  /** Served beside the gateway without a token (the token and JWKS endpoints). */
  httpRoutes: Record<string, HttpRoute>;
  /** Wraps a plain HTTP route so that it needs a token (and `view` on the scope `scopeOf` finds, else anywhere). */
  guard(
    route: HttpRoute,
    name: string,
    scopeOf?: (req: IncomingMessage) => Promise<RequestScope | undefined>,
  ): HttpRoute;
  /** Whether a caller is the engine (auth.engineSubjects): the only one whose execution events are accepted. */
  isEngine(principal: Principal): boolean;
}

export interface AuthDeps {
  auth: AuthConfig;
  /** Admin's database: the self-hosted authorization server keeps codes and refresh tokens there (by hash). */
  db: Kysely<Schema>;
  /** The secrets directory, resolved. */
  secretsDir: string;
  /** Admin's public HTTP base URL (known once the listener is bound). */
  publicUrl: () => string;
  clock: Clock;
  logger: Logger;
  fetch?: typeof fetch;
  /** Origins a post-login redirect may go to, whose cookie-authenticated changes are trusted (server.allowedOrigins). */
  allowedOrigins?: string[];
  /** auth.external.consoleClientSecretFile, resolved (relative paths are under the data directory). */
  consoleSecretFile?: string;
  /** Upstream's LogoutHook and PreRedirectHook extension points (plugins.ts), looked up when called. */
  hooks?: { logout: HttpHook; preRedirect: HttpHook };
}

export const LOGIN_PATH = "/login";
export const CALLBACK_PATH = "/callback";
export const LOGOUT_PATH = "/logout";
export const OPENID_CONFIGURATION_PATH = "/.well-known/openid-configuration";

export async function createAuth(deps: AuthDeps): Promise<AuthSetup> {
  const { auth, clock } = deps;
  const logger = deps.logger.child({ component: "auth" });
  const authorizer = new Authorizer(auth);
  const publicUrl = () => (auth.publicUrl || deps.publicUrl()).replace(/\/+$/, "");
  let verifier: TokenVerifier;
  let audience: () => string;
  const httpRoutes: Record<string, HttpRoute> = {};
  let metadata: () => Promise<import("@aloft/idl/flyteidl/service/auth_pb.js").OAuth2MetadataResponse>;
  let provider: LoginProvider | undefined;
  const cookieKeys = readCookieKeys(deps.secretsDir);
  const sealer = cookieKeys ? new CookieSealer(cookieKeys, clock) : undefined;

  if (auth.authServerType === "self") {
    const keys = await loadKeySet(readSigningKeys(deps.secretsDir));
    const clients = new ClientRegistry(deps.secretsDir, auth.self.clients);
    const users = new UserRegistry(deps.secretsDir, [...clients.ids(), ...auth.engineSubjects]);
    const interactive = users.names().length > 0;
    // The device flow's verification page is behind the console's sign-in, which needs the cookie keys.
    const device = interactive && sealer !== undefined;
    audience = publicUrl;
    const lifetimeSeconds = auth.self.accessTokenLifetimeSeconds;
    const issuer = new TokenIssuer({ keys, clock, issuer: publicUrl, audience, lifetimeSeconds });
    verifier = new TokenVerifier({
      keys: localKeys(keys.jwks),
      issuer: publicUrl,
      audience,
      requiredScope: auth.requiredScope,
      clock,
    });
    const grants = new GrantStore(deps.db, clock);
    const devices = device
      ? new DeviceStore(deps.db, clock, {
          lifetimeMs: auth.self.deviceCodeLifetimeSeconds * 1000,
          intervalMs: auth.self.deviceCodeIntervalSeconds * 1000,
        })
      : undefined;
    const pub = publicClients(publicUrl);
    const tokenDeps: TokenEndpointDeps = {
      clients,
      issuer,
      keys,
      audience,
      logger,
      ...(interactive
        ? {
            interactive: {
              publicClients: pub,
              grants,
              clock,
              issuerUrl: publicUrl,
              lifetimeSeconds,
              ...(devices ? { devices } : {}),
            },
          }
        : {}),
    };
    httpRoutes[TOKEN_PATH] = tokenEndpoint(tokenDeps);
    httpRoutes[JWKS_PATH] = jwksEndpoint(keys);
    httpRoutes[OPENID_CONFIGURATION_PATH] = async (req, res) => {
      req.resume();
      json(res, 200, selfOpenIdConfiguration(publicUrl(), interactive, device));
    };
    if (interactive) {
      const secureCookies = () => publicUrl().startsWith("https:");
      const throttle = new SignInThrottle({ clock });
      httpRoutes[AUTHORIZE_PATH] = authorizeEndpoint({
        clients: pub,
        users,
        grants,
        clock,
        logger,
        secureCookies,
        throttle,
      });
      httpRoutes[REVOKE_PATH] = revokeEndpoint({ grants, logger });
      provider = selfLoginProvider(tokenDeps, publicUrl);
      if (devices && sealer) {
        httpRoutes[DEVICE_AUTHORIZATION_PATH] = deviceAuthorizationEndpoint({
          clients: pub,
          devices,
          audience,
          publicUrl,
          logger,
          limiter: new StartLimiter({ clock }),
        });
        httpRoutes[DEVICE_VERIFICATION_PATH] = deviceVerificationPage({
          devices,
          sealer,
          verifier,
          // Wrong user codes are counted apart from wrong passwords, with the same limits.
          throttle: new SignInThrottle({ clock }),
          clock,
          logger,
        });
      }
    }
    metadata = async () => selfMetadata(publicUrl(), interactive, device);
    logger.info(
      { clients: clients.ids(), users: users.names().length, issuer: auth.publicUrl || "(public URL)" },
      "auth on: self-hosted authorization server",
    );
  } else {
    const ext = auth.external;
    const issuerUrl = ext.issuer.replace(/\/+$/, "");
    const doFetch = deps.fetch ?? fetch;
    audience = () => ext.audience || publicUrl();
    const jwksUri = async () => {
      if (ext.jwksUri) return ext.jwksUri;
      const res = await doFetch(`${issuerUrl}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
      const doc = (await res.json()) as { jwks_uri?: unknown };
      if (typeof doc.jwks_uri !== "string")
        throw new Error("the identity provider's openid-configuration has no jwks_uri");
      return doc.jwks_uri;
    };
    verifier = new TokenVerifier({
      keys: remoteKeys(jwksUri),
      issuer: () => ext.issuer,
      audience,
      requiredScope: auth.requiredScope,
      clock,
    });
    metadata = externalMetadata(
      () => ext.metadataUrl || `${issuerUrl}/.well-known/oauth-authorization-server`,
      doFetch,
    );
    if (ext.consoleClientId) {
      const scopes = ["openid", "profile", "offline_access", ...(auth.requiredScope ? [auth.requiredScope] : [])];
      provider = externalLoginProvider({
        issuer: ext.issuer,
        clientId: ext.consoleClientId,
        secretFile: deps.consoleSecretFile ?? ext.consoleClientSecretFile,
        scopes,
        fetch: doFetch,
      });
    }
    logger.info({ issuer: ext.issuer }, "auth on: external identity provider");
  }
  const customHeader = auth.grpcAuthorizationHeader;
  const cookies = sealer ? cookieCredentials(sealer, deps.allowedOrigins ?? []) : undefined;
  if (provider && sealer) {
    const session = browserSession({
      provider,
      sealer,
      publicUrl,
      allowedOrigins: deps.allowedOrigins ?? [],
      sessionSeconds: REFRESH_LIFETIME_MS / 1000,
      logoutHook: (req, res) => deps.hooks?.logout(req, res) ?? Promise.resolve(false),
      preRedirectHook: (req, res) => deps.hooks?.preRedirect(req, res) ?? Promise.resolve(false),
      logger,
    });
    httpRoutes[LOGIN_PATH] = session.login;
    httpRoutes[CALLBACK_PATH] = session.callback;
    httpRoutes[LOGOUT_PATH] = session.logout;
  } else {
    const why = !sealer
      ? `the cookie keys are missing from ${deps.secretsDir} (run \`aloft secret init\`)`
      : auth.authServerType === "self"
        ? "no user can sign in: add one with `aloft secret init --user <name>`"
        : "console sign-in needs auth.external.consoleClientId (and consoleClientSecretFile): a client of the identity provider";
    for (const path of [LOGIN_PATH, CALLBACK_PATH, LOGOUT_PATH]) {
      httpRoutes[path] = async (req, res) => {
        req.resume();
        text(res, 501, `${path}: ${why}`);
      };
    }
  }
  return {
    middleware: authMiddleware({ verifier, authorizer, customHeader, logger, ...(cookies ? { cookies } : {}) }),
    bindings: [authMetadataBinding({ auth, metadata, audience }), identityBinding()],
    httpRoutes,
    guard: httpGuard({ verifier, authorizer, customHeader, ...(cookies ? { cookies } : {}) }),
    isEngine: (p) => authorizer.isEngine(p),
  };
}

/** The console signing in at Aloft's own authorization server, in process (no HTTP round trip to itself). */
function selfLoginProvider(deps: TokenEndpointDeps, publicUrl: () => string): LoginProvider {
  const grant = async (form: Record<string, string>) => {
    const it = deps.interactive!;
    const kind = form.grant_type as "authorization_code" | "refresh_token";
    const answer = await interactiveGrant(
      deps,
      it,
      kind,
      new URLSearchParams({ ...form, client_id: CONSOLE_CLIENT_ID }),
    );
    const b = answer.body;
    if (answer.status !== 200 || typeof b.access_token !== "string")
      throw new Error(`${String(b.error)}: ${String(b.error_description)}`);
    return {
      accessToken: b.access_token,
      ...(typeof b.refresh_token === "string" ? { refreshToken: b.refresh_token } : {}),
      ...(typeof b.id_token === "string" ? { idToken: b.id_token } : {}),
    };
  };
  return {
    async authorizationUrl(o) {
      const u = new URL(`${publicUrl()}${AUTHORIZE_PATH}`);
      const q = {
        response_type: "code",
        client_id: CONSOLE_CLIENT_ID,
        redirect_uri: o.redirectUri,
        scope: "all offline openid",
        state: o.state,
        nonce: o.nonce,
        code_challenge: o.challenge,
        code_challenge_method: "S256",
      };
      for (const [k, v] of Object.entries(q)) u.searchParams.set(k, v);
      return u.toString();
    },
    exchange: (o) =>
      grant({ grant_type: "authorization_code", code: o.code, code_verifier: o.verifier, redirect_uri: o.redirectUri }),
    refresh: (rt) => grant({ grant_type: "refresh_token", refresh_token: rt }),
    async revoke(rt) {
      await deps.interactive!.grants.revoke(rt);
    },
  };
}

// The self-hosted authorization server's HTTP endpoints (RFC 6749 §4.1, §4.4, §5, §6; RFC 7636; RFC 7009; RFC 7517):
//   POST /oauth2/token   grant_type=client_credentials (confidential clients: client_secret_basic or _post),
//                        authorization_code (public clients, PKCE S256 verifier), refresh_token (rotated),
//                        urn:ietf:params:oauth:grant-type:device_code (public clients, RFC 8628 §3.4: polling)
//   POST /oauth2/revoke  a refresh token (logout): its whole family is revoked
//   GET  /oauth2/jwks    the public keys that verify its tokens
// Errors are RFC 6749 §5.2 JSON (`invalid_request`, `invalid_client`, `invalid_grant`, `unsupported_grant_type`,
// `invalid_scope`, `invalid_target`). Responses are never cached; secrets, codes and tokens are never logged.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { ClientRegistry } from "./clients.ts";
import type { DeviceStore } from "./device-store.ts";
import type { GrantStore } from "./grant-store.ts";
import { json, oauthError, readPostForm } from "./oauth-http.ts";
import { verifierMatches } from "./pkce.ts";
import type { PublicClient } from "./public-clients.ts";
import type { KeySet } from "./signing-keys.ts";
import { signIdToken, type TokenIssuer } from "./token-issuer.ts";

export const TOKEN_PATH = "/oauth2/token";
export const JWKS_PATH = "/oauth2/jwks";
export const REVOKE_PATH = "/oauth2/revoke";
export const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

export interface TokenEndpointDeps {
  clients: ClientRegistry;
  issuer: TokenIssuer;
  keys: KeySet;
  /** Audience clients may name (RFC 8707 `audience`/`resource`); tokens always carry it. */
  audience: () => string;
  logger: Logger;
  /** Public clients (authorization code + PKCE) and what they were granted; absent: client credentials only. */
  interactive?: {
    publicClients: Map<string, () => PublicClient>;
    grants: GrantStore;
    clock: Clock;
    issuerUrl: () => string;
    lifetimeSeconds: number;
    /** The device authorization grant's codes (RFC 8628); absent: no device flow. */
    devices?: DeviceStore;
  };
}

/** application/x-www-form-urlencoded decoding of one component (RFC 6749 §2.3.1 encodes id and secret so). */
function formDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | "malformed" | undefined {
  if (!header) return undefined;
  const m = /^Basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(header);
  if (!m) return /^Basic\b/i.test(header) ? "malformed" : undefined;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return "malformed";
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  return id === undefined || secret === undefined ? "malformed" : { id, secret };
}

export function tokenEndpoint(deps: TokenEndpointDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const form = await readPostForm(req, res);
    if (!form) return;
    const basic = basicCredentials(req.headers.authorization);
    if (basic === "malformed")
      return oauthError(res, 401, "invalid_client", "malformed Basic credentials", {
        "www-authenticate": 'Basic realm="aloft"',
      });
    const postId = form.get("client_id");
    const postSecret = form.get("client_secret");
    if (basic && postSecret !== null)
      return oauthError(res, 400, "invalid_request", "use one client authentication method, not two");
    if (basic && postId !== null && postId !== basic.id)
      return oauthError(res, 400, "invalid_request", "client_id does not match the Basic credentials");
    const creds = basic ?? (postId !== null && postSecret !== null ? { id: postId, secret: postSecret } : undefined);
    const grant = form.get("grant_type");
    if (!grant) return oauthError(res, 400, "invalid_request", "missing grant_type");
    const kind =
      grant === "authorization_code" || grant === "refresh_token"
        ? grant
        : grant === DEVICE_GRANT && deps.interactive?.devices
          ? "device_code"
          : undefined;
    if (kind && deps.interactive) {
      if (creds) return oauthError(res, 400, "invalid_request", `${grant} is for public clients, which have no secret`);
      const answer = await interactiveGrant(deps, deps.interactive, kind, form);
      return json(res, answer.status, answer.body);
    }
    if (grant !== "client_credentials") {
      const supported = deps.interactive
        ? `client_credentials, authorization_code, refresh_token${deps.interactive.devices ? `, ${DEVICE_GRANT}` : ""}`
        : "client_credentials";
      return oauthError(
        res,
        400,
        "unsupported_grant_type",
        `grant_type ${grant} is not supported by this server (${supported})`,
      );
    }
    if (!creds)
      return oauthError(res, 401, "invalid_client", "client authentication required", {
        "www-authenticate": 'Basic realm="aloft"',
      });
    const client = await deps.clients.authenticate(creds.id, creds.secret);
    if (!client) {
      deps.logger.warn({ clientId: creds.id.slice(0, 128) }, "token request with unknown client or wrong secret");
      return oauthError(
        res,
        401,
        "invalid_client",
        "unknown client or wrong secret",
        basic ? { "www-authenticate": 'Basic realm="aloft"' } : {},
      );
    }
    const requested = (form.get("scope") ?? "").split(" ").filter(Boolean);
    const unknown = requested.filter((s) => !client.scopes.includes(s));
    if (unknown.length > 0)
      return oauthError(res, 400, "invalid_scope", `scope not allowed for this client: ${unknown.join(" ")}`);
    const target = form.get("audience") ?? form.get("resource");
    if (target !== null && target !== "" && target !== deps.audience())
      return oauthError(res, 400, "invalid_target", `unknown audience ${target}`);
    const token = await deps.issuer.issue(client.id, requested.length > 0 ? requested : client.scopes);
    deps.logger.info({ clientId: client.id, scope: token.scope.join(" ") }, "issued an access token");
    json(res, 200, {
      access_token: token.accessToken,
      token_type: "Bearer",
      expires_in: token.expiresIn,
      scope: token.scope.join(" "),
    });
  };
}

export interface GrantAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The authorization code, refresh token and device code grants of public clients, as a status and RFC 6749 JSON body
 * (RFC 8628 §3.5's errors for a device code that is not, or not yet, redeemable).
 */
export async function interactiveGrant(
  deps: TokenEndpointDeps,
  it: NonNullable<TokenEndpointDeps["interactive"]>,
  grant: "authorization_code" | "refresh_token" | "device_code",
  form: URLSearchParams,
): Promise<GrantAnswer> {
  const err = (status: number, error: string, description: string): GrantAnswer => ({
    status,
    body: { error, error_description: description },
  });
  const clientId = form.get("client_id") ?? "";
  const client = it.publicClients.get(clientId)?.();
  if (!client) return err(401, "invalid_client", `unknown public client ${JSON.stringify(clientId.slice(0, 100))}`);
  const target = form.get("audience") ?? form.get("resource");
  if (target !== null && target !== "" && target !== deps.audience())
    return err(400, "invalid_target", `unknown audience ${target}`);
  let subject: string;
  let scope: string[];
  let refreshToken: string | undefined;
  let idToken: string | undefined;
  if (grant === "device_code") {
    const deviceCode = form.get("device_code") ?? "";
    if (deviceCode === "" || !it.devices) return err(400, "invalid_request", "device_code is required");
    const polled = await it.devices.poll(deviceCode, client.id);
    if (polled === "invalid") return err(400, "invalid_grant", "unknown or already used device code");
    if (polled === "authorization_pending")
      return err(400, polled, "the user has not yet entered the code and approved this device");
    if (polled === "slow_down") return err(400, polled, "polling too fast: wait 5 seconds more between requests");
    if (polled === "expired_token") return err(400, polled, "the device code has expired: start again");
    if (polled === "access_denied") return err(400, polled, "the user denied this device");
    subject = polled.granted.subject;
    scope = polled.granted.scope;
    const authTime = polled.granted.authTime;
    if (scope.includes("offline"))
      refreshToken = await it.grants.issueRefresh({ clientId: client.id, subject, scope, authTime });
    if (scope.includes("openid")) {
      idToken = await signIdToken(
        { keys: deps.keys, clock: it.clock, issuer: it.issuerUrl, lifetimeSeconds: it.lifetimeSeconds },
        { subject, clientId: client.id, authTime },
      );
    }
  } else if (grant === "authorization_code") {
    const code = form.get("code") ?? "";
    const verifier = form.get("code_verifier") ?? "";
    if (code === "" || verifier === "") return err(400, "invalid_request", "code and code_verifier are required");
    const g = await it.grants.redeemCode(code);
    if (!g || g.clientId !== client.id)
      return err(400, "invalid_grant", "unknown, expired or already used authorization code");
    if (form.get("redirect_uri") !== g.redirectUri)
      return err(400, "invalid_grant", "redirect_uri does not match the authorization request");
    if (!verifierMatches(verifier, g.codeChallenge))
      return err(400, "invalid_grant", "code_verifier does not match the code_challenge");
    subject = g.subject;
    scope = g.scope;
    if (scope.includes("offline"))
      refreshToken = await it.grants.issueRefresh({ clientId: client.id, subject, scope, authTime: g.authTime });
    if (scope.includes("openid")) {
      idToken = await signIdToken(
        { keys: deps.keys, clock: it.clock, issuer: it.issuerUrl, lifetimeSeconds: it.lifetimeSeconds },
        { subject, clientId: client.id, authTime: g.authTime, ...(g.nonce ? { nonce: g.nonce } : {}) },
      );
    }
  } else {
    const presented = form.get("refresh_token") ?? "";
    if (presented === "") return err(400, "invalid_request", "refresh_token is required");
    const rotated = await it.grants.rotate(presented);
    if (rotated === "reused") {
      deps.logger.warn(
        { clientId: client.id },
        "a retired refresh token was presented again: its whole family is revoked",
      );
      return err(
        400,
        "invalid_grant",
        "refresh token already used; every token of this login is revoked: sign in again",
      );
    }
    if (rotated === "invalid" || rotated.grant.clientId !== client.id)
      return err(400, "invalid_grant", "unknown, expired or revoked refresh token: sign in again");
    const asked = (form.get("scope") ?? "").split(" ").filter(Boolean);
    const wider = asked.filter((s) => !rotated.grant.scope.includes(s));
    if (wider.length > 0) return err(400, "invalid_scope", `scope beyond the original grant: ${wider.join(" ")}`);
    subject = rotated.grant.subject;
    scope = asked.length > 0 ? asked : rotated.grant.scope;
    refreshToken = rotated.next;
  }
  const token = await deps.issuer.issueFor(subject, client.id, scope);
  deps.logger.info({ clientId: client.id, user: subject, grant }, "issued an access token");
  return {
    status: 200,
    body: {
      access_token: token.accessToken,
      token_type: "Bearer",
      expires_in: token.expiresIn,
      scope: token.scope.join(" "),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(idToken ? { id_token: idToken } : {}),
    },
  };
}

/** RFC 7009 revocation of a refresh token (its family); always 200 unless the request is malformed. */
export function revokeEndpoint(it: { grants: GrantStore; logger: Logger }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const form = await readPostForm(req, res);
    if (!form) return;
    const token = form.get("token") ?? "";
    if (token === "") return oauthError(res, 400, "invalid_request", "token is required");
    // Access tokens are short-lived JWTs and cannot be revoked one by one; only refresh tokens are looked up.
    const grant = await it.grants.revoke(token);
    if (grant) it.logger.info({ clientId: grant.clientId, user: grant.subject }, "refresh token revoked");
    json(res, 200, {});
  };
}

export function jwksEndpoint(keys: KeySet) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume();
    if (req.method !== "GET" && req.method !== "HEAD")
      return oauthError(res, 405, "invalid_request", "use GET", { allow: "GET" });
    res.writeHead(200, { "content-type": "application/json", "cache-control": "public, max-age=300" });
    res.end(req.method === "HEAD" ? undefined : JSON.stringify(keys.jwks));
  };
}

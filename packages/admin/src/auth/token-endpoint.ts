// The self-hosted authorization server's HTTP endpoints (RFC 6749 §4.4, §5; RFC 7517):
//   POST /oauth2/token  grant_type=client_credentials, client authentication client_secret_basic or client_secret_post
//   GET  /oauth2/jwks   the public keys that verify its tokens
// Errors are RFC 6749 §5.2 JSON (`invalid_request`, `invalid_client`, `unsupported_grant_type`, `invalid_scope`,
// `invalid_target`). Responses are never cached; secrets and tokens are never logged.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "@aloft/core/logger.ts";
import { readBody } from "../api/http/body.ts";
import type { ClientRegistry } from "./clients.ts";
import type { KeySet } from "./signing-keys.ts";
import type { TokenIssuer } from "./token-issuer.ts";

export const TOKEN_PATH = "/oauth2/token";
export const JWKS_PATH = "/oauth2/jwks";
const MAX_BODY = 64 * 1024;

export interface TokenEndpointDeps {
  clients: ClientRegistry;
  issuer: TokenIssuer;
  keys: KeySet;
  /** Audience clients may name (RFC 8707 `audience`/`resource`); tokens always carry it. */
  audience: () => string;
  logger: Logger;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json;charset=UTF-8", "cache-control": "no-store", pragma: "no-cache", ...headers });
  res.end(JSON.stringify(body));
}

const oauthError = (res: ServerResponse, status: number, error: string, description: string, headers?: Record<string, string>) =>
  json(res, status, { error, error_description: description }, headers);

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
    if (req.method !== "POST") {
      req.resume();
      return oauthError(res, 405, "invalid_request", "use POST", { allow: "POST" });
    }
    const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/x-www-form-urlencoded") {
      req.resume();
      return oauthError(res, 400, "invalid_request", "the body must be application/x-www-form-urlencoded");
    }
    let form: URLSearchParams;
    try {
      form = new URLSearchParams((await readBody(req, MAX_BODY)).toString("utf8"));
    } catch {
      return oauthError(res, 400, "invalid_request", "cannot read the request body");
    }
    for (const k of new Set(form.keys())) {
      if (form.getAll(k).length > 1) return oauthError(res, 400, "invalid_request", `parameter ${k} given more than once`);
    }
    const basic = basicCredentials(req.headers.authorization);
    if (basic === "malformed") return oauthError(res, 401, "invalid_client", "malformed Basic credentials", { "www-authenticate": 'Basic realm="aloft"' });
    const postId = form.get("client_id");
    const postSecret = form.get("client_secret");
    if (basic && postSecret !== null) return oauthError(res, 400, "invalid_request", "use one client authentication method, not two");
    if (basic && postId !== null && postId !== basic.id) return oauthError(res, 400, "invalid_request", "client_id does not match the Basic credentials");
    const creds = basic ?? (postId !== null && postSecret !== null ? { id: postId, secret: postSecret } : undefined);
    const grant = form.get("grant_type");
    if (!grant) return oauthError(res, 400, "invalid_request", "missing grant_type");
    if (grant !== "client_credentials") {
      return oauthError(res, 400, "unsupported_grant_type", `grant_type ${grant} is not supported by this server (client_credentials only)`);
    }
    if (!creds) return oauthError(res, 401, "invalid_client", "client authentication required", { "www-authenticate": 'Basic realm="aloft"' });
    const client = await deps.clients.authenticate(creds.id, creds.secret);
    if (!client) {
      deps.logger.warn({ clientId: creds.id.slice(0, 128) }, "token request with unknown client or wrong secret");
      return oauthError(res, 401, "invalid_client", "unknown client or wrong secret", basic ? { "www-authenticate": 'Basic realm="aloft"' } : {});
    }
    const requested = (form.get("scope") ?? "").split(" ").filter(Boolean);
    const unknown = requested.filter((s) => !client.scopes.includes(s));
    if (unknown.length > 0) return oauthError(res, 400, "invalid_scope", `scope not allowed for this client: ${unknown.join(" ")}`);
    const target = form.get("audience") ?? form.get("resource");
    if (target !== null && target !== "" && target !== deps.audience()) return oauthError(res, 400, "invalid_target", `unknown audience ${target}`);
    const token = await deps.issuer.issue(client.id, requested.length > 0 ? requested : client.scopes);
    deps.logger.info({ clientId: client.id, scope: token.scope.join(" ") }, "issued an access token");
    json(res, 200, { access_token: token.accessToken, token_type: "Bearer", expires_in: token.expiresIn, scope: token.scope.join(" ") });
  };
}

export function jwksEndpoint(keys: KeySet) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume();
    if (req.method !== "GET" && req.method !== "HEAD") return oauthError(res, 405, "invalid_request", "use GET", { allow: "GET" });
    res.writeHead(200, { "content-type": "application/json", "cache-control": "public, max-age=300" });
    res.end(req.method === "HEAD" ? undefined : JSON.stringify(keys.jwks));
  };
}

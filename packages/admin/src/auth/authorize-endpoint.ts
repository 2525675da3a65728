// The self-hosted authorization server's authorization endpoint (RFC 6749 §4.1, RFC 7636): the authorization code
// grant with PKCE, S256 only, for the public clients (public-clients.ts). The person signs in with a name and
// password from `aloft secret init --user` on a form served here (GET shows it, POST checks it); the form carries
// a CSRF token (double-submit: a SameSite=Strict cookie and a hidden field, compared in constant time) and cannot
// be framed. Until the redirect URI is known good, errors are shown here; after, they go back to the client as
// RFC 6749 §4.1.2.1 redirects. Passwords and codes are never logged.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { GrantStore } from "./grant-store.ts";
import {
  clearCookie,
  constantTimeEqual,
  duplicateParam,
  escapeHtml,
  HTML_PAGE_HEADERS,
  parseCookies,
  queryOf,
  readForm,
  redirect,
  serializeCookie,
  text,
} from "./oauth-http.ts";
import { isChallenge } from "./pkce.ts";
import { redirectAllowed, type PublicClient } from "./public-clients.ts";
import type { SignInThrottle } from "./sign-in-throttle.ts";
import type { UserRegistry } from "./users.ts";

export const AUTHORIZE_PATH = "/oauth2/authorize";
const CSRF_COOKIE = "aloft_authorize_csrf";
const PARAMS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
  "nonce",
] as const;

export interface AuthorizeDeps {
  clients: Map<string, () => PublicClient>;
  users: Pick<UserRegistry, "authenticate">;
  grants: Pick<GrantStore, "issueCode">;
  clock: Clock;
  logger: Logger;
  /** Whether cookies get `Secure` (the public URL is https). */
  secureCookies: () => boolean;
  /** Wrong-password throttling per user name and client address. */
  throttle: SignInThrottle;
}

type Checked =
  | {
      ok: true;
      client: PublicClient;
      redirectUri: string;
      scope: string[];
      state: string;
      challenge: string;
      nonce: string;
    }
  | { ok: false; show: string }
  | { ok: false; redirectUri: string; state: string; error: string; description: string };

function check(p: URLSearchParams, clients: AuthorizeDeps["clients"]): Checked {
  const dup = duplicateParam(p);
  if (dup) return { ok: false, show: dup };
  const clientId = p.get("client_id") ?? "";
  const client = clients.get(clientId)?.();
  if (!client) return { ok: false, show: `unknown client_id ${JSON.stringify(clientId.slice(0, 100))}` };
  const redirectUri = p.get("redirect_uri") ?? "";
  if (!redirectAllowed(client, redirectUri))
    return { ok: false, show: `redirect_uri is not registered for client ${client.id}` };
  const state = p.get("state") ?? "";
  const fail = (error: string, description: string): Checked => ({ ok: false, redirectUri, state, error, description });
  if (p.get("response_type") !== "code")
    return fail("unsupported_response_type", "only response_type=code is supported");
  const challenge = p.get("code_challenge") ?? "";
  if (challenge === "") return fail("invalid_request", "code_challenge is required (PKCE)");
  if (p.get("code_challenge_method") !== "S256") return fail("invalid_request", "code_challenge_method must be S256");
  if (!isChallenge(challenge)) return fail("invalid_request", "code_challenge is not a base64url SHA-256 digest");
  const requested = (p.get("scope") ?? "").split(" ").filter(Boolean);
  const scope = requested.length > 0 ? requested : ["all", "offline"];
  const unknown = scope.filter((s) => !client.scopes.includes(s));
  if (unknown.length > 0) return fail("invalid_scope", `scope not allowed for this client: ${unknown.join(" ")}`);
  return { ok: true, client, redirectUri, scope, state, challenge, nonce: p.get("nonce") ?? "" };
}

function back(res: ServerResponse, redirectUri: string, params: Record<string, string>, cookies: string[] = []): void {
  const u = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== "") u.searchParams.set(k, v);
  redirect(res, u.toString(), cookies, 303);
}

function loginPage(
  res: ServerResponse,
  p: URLSearchParams,
  clientId: string,
  csrf: string,
  cookie: string,
  message = "",
  status = 200,
  headers: Record<string, string> = {},
): void {
  const hidden = PARAMS.filter((k) => p.get(k) !== null)
    .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(p.get(k)!)}">`)
    .join("\n");
  res.writeHead(status, { ...HTML_PAGE_HEADERS, ...headers, "set-cookie": [cookie] });
  res.end(`<!doctype html>
<html><head><meta charset="utf-8"><title>Sign in to Aloft</title></head>
<body style="font-family:sans-serif;max-width:24em;margin:4em auto">
<h1>Sign in to Aloft</h1>
<p>${escapeHtml(clientId)} asks to act on your behalf.</p>
${message ? `<p role="alert" style="color:#b00">${escapeHtml(message)}</p>` : ""}
<form method="post" action="${AUTHORIZE_PATH}">
${hidden}
<input type="hidden" name="csrf_token" value="${escapeHtml(csrf)}">
<p><label>User <input name="username" autocomplete="username" required autofocus></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in</button></p>
</form></body></html>
`);
}

export function authorizeEndpoint(deps: AuthorizeDeps) {
  const logger = deps.logger;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "GET" && req.method !== "POST") {
      req.resume();
      return text(res, 405, "use GET or POST", { allow: "GET, POST" });
    }
    let params: URLSearchParams;
    if (req.method === "GET") {
      params = queryOf(req);
    } else {
      const form = await readForm(req);
      if (typeof form === "string") return text(res, 400, form);
      params = form;
    }
    const checked = check(params, deps.clients);
    if (!checked.ok) {
      if ("show" in checked) return text(res, 400, `authorization request refused: ${checked.show}`);
      return back(res, checked.redirectUri, {
        error: checked.error,
        error_description: checked.description,
        state: checked.state,
      });
    }
    const secure = deps.secureCookies();
    const newCsrf = () => {
      const value = randomBytes(24).toString("base64url");
      return {
        value,
        cookie: serializeCookie(CSRF_COOKIE, value, {
          secure,
          sameSite: "Strict",
          path: AUTHORIZE_PATH,
          maxAgeSeconds: 600,
        }),
      };
    };
    if (req.method === "GET") {
      const csrf = newCsrf();
      return loginPage(res, params, checked.client.id, csrf.value, csrf.cookie);
    }
    const cookie = parseCookies(req).get(CSRF_COOKIE) ?? "";
    const field = params.get("csrf_token") ?? "";
    if (cookie === "" || !constantTimeEqual(cookie, field)) {
      return text(
        res,
        403,
        "sign-in refused: the form's CSRF token does not match its cookie (reload the sign-in page)",
      );
    }
    const username = params.get("username") ?? "";
    const address = req.socket.remoteAddress ?? "";
    const throttled = (waitMs: number) => {
      const seconds = Math.ceil(waitMs / 1000);
      const csrf = newCsrf();
      const message = `Too many failed sign-ins. Try again in ${seconds} s.`;
      return loginPage(res, params, checked.client.id, csrf.value, csrf.cookie, message, 429, {
        "retry-after": String(seconds),
      });
    };
    // Locked out: refused before the password is looked at, the same for every name, existing or not.
    const wait = deps.throttle.retryAfterMs(username, address);
    if (wait > 0) {
      logger.warn({ user: username.slice(0, 64), address, clientId: checked.client.id }, "sign-in throttled");
      return throttled(wait);
    }
    const subject = await deps.users.authenticate(username, params.get("password") ?? "");
    if (!subject) {
      logger.warn(
        { user: username.slice(0, 64), address, clientId: checked.client.id },
        "sign-in refused: unknown user or wrong password",
      );
      deps.throttle.failed(username, address);
      const now = deps.throttle.retryAfterMs(username, address);
      if (now > 0) return throttled(now);
      const csrf = newCsrf();
      return loginPage(res, params, checked.client.id, csrf.value, csrf.cookie, "Unknown user or wrong password.", 401);
    }
    deps.throttle.succeeded(username);
    const code = await deps.grants.issueCode({
      clientId: checked.client.id,
      redirectUri: checked.redirectUri,
      codeChallenge: checked.challenge,
      subject,
      scope: checked.scope,
      ...(checked.nonce ? { nonce: checked.nonce } : {}),
      authTime: Math.floor(deps.clock.now().getTime() / 1000),
    });
    logger.info({ user: subject, clientId: checked.client.id }, "signed in");
    back(res, checked.redirectUri, { code, state: checked.state }, [clearCookie(CSRF_COOKIE, secure, AUTHORIZE_PATH)]);
  };
}

// The device authorization grant (RFC 8628) at the self-hosted authorization server, for CLIs on machines without a
// browser (flytekit's `DeviceFlow`, `aloft login --device`):
//   POST /oauth2/device_authorization  a public client asks for a device code and a user code (§3.1, §3.2)
//   GET  /oauth2/device[?user_code=…]  the verification page, behind the console's sign-in (no session: a redirect
//                                      to /login and back); shows who asks for what, with Approve and Deny
//   POST /oauth2/device                the decision: the session's CSRF token in a hidden field, the user code
// The device then polls the token endpoint (token-endpoint.ts). The first endpoint needs no credentials and writes a
// row, so each client address may start only so many (StartLimiter). Wrong user codes count against the person and the
// address as wrong passwords do (sign-in-throttle.ts): 8 letters are guessable only at a rate nobody gets.
// Codes are never logged.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock, Logger } from "@aloft/core";
import { COOKIES } from "./browser-session.ts";
import type { CookieSealer } from "./cookie-crypto.ts";
import { type DeviceStore, normalizeUserCode } from "./device-store.ts";
import {
  constantTimeEqual,
  escapeHtml,
  HTML_PAGE_HEADERS,
  json,
  oauthError,
  parseCookies,
  queryOf,
  readForm,
  readPostForm,
  redirect,
  text,
} from "./oauth-http.ts";
import type { PublicClient } from "./public-clients.ts";
import type { SignInThrottle } from "./sign-in-throttle.ts";
import type { TokenVerifier } from "./token-verifier.ts";

export const DEVICE_AUTHORIZATION_PATH = "/oauth2/device_authorization";
export const DEVICE_VERIFICATION_PATH = "/oauth2/device";

export interface DeviceAuthorizationDeps {
  clients: Map<string, () => PublicClient>;
  devices: DeviceStore;
  audience: () => string;
  publicUrl: () => string;
  logger: Logger;
  /** Bounds how many codes one address may ask for (the endpoint needs no credentials and writes a row each time). */
  limiter: StartLimiter;
}

/**
 * At most `max` device authorizations per client address in any `windowMs` (default 20 in 10 minutes, a code's
 * lifetime): enough for people, not for filling admin's database. Kept in memory, at most `maxAddresses` addresses.
 */
export class StartLimiter {
  readonly #starts = new Map<string, number[]>();
  readonly #o: { clock: Clock; max: number; windowMs: number; maxAddresses: number };

  constructor(o: { clock: Clock; max?: number; windowMs?: number; maxAddresses?: number }) {
    this.#o = { max: 20, windowMs: 10 * 60_000, maxAddresses: 10_000, ...o };
  }

  /** Counts a start from `address`; the milliseconds to wait instead when it is over its limit (then not counted). */
  take(address: string): number {
    const now = this.#o.clock.now().getTime();
    const recent = (this.#starts.get(address) ?? []).filter((t) => t > now - this.#o.windowMs);
    if (recent.length >= this.#o.max) {
      this.#starts.set(address, recent);
      return recent[0]! + this.#o.windowMs - now;
    }
    recent.push(now);
    this.#starts.delete(address); // re-inserted last: the map's order is the order of last use
    this.#starts.set(address, recent);
    while (this.#starts.size > this.#o.maxAddresses) this.#starts.delete(this.#starts.keys().next().value!);
    return 0;
  }
}

/** RFC 8628 §3.1–3.2: a device code, a user code, where the person enters it, and how often to poll. */
export function deviceAuthorizationEndpoint(deps: DeviceAuthorizationDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const form = await readPostForm(req, res);
    if (!form) return;
    if (form.get("client_secret") !== null || req.headers.authorization)
      return oauthError(res, 400, "invalid_request", "the device flow is for public clients, which have no secret");
    const clientId = form.get("client_id") ?? "";
    const client = deps.clients.get(clientId)?.();
    if (!client)
      return oauthError(res, 401, "invalid_client", `unknown public client ${JSON.stringify(clientId.slice(0, 100))}`);
    const target = form.get("audience") ?? form.get("resource");
    if (target !== null && target !== "" && target !== deps.audience())
      return oauthError(res, 400, "invalid_target", `unknown audience ${target}`);
    const requested = (form.get("scope") ?? "").split(" ").filter(Boolean);
    const scope = requested.length > 0 ? requested : ["all", "offline"];
    const unknown = scope.filter((s) => !client.scopes.includes(s));
    if (unknown.length > 0)
      return oauthError(res, 400, "invalid_scope", `scope not allowed for this client: ${unknown.join(" ")}`);
    const wait = deps.limiter.take(req.socket.remoteAddress ?? "");
    if (wait > 0) {
      deps.logger.warn({ clientId: client.id, address: req.socket.remoteAddress }, "device authorizations throttled");
      const seconds = String(Math.ceil(wait / 1000));
      return oauthError(res, 429, "slow_down", `too many device authorizations: try again in ${seconds} s`, {
        "retry-after": seconds,
      });
    }
    const { deviceCode, userCode } = await deps.devices.start(client.id, scope);
    const verificationUri = `${deps.publicUrl()}${DEVICE_VERIFICATION_PATH}`;
    deps.logger.info({ clientId: client.id }, "device authorization started");
    json(res, 200, {
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?user_code=${encodeURIComponent(userCode)}`,
      expires_in: Math.round(deps.devices.lifetimeMs / 1000),
      interval: Math.max(1, Math.round(deps.devices.intervalMs / 1000)),
    });
  };
}

export interface DeviceVerificationDeps {
  devices: DeviceStore;
  sealer: CookieSealer;
  verifier: Pick<TokenVerifier, "verify">;
  throttle: SignInThrottle;
  clock: Clock;
  logger: Logger;
}

function page(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...HTML_PAGE_HEADERS, ...headers });
  res.end(`<!doctype html>
<html><head><meta charset="utf-8"><title>Connect a device to Aloft</title></head>
<body style="font-family:sans-serif;max-width:28em;margin:4em auto">
<h1>Connect a device</h1>
${body}
</body></html>
`);
}

/** The form; `confirmed`: the code whose request (client, scopes) the page shows, so Approve decides at once. */
function form(userCode: string, csrf: string, ask = "", confirmed = ""): string {
  return `${ask}<form method="post" action="${DEVICE_VERIFICATION_PATH}">
<input type="hidden" name="csrf_token" value="${escapeHtml(csrf)}">
${confirmed ? `<input type="hidden" name="confirmed" value="${escapeHtml(confirmed)}">\n` : ""}
<p><label>Code shown on the device <input name="user_code" value="${escapeHtml(userCode)}" autocomplete="off" required autofocus></label></p>
<p><button type="submit" name="action" value="approve">Approve</button> <button type="submit" name="action" value="deny">Deny</button></p>
</form>`;
}

/** The user code entry and approval page; a person must be signed in to the console (its session cookies). */
export function deviceVerificationPage(deps: DeviceVerificationDeps) {
  const logger = deps.logger;
  /** The signed-in person (subject, session id), or undefined: the sealed access cookie and its token both valid. */
  async function session(
    req: IncomingMessage,
  ): Promise<{ subject: string; sid: string; authTime: number } | undefined> {
    const s = deps.sealer.open(COOKIES.access, parseCookies(req).get(COOKIES.access)) as
      | { token?: unknown; sid?: unknown }
      | undefined;
    if (!s || typeof s.token !== "string" || typeof s.sid !== "string") return undefined;
    try {
      const p = await deps.verifier.verify(s.token);
      const iat = typeof p.claims.iat === "number" ? p.claims.iat : Math.floor(deps.clock.now().getTime() / 1000);
      return { subject: p.subject, sid: s.sid, authTime: iat };
    } catch {
      return undefined;
    }
  }
  const askText = (subject: string, asking: { clientId: string; scope: string[] }) =>
    `<p>Signed in as <b>${escapeHtml(subject)}</b>. <b>${escapeHtml(asking.clientId)}</b> asks to act on your behalf (scopes: ${escapeHtml(asking.scope.join(" "))}). Approve only if you started it and the code matches the device.</p>\n`;
  const signIn = (res: ServerResponse, userCode: string) => {
    const back = `${DEVICE_VERIFICATION_PATH}${userCode ? `?user_code=${encodeURIComponent(userCode)}` : ""}`;
    redirect(res, `/login?redirect_url=${encodeURIComponent(back)}`);
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "GET" && req.method !== "POST") {
      req.resume();
      return text(res, 405, "use GET or POST", { allow: "GET, POST" });
    }
    if (req.method === "GET") {
      req.resume();
      const userCode = (queryOf(req).get("user_code") ?? "").slice(0, 32);
      const who = await session(req);
      if (!who) return signIn(res, userCode);
      const csrf = deps.sealer.csrfToken(who.sid);
      const asking = userCode ? await deps.devices.pending(userCode) : undefined;
      if (!asking)
        return page(
          res,
          200,
          form(
            userCode,
            csrf,
            `<p>Signed in as <b>${escapeHtml(who.subject)}</b>. Enter the code the device shows.</p>\n`,
          ),
        );
      return page(res, 200, form(userCode, csrf, askText(who.subject, asking), normalizeUserCode(userCode)));
    }
    const body = await readForm(req);
    if (typeof body === "string") return text(res, 400, body);
    const userCode = (body.get("user_code") ?? "").slice(0, 32);
    const who = await session(req);
    if (!who) return signIn(res, userCode);
    if (!constantTimeEqual(body.get("csrf_token") ?? "", deps.sealer.csrfToken(who.sid)))
      return text(res, 403, "refused: the form's CSRF token does not match your session (reload the page)");
    const action = body.get("action");
    if (action !== "approve" && action !== "deny") return text(res, 400, "action must be approve or deny");
    const address = req.socket.remoteAddress ?? "";
    const csrf = deps.sealer.csrfToken(who.sid);
    const wait = deps.throttle.retryAfterMs(who.subject, address);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      logger.warn({ user: who.subject, address }, "device code entry throttled");
      return page(
        res,
        429,
        `<p role="alert">Too many wrong codes. Try again in ${seconds} s.</p>\n${form(userCode, csrf)}`,
        { "retry-after": String(seconds) },
      );
    }
    const unknown = () =>
      page(
        res,
        400,
        `<p role="alert" style="color:#b00">Unknown, expired or already used code.</p>\n${form(userCode, csrf)}`,
      );
    const asking = await deps.devices.pending(userCode);
    if (!asking) {
      deps.throttle.failed(who.subject, address);
      logger.warn({ user: who.subject, address }, "device code entry refused: unknown, expired or used code");
      return unknown();
    }
    // A typed code is approved only after the page has shown who asks for what (RFC 8628 §5.4: remote phishing).
    const code = normalizeUserCode(userCode);
    if (action === "approve" && normalizeUserCode(body.get("confirmed") ?? "") !== code)
      return page(res, 200, form(userCode, csrf, askText(who.subject, asking), code));
    const decided = await deps.devices.decide(userCode, action === "approve", who.subject, who.authTime);
    if (!decided) return unknown(); // decided or expired a moment ago

    logger.info({ user: who.subject, decision: action }, "device authorization decided");
    page(
      res,
      200,
      action === "approve"
        ? "<p>Device approved. You may close this window and return to your device.</p>"
        : "<p>Device denied. It will not get access.</p>",
    );
  };
}

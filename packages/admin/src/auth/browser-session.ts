// The console's browser flow (upstream's /login, /callback, /logout) and the cookies it leaves:
//   GET /login?redirect_url=…  a fresh session if the refresh cookie still works; else the authorization code + PKCE
//                              request to the authorization server (state, verifier and nonce in a sealed,
//                              short-lived `flyte_csrf_state` cookie); 403 for a redirect_url that is not ours
//   GET /callback              state checked (constant time), code exchanged, the PreRedirectHook asked, then the
//                              token cookies set and a redirect to where /login was asked to go (default /console)
//   GET|POST /logout           refresh token revoked, cookies cleared, the LogoutHook asked, then an optional redirect
// Token cookies (`flyte_at`, `flyte_rt`, `flyte_idt`) are HttpOnly, SameSite=Lax, Secure on https, and sealed with
// the cookie keys (cookie-crypto.ts). `flyte_csrf` holds the session's CSRF token for the page's script to echo in
// the `X-CSRF-Token` header on every state-changing call (double submit, checked by cookieCredentials).
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "@aloft/core";
import type { CookieSealer } from "./cookie-crypto.ts";
import {
  clearCookie,
  constantTimeEqual,
  parseCookies,
  queryOf,
  redirect,
  serializeCookie,
  text,
} from "./oauth-http.ts";
import { newPkcePair } from "./pkce.ts";
import { originVerifier } from "./request-origin.ts";

export const COOKIES = {
  access: "flyte_at",
  refresh: "flyte_rt",
  idToken: "flyte_idt",
  state: "flyte_csrf_state",
  csrf: "flyte_csrf",
} as const;
export const CSRF_HEADER = "x-csrf-token";
const STATE_SECONDS = 600;

export type HttpHook = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
}

/** The authorization server the console signs in at (Aloft's own, in process; or an external OIDC provider). */
export interface LoginProvider {
  authorizationUrl(o: { redirectUri: string; state: string; challenge: string; nonce: string }): Promise<string>;
  /** `nonce`: what the ID token must carry (an external provider's is checked; Aloft's own is trusted in process). */
  exchange(o: { code: string; verifier: string; redirectUri: string; nonce?: string }): Promise<TokenSet>;
  refresh(refreshToken: string): Promise<TokenSet>;
  revoke(refreshToken: string): Promise<void>;
}

export interface BrowserSessionDeps {
  provider: LoginProvider;
  sealer: CookieSealer;
  publicUrl: () => string;
  /** Origins a redirect_url may point at besides the public URL's (server.allowedOrigins). */
  allowedOrigins: string[];
  /** How long the token cookies live: as long as a refresh token (the access token inside expires sooner). */
  sessionSeconds: number;
  logoutHook: HttpHook;
  preRedirectHook: HttpHook;
  logger: Logger;
}

interface SessionCookie {
  token: string;
  sid: string;
}

export function browserSession(deps: BrowserSessionDeps) {
  const secure = () => deps.publicUrl().startsWith("https:");
  const callbackUri = () => `${deps.publicUrl()}/callback`;

  /** A redirect target that is ours: a path on this server, or a URL on the public or an allowed origin. */
  function safeRedirect(raw: string | null): string | undefined {
    if (raw === null || raw === "") return "/console";
    if (raw.startsWith("/") && !raw.startsWith("//") && !raw.startsWith("/\\")) return raw;
    try {
      const u = new URL(raw);
      const origins = [new URL(deps.publicUrl()).origin, ...deps.allowedOrigins.filter((o) => o !== "*")];
      return origins.includes(u.origin) ? u.toString() : undefined;
    } catch {
      return undefined;
    }
  }

  function sessionCookies(t: TokenSet): string[] {
    const age = deps.sessionSeconds;
    const sid = randomBytes(16).toString("base64url");
    const s = secure();
    const out = [
      serializeCookie(
        COOKIES.access,
        deps.sealer.seal(COOKIES.access, { token: t.accessToken, sid } satisfies SessionCookie, age),
        { secure: s, maxAgeSeconds: age },
      ),
    ];
    if (t.refreshToken)
      out.push(
        serializeCookie(COOKIES.refresh, deps.sealer.seal(COOKIES.refresh, t.refreshToken, age), {
          secure: s,
          maxAgeSeconds: age,
        }),
      );
    if (t.idToken)
      out.push(
        serializeCookie(COOKIES.idToken, deps.sealer.seal(COOKIES.idToken, t.idToken, age), {
          secure: s,
          maxAgeSeconds: age,
        }),
      );
    // Readable by the page's script (not HttpOnly) so that it can echo it; worthless without the sealed session.
    out.push(
      serializeCookie(COOKIES.csrf, deps.sealer.csrfToken(sid), {
        secure: s,
        maxAgeSeconds: age,
        httpOnly: false,
        sameSite: "Strict",
      }),
    );
    return out;
  }

  const login = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume();
    if (req.method !== "GET") return text(res, 405, "use GET", { allow: "GET" });
    const target = safeRedirect(queryOf(req).get("redirect_url"));
    if (!target)
      return text(res, 403, "redirect_url is not on this server or an allowed origin (server.allowedOrigins)");
    const cookies = parseCookies(req);
    const rt = deps.sealer.open(COOKIES.refresh, cookies.get(COOKIES.refresh));
    if (typeof rt === "string") {
      try {
        const fresh = await deps.provider.refresh(rt);
        return redirect(res, target, sessionCookies(fresh));
      } catch {
        // The refresh token is spent or revoked: sign in again.
      }
    }
    const state = randomBytes(24).toString("base64url");
    const nonce = randomBytes(16).toString("base64url");
    const pkce = newPkcePair();
    const sealed = deps.sealer.seal(COOKIES.state, { state, verifier: pkce.verifier, nonce, target }, STATE_SECONDS);
    const url = await deps.provider.authorizationUrl({
      redirectUri: callbackUri(),
      state,
      challenge: pkce.challenge,
      nonce,
    });
    redirect(res, url, [serializeCookie(COOKIES.state, sealed, { secure: secure(), maxAgeSeconds: STATE_SECONDS })]);
  };

  const callback = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume();
    if (req.method !== "GET") return text(res, 405, "use GET", { allow: "GET" });
    const q = queryOf(req);
    const saved = deps.sealer.open(COOKIES.state, parseCookies(req).get(COOKIES.state)) as
      | { state?: unknown; verifier?: unknown; target?: unknown; nonce?: unknown }
      | undefined;
    const state = q.get("state") ?? "";
    if (
      !saved ||
      typeof saved.state !== "string" ||
      typeof saved.verifier !== "string" ||
      !constantTimeEqual(saved.state, state)
    ) {
      return text(
        res,
        403,
        "sign-in refused: the state does not match this browser's sign-in request (start again at /login)",
      );
    }
    const clear = clearCookie(COOKIES.state, secure());
    if (q.get("error")) return text(res, 401, `sign-in failed: ${q.get("error")}`, { "set-cookie": clear });
    let tokens: TokenSet;
    try {
      const nonce = typeof saved.nonce === "string" ? saved.nonce : "";
      tokens = await deps.provider.exchange({
        code: q.get("code") ?? "",
        verifier: saved.verifier,
        redirectUri: callbackUri(),
        nonce,
      });
    } catch (err) {
      deps.logger.warn({ reason: (err as Error).message }, "console sign-in: code exchange failed");
      return text(res, 401, "sign-in failed: the authorization code was refused", { "set-cookie": clear });
    }
    if (await deps.preRedirectHook(req, res)) return;
    const target = typeof saved.target === "string" ? saved.target : "/console";
    redirect(res, target, [clear, ...sessionCookies(tokens)]);
  };

  const logout = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume();
    if (req.method !== "GET" && req.method !== "POST") return text(res, 405, "use GET or POST", { allow: "GET, POST" });
    const rt = deps.sealer.open(COOKIES.refresh, parseCookies(req).get(COOKIES.refresh));
    if (typeof rt === "string") await deps.provider.revoke(rt).catch(() => undefined);
    const s = secure();
    const cleared = [COOKIES.access, COOKIES.refresh, COOKIES.idToken, COOKIES.state].map((n) => clearCookie(n, s));
    cleared.push(
      serializeCookie(COOKIES.csrf, "", { secure: s, maxAgeSeconds: 0, httpOnly: false, sameSite: "Strict" }),
    );
    res.setHeader("set-cookie", cleared);
    if (await deps.logoutHook(req, res)) return;
    const asked = queryOf(req).get("redirect_url");
    const target = asked ? safeRedirect(asked) : undefined;
    if (target) return redirect(res, target, cleared);
    text(res, 200, "signed out");
  };

  return { login, callback, logout };
}

/** A session cookie's token, or why it is refused (unauthenticated: no usable session; else a missing CSRF proof). */
export type CookieVerdict = { token: string } | { refused: string; unauthenticated: boolean };

/**
 * The access token of a cookie-authenticated request, or why there is none. `changesState`: the call must prove it is
 * no forgery, either by the double submit (the `X-CSRF-Token` header equal to the `flyte_csrf` cookie and to the token
 * derived from the sealed session: Aloft's own pages) or, without that header, by its source origin (`Origin`, else
 * `Referer`) being this server's or in server.allowedOrigins (OWASP's standard-header check: the real flyteconsole,
 * which sends no CSRF header). A CSRF header that is present must be right; neither header nor token → refused.
 */
export function cookieCredentials(sealer: CookieSealer, allowedOrigins: readonly string[] = []) {
  const verifyOrigin = originVerifier(allowedOrigins);
  return (headers: Headers, changesState: boolean): CookieVerdict | undefined => {
    const raw = headers.get("cookie");
    if (!raw) return undefined;
    const cookies = new Map<string, string>();
    for (const part of raw.split(";")) {
      const eq = part.indexOf("=");
      const name = eq < 0 ? "" : part.slice(0, eq).trim();
      if (name && !cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
    }
    if (!cookies.has(COOKIES.access)) return undefined;
    const session = sealer.open(COOKIES.access, cookies.get(COOKIES.access)) as Partial<SessionCookie> | undefined;
    if (!session || typeof session.token !== "string" || typeof session.sid !== "string") {
      return { refused: "session cookie expired or invalid: sign in again at /login", unauthenticated: true };
    }
    if (changesState) {
      const header = headers.get(CSRF_HEADER);
      if (header !== null) {
        const cookie = cookies.get(COOKIES.csrf) ?? "";
        const expected = sealer.csrfToken(session.sid);
        if (header === "" || !constantTimeEqual(header, cookie) || !constantTimeEqual(header, expected))
          return {
            refused: `a cookie-authenticated change with an X-CSRF-Token header needs the ${COOKIES.csrf} cookie's value in it`,
            unauthenticated: false,
          };
      } else {
        const origin = verifyOrigin(headers);
        if (!origin.trusted)
          return {
            refused: `a cookie-authenticated change needs the ${COOKIES.csrf} cookie's value in the X-CSRF-Token header, or to come from this server or an allowed origin: ${origin.why}`,
            unauthenticated: false,
          };
      }
    }
    return { token: session.token };
  };
}

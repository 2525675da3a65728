// Signing a person in from a command line (RFC 8252): the authorization code grant with PKCE (S256), the browser
// sent to the authorization endpoint and the code received by a loopback listener on this machine; then a token
// source that refreshes the access token with the (rotating) refresh token, keeping the session in a store.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TokenSource } from "./client-credentials.ts";

export interface LoginEndpoints {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** RFC 7009, when the server has one (logout). */
  revocationEndpoint?: string;
  clientId: string;
  /** The registered redirect URI (its path, and its port unless `port` says otherwise). */
  redirectUri: string;
  scopes: string[];
  audience?: string;
}

/** What survives between runs (the CLI keeps it in ~/.aloft/tokens, 0600). */
export interface LoginSession {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  refreshToken?: string;
  tokenEndpoint: string;
  revocationEndpoint?: string;
  clientId: string;
}

export interface SessionStore {
  load(): LoginSession | undefined;
  save(s: LoginSession): void;
  remove(): void;
}

export interface BrowserLoginOptions {
  endpoints: LoginEndpoints;
  /** Port to listen on (0: any free one; needs a server that allows any loopback port, as Aloft's does). */
  port?: number;
  /** Shown to the person: the URL to open (always printed, so that it works without a browser). */
  prompt: (url: string) => void;
  /** Opens a browser (absent: --no-browser). */
  open?: (url: string) => void;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

const s256 = (v: string) => createHash("sha256").update(v).digest("base64url");

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function tokenRequest(endpoint: string, form: Record<string, string>, doFetch: typeof fetch, now: () => number) {
  const started = now();
  const res = await doFetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok || typeof body.access_token !== "string") {
    const why =
      typeof body.error === "string"
        ? `${body.error}${typeof body.error_description === "string" ? `: ${body.error_description}` : ""}`
        : `HTTP ${res.status}`;
    throw new Error(why);
  }
  const lifetime = (typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 300) * 1000;
  return {
    accessToken: body.access_token,
    expiresAt: started + lifetime,
    ...(typeof body.refresh_token === "string" ? { refreshToken: body.refresh_token } : {}),
  };
}

/** Runs the whole browser sign-in and returns the session (not yet stored). */
export async function browserLogin(o: BrowserLoginOptions): Promise<LoginSession> {
  const e = o.endpoints;
  const doFetch = o.fetch ?? fetch;
  const now = o.now ?? Date.now;
  const registered = new URL(e.redirectUri);
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(24).toString("base64url");
  let server: Server | undefined;
  try {
    const received = new Promise<{ code: string } | { error: string }>((resolve) => {
      server = createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        if (url.pathname !== registered.pathname) {
          res.writeHead(404).end();
          return;
        }
        const q = url.searchParams;
        const ok = sameSecret(q.get("state") ?? "", state);
        const error = !ok
          ? "the sign-in answer does not match this login (state)"
          : q.get("error")
            ? `${q.get("error")}: ${q.get("error_description") ?? ""}`
            : "";
        res.writeHead(error ? 400 : 200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
        res.end(error ? `Sign-in failed: ${error}\n` : "Signed in to Aloft. You may close this window.\n");
        if (!ok) return; // a stray request does not end the wait
        resolve(error ? { error } : { code: q.get("code") ?? "" });
      });
    });
    const port = o.port ?? Number(registered.port || 80);
    await new Promise<void>((resolve, reject) => {
      server!.once("error", reject);
      server!.listen(port, "127.0.0.1", () => resolve());
    });
    const bound = (server!.address() as AddressInfo).port;
    const redirectUri = `http://${registered.hostname === "localhost" ? "localhost" : "127.0.0.1"}:${bound}${registered.pathname}`;
    const url = new URL(e.authorizationEndpoint);
    const params: Record<string, string> = {
      response_type: "code",
      client_id: e.clientId,
      redirect_uri: redirectUri,
      scope: e.scopes.join(" "),
      state,
      code_challenge: s256(verifier),
      code_challenge_method: "S256",
      ...(e.audience ? { audience: e.audience } : {}),
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    o.prompt(url.toString());
    o.open?.(url.toString());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no sign-in within the time allowed")), o.timeoutMs ?? 300_000);
    });
    const answer = await Promise.race([received, timeout]).finally(() => clearTimeout(timer));
    if ("error" in answer) throw new Error(`sign-in refused: ${answer.error}`);
    const t = await tokenRequest(
      e.tokenEndpoint,
      {
        grant_type: "authorization_code",
        client_id: e.clientId,
        code: answer.code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      },
      doFetch,
      now,
    );
    return {
      ...t,
      tokenEndpoint: e.tokenEndpoint,
      clientId: e.clientId,
      ...(e.revocationEndpoint ? { revocationEndpoint: e.revocationEndpoint } : {}),
    };
  } finally {
    server?.close();
    server?.closeAllConnections();
  }
}

/** A token source over a stored session: the access token until shortly before it expires, then a refresh (rotated, saved). */
export function sessionTokenSource(
  store: SessionStore,
  o: { fetch?: typeof fetch; now?: () => number } = {},
): TokenSource {
  const doFetch = o.fetch ?? fetch;
  const now = o.now ?? Date.now;
  let forceRefresh = false;
  let inflight: Promise<string> | undefined;
  async function get(): Promise<string> {
    const s = store.load();
    if (!s) throw new Error("not signed in: run `aloft login`");
    if (!forceRefresh && now() < s.expiresAt - 30_000) return s.accessToken;
    if (!s.refreshToken) throw new Error("the session has expired: run `aloft login`");
    let t: Awaited<ReturnType<typeof tokenRequest>>;
    try {
      t = await tokenRequest(
        s.tokenEndpoint,
        { grant_type: "refresh_token", client_id: s.clientId, refresh_token: s.refreshToken },
        doFetch,
        now,
      );
    } catch (err) {
      throw new Error(`the session cannot be renewed (${(err as Error).message}): run \`aloft login\``);
    }
    forceRefresh = false;
    store.save({ ...s, ...t, refreshToken: t.refreshToken ?? s.refreshToken });
    return t.accessToken;
  }
  return {
    token() {
      inflight ??= get().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate() {
      forceRefresh = true;
    },
  };
}

/** Revokes the session's refresh token where the server allows it (best effort) and forgets the session. */
export async function logoutSession(
  store: SessionStore,
  doFetch: typeof fetch = fetch,
): Promise<"revoked" | "forgotten" | "none"> {
  const s = store.load();
  if (!s) return "none";
  store.remove();
  if (!s.refreshToken || !s.revocationEndpoint) return "forgotten";
  const res = await doFetch(s.revocationEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: s.refreshToken, token_type_hint: "refresh_token", client_id: s.clientId }),
    signal: AbortSignal.timeout(15_000),
  }).catch(() => undefined);
  return res?.ok ? "revoked" : "forgotten";
}

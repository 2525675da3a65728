import type { AuthHook } from "./resilient-transport.ts";

export interface StoredToken {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** Where a token survives between processes (the CLI keeps it in ~/.aloft, 0600). */
export interface TokenCache {
  load(): StoredToken | undefined;
  save(token: StoredToken): void;
}

export interface AuthDiscovery {
  tokenEndpoint: string;
  audience?: string;
}

export interface ClientCredentialsOptions {
  clientId: string;
  /** The secret, or a function reading it (a file, an environment variable) when first needed. */
  clientSecret: string | (() => string);
  /** Skips discovery when given. */
  tokenEndpoint?: string;
  /** How to find the token endpoint (and audience): usually admin's AuthMetadataService (auth-discovery.ts). */
  discover?: () => Promise<AuthDiscovery>;
  scopes?: string[];
  audience?: string;
  cache?: TokenCache;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface TokenSource {
  token(): Promise<string>;
  /** Forget the current token (admin refused it); the next token() fetches a new one. */
  invalidate(): void;
}

/** Refresh this long before expiry: a quarter of the lifetime, at most a minute. */
const margin = (lifetimeMs: number) => Math.min(60_000, lifetimeMs / 4);

export function clientCredentials(o: ClientCredentialsOptions): TokenSource {
  const now = o.now ?? Date.now;
  const doFetch = o.fetch ?? fetch;
  let current: (StoredToken & { refreshAt: number }) | undefined;
  let inflight: Promise<string> | undefined;
  let discovered: AuthDiscovery | undefined;

  const cached = o.cache?.load();
  if (cached && cached.expiresAt > now())
    current = { ...cached, refreshAt: cached.expiresAt - margin(cached.expiresAt - now()) };

  async function fetchToken(): Promise<string> {
    if (!o.tokenEndpoint && !discovered) {
      if (!o.discover) throw new Error("client credentials: no token endpoint and no way to discover one");
      discovered = await o.discover();
    }
    const endpoint = o.tokenEndpoint ?? discovered!.tokenEndpoint;
    const secret = typeof o.clientSecret === "function" ? o.clientSecret() : o.clientSecret;
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    const scopes = o.scopes ?? ["all"];
    if (scopes.length) form.set("scope", scopes.join(" "));
    const audience = o.audience ?? discovered?.audience;
    if (audience) form.set("audience", audience);
    // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
    const basic = Buffer.from(`${encodeURIComponent(o.clientId)}:${encodeURIComponent(secret)}`).toString("base64");
    const started = now();
    const res = await doFetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        authorization: `Basic ${basic}`,
      },
      body: form,
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json().catch(() => ({}))) as {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
      error_description?: unknown;
    };
    if (!res.ok || typeof body.access_token !== "string") {
      const why =
        typeof body.error === "string"
          ? `${body.error}${typeof body.error_description === "string" ? `: ${body.error_description}` : ""}`
          : `HTTP ${res.status}`;
      throw new Error(`client credentials for ${o.clientId} refused by ${endpoint}: ${why}`);
    }
    const lifetimeMs = (typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 300) * 1000;
    const token: StoredToken = { accessToken: body.access_token, expiresAt: started + lifetimeMs };
    current = { ...token, refreshAt: token.expiresAt - margin(lifetimeMs) };
    o.cache?.save(token);
    return token.accessToken;
  }

  return {
    token() {
      if (current && now() < current.refreshAt) return Promise.resolve(current.accessToken);
      inflight ??= fetchToken().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate() {
      current = undefined;
    },
  };
}

/** An AuthHook that sends the source's token as `authorization: Bearer …`; pair it with `onUnauthenticated: source.invalidate`. */
export function tokenSourceAuth(source: TokenSource): AuthHook {
  return async ({ headers }) => {
    headers.set("authorization", `Bearer ${await source.token()}`);
  };
}

// Auth hooks: something that puts credentials on each call. A static or refreshed bearer token today; OAuth2 client
// credentials and device flow (PKCE) plug in here as hooks that cache a token and refresh it before it expires.
import type { AuthHook } from "./resilient-transport.ts";

/** `authorization: Bearer <token>` from a string or a (possibly async, caching) token source. */
export function bearerToken(token: string | (() => string | Promise<string>)): AuthHook {
  return async ({ headers }) => {
    const t = typeof token === "string" ? token : await token();
    if (t) headers.set("authorization", `Bearer ${t}`);
  };
}

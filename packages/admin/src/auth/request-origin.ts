// OWASP's "verify origin with standard headers" for cookie-authenticated changes: the page a request comes from, by
// its `Origin` header or, when a browser sends none, by its `Referer`. Browsers set both themselves (a page's script
// cannot), so a page of another origin cannot pass for this server's own or for an allowed one.
import { normalizeOrigin } from "../api/http/cors.ts";

/** Decides whether a request's source origin is this server's own or an allowed one. */
export type OriginVerdict = { trusted: true } | { trusted: false; why: string };

/**
 * `allowedOrigins`: server.allowedOrigins, compared exactly after normalisation; `*` there grants nothing here (a
 * wildcard never vouches for a page that acts with the user's cookies).
 */
export function originVerifier(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins.map((o) => normalizeOrigin(o.trim())).filter((o) => o !== "" && o !== "*"));
  return (headers: Headers): OriginVerdict => {
    const origin = headers.get("origin");
    const referer = headers.get("referer");
    const [source, from] =
      origin !== null ? [origin, "Origin"] : referer !== null ? [originOfUrl(referer), "Referer"] : ["", ""];
    if (from === "") return { trusted: false, why: "the request carries neither an Origin nor a Referer header" };
    const o = normalizeOrigin(source);
    if (o !== "" && (o === ownOrigin(o, headers.get("host")) || allowed.has(o))) return { trusted: true };
    return {
      trusted: false,
      why: `its ${from} ${JSON.stringify(from === "Origin" ? origin : referer)} is neither this server nor in server.allowedOrigins`,
    };
  };
}

/** The origin of a URL, or "" when it is none (a Referer that is not an absolute http(s) URL). */
function originOfUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : "";
  } catch {
    return "";
  }
}

/** This server's origin as the request names it (the Host header, with the scheme the source origin uses). */
function ownOrigin(source: string, host: string | null): string {
  if (!host || host.includes(",")) return "";
  const scheme = source.startsWith("https:") ? "https:" : "http:";
  return normalizeOrigin(`${scheme}//${host}`);
}

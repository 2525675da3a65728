// CORS by allow-list (docs/security.md). Upstream flyteadmin answers every origin with `*` and credentials, which
// browsers refuse and which would let any page drive the API; Aloft grants only configured origins:
//   - no origins configured (the default): no grants at all, i.e. same origin only (the console served by admin);
//   - an allowed origin is echoed with `Access-Control-Allow-Credentials: true` and `Vary: Origin`;
//   - `*` answers `Access-Control-Allow-Origin: *` WITHOUT credentials (browsers then send no cookies);
//   - a preflight from any other origin is refused (403) without CORS headers; its simple requests get none either.
// Within a grant it behaves like gorilla/handlers.CORS as flyteadmin configures it: allowed headers `Content-Type` +
// configured ones, methods GET POST DELETE HEAD PUT PATCH, simple methods and headers never echoed.
import type { IncomingMessage, ServerResponse } from "node:http";
import { canonicalHeaderKey } from "./headers.ts";

export interface CorsOptions {
  allowCors: boolean;
  allowedOrigins: string[];
  allowedHeaders: string[];
}

const ALLOWED_METHODS = ["GET", "POST", "DELETE", "HEAD", "PUT", "PATCH"];
/** Methods and headers a browser may always use; gorilla never echoes them back. */
const SIMPLE_METHODS = ["GET", "HEAD", "POST"];
const SIMPLE_HEADERS = ["Accept", "Accept-Language", "Content-Language", "Origin"];

export type CorsOutcome = "continue" | "answered";

export interface Cors {
  /** Adds the CORS headers a request is granted; answers preflights. */
  handle(req: IncomingMessage, res: ServerResponse): CorsOutcome;
  /** Whether an `Origin` value is granted cross-origin access (exact match after normalisation, or `*`). */
  originAllowed(origin: string): boolean;
}

/** `HTTP://Example.test:8090/` → `http://example.test:8090`; the default port is dropped. Not an origin → "". */
export function normalizeOrigin(origin: string): string {
  if (origin === "*") return origin;
  try {
    const u = new URL(origin);
    if (u.origin === "null") return "";
    return u.origin;
  } catch {
    return "";
  }
}

export function createCors(options: CorsOptions): Cors {
  const wildcard = options.allowedOrigins.some((o) => o.trim() === "*");
  const origins = new Set(
    options.allowedOrigins.map((o) => normalizeOrigin(o.trim())).filter((o) => o !== "" && o !== "*"),
  );
  const allowedHeaders = new Set(
    [...SIMPLE_HEADERS, "Content-Type", ...options.allowedHeaders]
      .map((h) => canonicalHeaderKey(h.trim()))
      .filter((h) => h !== ""),
  );
  const originAllowed = (origin: string): boolean => {
    if (!options.allowCors || origin === "") return false;
    if (wildcard) return true;
    const n = normalizeOrigin(origin);
    return n !== "" && origins.has(n);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): CorsOutcome => {
    if (!options.allowCors) return "continue";
    const origin = firstHeader(req, "origin");
    if (origin === "") return "continue";
    const preflight = req.method === "OPTIONS";
    // The answer depends on Origin whenever origins are listed one by one: caches must keep them apart.
    if (!wildcard) res.setHeader("Vary", "Origin");
    if (!originAllowed(origin)) {
      if (!preflight) return "continue";
      return answer(res, 403, `origin ${JSON.stringify(origin)} is not allowed (server.allowedOrigins)\n`);
    }
    if (preflight) {
      if (req.headers["access-control-request-method"] === undefined) return answer(res, 400);
      const method = firstHeader(req, "access-control-request-method");
      if (!ALLOWED_METHODS.includes(method)) return answer(res, 405);
      const echoed: string[] = [];
      for (const raw of firstHeader(req, "access-control-request-headers").split(",")) {
        const h = canonicalHeaderKey(raw.trim());
        if (h === "" || SIMPLE_HEADERS.includes(h)) continue;
        if (!allowedHeaders.has(h)) return answer(res, 403);
        echoed.push(h);
      }
      if (echoed.length > 0) res.setHeader("Access-Control-Allow-Headers", echoed.join(","));
      if (!SIMPLE_METHODS.includes(method)) res.setHeader("Access-Control-Allow-Methods", method);
    }
    if (wildcard) {
      res.setHeader("Access-Control-Allow-Origin", "*");
    } else {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Access-Control-Allow-Credentials", "true");
    }
    if (preflight) return answer(res, 200);
    return "continue";
  };

  return { handle, originAllowed };
}

function answer(res: ServerResponse, status: number, text?: string): CorsOutcome {
  if (text !== undefined) res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.writeHead(status);
  res.end(text);
  return "answered";
}

function firstHeader(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

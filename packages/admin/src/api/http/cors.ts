// CORS as flyteadmin configures gorilla/handlers.CORS (spec §2.4): credentials allowed, the configured origins
// (`*` answers `Access-Control-Allow-Origin: *`), allowed headers `Content-Type` + configured ones, methods
// GET POST DELETE HEAD PUT PATCH. Preflights are answered here; other requests get the headers and go on.
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

export function createCors(options: CorsOptions): (req: IncomingMessage, res: ServerResponse) => CorsOutcome {
  const origins = options.allowedOrigins.includes("*") ? ["*"] : [...options.allowedOrigins];
  const allowedHeaders = new Set(
    [...SIMPLE_HEADERS, "Content-Type", ...options.allowedHeaders].map((h) => canonicalHeaderKey(h.trim())).filter((h) => h !== ""),
  );
  const originAllowed = (origin: string) =>
    origin !== "" && (origins.length === 0 || origins.some((o) => o === origin || o === "*"));

  return (req, res) => {
    if (!options.allowCors) return "continue";
    const origin = firstHeader(req, "origin");
    const preflight = req.method === "OPTIONS";
    if (!originAllowed(origin)) {
      if (!preflight) return "continue";
      res.writeHead(200);
      res.end();
      return "answered";
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
    res.setHeader("Access-Control-Allow-Credentials", "true");
    if (origins.length > 1) res.setHeader("Vary", "Origin");
    res.setHeader("Access-Control-Allow-Origin", origins.includes("*") || origins.length === 0 ? "*" : origin);
    if (preflight) return answer(res, 200);
    return "continue";
  };
}

function answer(res: ServerResponse, status: number): CorsOutcome {
  res.writeHead(status);
  res.end();
  return "answered";
}

function firstHeader(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

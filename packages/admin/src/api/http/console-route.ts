// Aloft's own web console (the built single-page app of packages/console) at /console. The composition root says where
// the built assets are; admin only serves files from that directory:
//   /console, /console/ and any /console/<path> that is not a file → index.html (client-side routing), no-cache;
//   /console/assets/<hashed file> → the file, immutable for a year.
// Every answer carries a strict Content-Security-Policy (scripts and styles from this origin only, no inline scripts,
// API calls to this origin only, never framed), nosniff and a same-origin referrer policy. Without a build (a clone where
// `npm run build` has not run) the page says so in plain words instead of failing.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import type { ExtraRoute } from "./gateway.ts";

/** The console's paths: the exact one and the prefix (the gateway's extra routes take both forms). */
export const CONSOLE_PATH = "/console";
const CONSOLE_PREFIX = "/console/";

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json",
  ".wasm": "application/wasm",
};

function securityHeaders(res: ServerResponse): void {
  res.setHeader("Content-Security-Policy", CONSOLE_CSP);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Referrer-Policy", "same-origin");
}

/** The route for `/console` and `/console/…`, serving the built assets in `assetsDir`. */
export function createConsoleRoute(assetsDir: string): ExtraRoute {
  const root = normalize(assetsDir);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume();
    securityHeaders(res);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" });
      res.end("the console is read with GET\n");
      return;
    }
    const rawPath = (req.url ?? "/").split(/[?#]/, 1)[0]!;
    const rel = rawPath === CONSOLE_PATH ? "" : rawPath.slice(CONSOLE_PREFIX.length);
    let decoded: string;
    try {
      decoded = decodeURIComponent(rel);
    } catch {
      decoded = "";
    }
    // A file of the build, never outside it (the gateway already redirected unclean paths; this holds regardless).
    const candidate = normalize(join(root, decoded));
    if (decoded !== "" && candidate.startsWith(root + sep) && !decoded.includes("\0")) {
      const size = await fileSize(candidate);
      if (size >= 0 && !candidate.endsWith(`${sep}index.html`)) {
        const immutable = decoded.startsWith("assets/");
        return send(req, res, candidate, size, immutable ? "public, max-age=31536000, immutable" : "no-cache");
      }
      // A missing asset is a 404 (a stale page asking for an old hash), not the app's HTML.
      if (decoded.startsWith("assets/")) {
        res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
        res.end(`no such console asset: ${decoded}\n`);
        return;
      }
    }
    const index = join(root, "index.html");
    const size = await fileSize(index);
    if (size < 0) return notBuilt(req, res, root);
    return send(req, res, index, size, "no-cache");
  };
}

async function fileSize(path: string): Promise<number> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : -1;
  } catch {
    return -1;
  }
}

function send(req: IncomingMessage, res: ServerResponse, file: string, size: number, cacheControl: string): void {
  res.writeHead(200, {
    "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
    "Content-Length": size,
    "Cache-Control": cacheControl,
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.once("error", () => res.destroy());
  stream.pipe(res);
}

function notBuilt(req: IncomingMessage, res: ServerResponse, root: string): void {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Aloft console not built</title></head>
<body><h1>The Aloft console is not built</h1>
<p>This server serves the console from <code>${escapeHtml(root)}</code>, which has no <code>index.html</code>.
Run <code>npm run build</code> (or <code>npm ci</code>) in the Aloft checkout, then reload this page.</p>
<p>The API is up: <a href="/api/v1/projects">/api/v1/projects</a>.</p></body></html>
`;
  res.writeHead(503, {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

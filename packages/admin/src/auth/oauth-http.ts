// Small HTTP helpers shared by the authorization server's and the console's routes: RFC 6749 JSON errors, form
// bodies, cookies, and HTML escaping. Nothing here logs.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../api/http/body.ts";

const MAX_FORM = 64 * 1024;

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    "content-type": "application/json;charset=UTF-8",
    "cache-control": "no-store",
    pragma: "no-cache",
    ...headers,
  });
  res.end(JSON.stringify(body));
}

export const oauthError = (
  res: ServerResponse,
  status: number,
  error: string,
  description: string,
  headers?: Record<string, string>,
) => json(res, status, { error, error_description: description }, headers);

export function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(body.endsWith("\n") ? body : `${body}\n`);
}

/** A 302 (303 after a POST) to `location`, with cookies to set. */
export function redirect(res: ServerResponse, location: string, cookies: string[] = [], status = 302): void {
  res.writeHead(status, {
    location,
    "cache-control": "no-store",
    ...(cookies.length ? { "set-cookie": cookies } : {}),
  });
  res.end();
}

/** The form body of a POST, or a reason it is not one; a parameter given twice is refused (RFC 6749 §3.1). */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | string> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    req.resume();
    return "the body must be application/x-www-form-urlencoded";
  }
  let form: URLSearchParams;
  try {
    form = new URLSearchParams((await readBody(req, MAX_FORM)).toString("utf8"));
  } catch {
    return "cannot read the request body";
  }
  return duplicateParam(form) ?? form;
}

/**
 * The form of an OAuth endpoint's POST (RFC 6749 §3.1, §3.2), or undefined once the error is answered: 405 for another
 * method, 400 `invalid_request` for a body that is not one form.
 */
export async function readPostForm(req: IncomingMessage, res: ServerResponse): Promise<URLSearchParams | undefined> {
  if (req.method !== "POST") {
    req.resume();
    oauthError(res, 405, "invalid_request", "use POST", { allow: "POST" });
    return undefined;
  }
  const form = await readForm(req);
  if (typeof form !== "string") return form;
  oauthError(res, 400, "invalid_request", form);
  return undefined;
}

/** Headers of the authorization server's own HTML pages (sign-in, device approval): never cached, framed or leaked. */
export const HTML_PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "x-frame-options": "DENY",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
};

export function duplicateParam(params: URLSearchParams): string | undefined {
  for (const k of new Set(params.keys())) {
    if (params.getAll(k).length > 1) return `parameter ${k} given more than once`;
  }
  return undefined;
}

export function queryOf(req: IncomingMessage): URLSearchParams {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
}

export function parseCookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    // The first wins: browsers send the most specific path first, and a duplicate is more likely injected.
    if (name && !out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

export interface CookieOptions {
  httpOnly?: boolean;
  maxAgeSeconds?: number;
  secure: boolean;
  path?: string;
  sameSite?: "Lax" | "Strict";
}

export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${o.path ?? "/"}`, `SameSite=${o.sameSite ?? "Lax"}`];
  if (o.httpOnly ?? true) parts.push("HttpOnly");
  if (o.secure) parts.push("Secure");
  if (o.maxAgeSeconds !== undefined) parts.push(`Max-Age=${o.maxAgeSeconds}`);
  return parts.join("; ");
}

export const clearCookie = (name: string, secure: boolean, path = "/") =>
  serializeCookie(name, "", { secure, maxAgeSeconds: 0, path });

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

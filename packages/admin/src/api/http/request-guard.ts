// The HTTP port's defences against browsers (docs/security.md). With authentication off, the only thing between a
// web page the user opens and "run this command on the host" is what a browser will and will not send:
//   - Host: a page on an attacker's domain can make that name resolve to 127.0.0.1 (DNS rebinding) and then read
//     and write as same-origin. Its requests carry the attacker's name in Host, so only known names are answered:
//     localhost, the configured host, server.allowedHosts, and IP literals (a page whose origin is an IP literal of
//     this machine is this server's own origin, never an attacker's).
//   - Origin: a state-changing request from an origin that is neither this server's nor allowed is refused (403),
//     whatever its content type.
//   - Content-Type: state-changing gateway calls must be JSON or protobuf; those types make browsers send a CORS
//     preflight first, which only allowed origins pass. `text/plain`, forms and multipart ("simple" requests that
//     skip the preflight) are 415.
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { AloftError, Code } from "@aloft/core";
import { parseMediaType } from "./negotiation.ts";

export const STATE_CHANGING_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Media types a state-changing call may carry (any parameters): all of them need a preflight when sent cross-origin. */
export const ACCEPTED_BODY_TYPES: ReadonlySet<string> = new Set([
  "application/json",
  "application/octet-stream",
  "application/x-protobuf",
  "application/protobuf",
]);

const ALWAYS_ALLOWED_HOSTS = ["localhost"];

/** The host name of a Host header without its port, lower case, brackets kept off IPv6; "" when absent or malformed. */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    if (end === -1) return "";
    const rest = h.slice(end + 1);
    if (rest !== "" && !/^:\d*$/.test(rest)) return "";
    return h.slice(1, end);
  }
  const colon = h.indexOf(":");
  if (colon !== -1 && !/^:\d*$/.test(h.slice(colon))) return "";
  const name = colon === -1 ? h : h.slice(0, colon);
  return name.endsWith(".") ? name.slice(0, -1) : name;
}

export interface HostCheck {
  /** undefined when the request's Host header is one this server answers to, else the reason. */
  problem(req: IncomingMessage): string | undefined;
}

/**
 * `allowedHosts`: names beyond the defaults (the configured bind host belongs here too); `*` allows every name
 * (behind a proxy that checks Host itself, say). Entries may carry a port or brackets; only the name is compared.
 */
export function createHostCheck(allowedHosts: readonly string[]): HostCheck {
  const any = allowedHosts.some((h) => h.trim() === "*");
  const names = new Set([
    ...ALWAYS_ALLOWED_HOSTS,
    ...allowedHosts.map((h) => hostName(h)).filter((h) => h !== "" && h !== "*"),
  ]);
  return {
    problem(req) {
      if (any) return undefined;
      const raw = req.headers.host;
      if (raw === undefined || raw === "") return "this server answers only requests that name it in a Host header";
      const name = hostName(raw);
      if (name !== "" && (isIP(name) !== 0 || names.has(name))) return undefined;
      return `this server does not answer to the host name ${JSON.stringify(raw)}; if that is how you reach it, add it to server.allowedHosts`;
    },
  };
}

/** Whether an `Origin` header value is this request's own origin (same scheme-less host and port as Host). */
export function isSameOrigin(origin: string, req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (!host) return false;
  try {
    const u = new URL(origin);
    if (u.protocol !== "http:" && u.protocol !== "https:") return false;
    const port = u.port || (u.protocol === "https:" ? "443" : "80");
    const want = new URL(`${u.protocol}//${host}`);
    return u.hostname === want.hostname && port === (want.port || (u.protocol === "https:" ? "443" : "80"));
  } catch {
    return false;
  }
}

/** PERMISSION_DENIED for a state-changing request sent by a page of a foreign, not allowed origin. */
export function crossOriginProblem(
  req: IncomingMessage,
  originAllowed: (origin: string) => boolean,
): AloftError | undefined {
  if (!STATE_CHANGING_METHODS.has(req.method ?? "")) return undefined;
  const origins = req.headersDistinct["origin"];
  if (!origins || origins.length === 0) return undefined;
  for (const origin of origins) {
    if (isSameOrigin(origin, req) || originAllowed(origin)) continue;
    return new AloftError(
      Code.PERMISSION_DENIED,
      "http.origin_not_allowed",
      `cross-origin ${req.method} from ${JSON.stringify(origin)} refused: that origin is not in server.allowedOrigins`,
    );
  }
  return undefined;
}

/** An error to answer 415 with when a state-changing call's body is not JSON or protobuf. */
export function contentTypeProblem(req: IncomingMessage): AloftError | undefined {
  const values = req.headersDistinct["content-type"] ?? [];
  const ok = values.length > 0 && values.every((v) => ACCEPTED_BODY_TYPES.has(parseMediaType(v) ?? ""));
  if (ok) return undefined;
  const got = values.length === 0 ? "no Content-Type" : `Content-Type ${JSON.stringify(values.join(", "))}`;
  return new AloftError(
    Code.INVALID_ARGUMENT,
    "http.unsupported_media_type",
    `${req.method} requests must carry application/json or application/octet-stream (protobuf); got ${got}`,
  );
}

// Marshaler selection as grpc-gateway v2's MarshalerForRequest (upstream flyteadmin/pkg/server/service.go):
//   outbound = the marshaler whose MIME exactly equals one Accept header value (no q-values, no list parsing);
//   inbound  = the marshaler for Go's mime.ParseMediaType(Content-Type), else the wildcard;
//   outbound defaults to inbound.
import type { Marshaler } from "./marshalers.ts";

export interface MarshalerRegistry {
  /** By exact MIME type. */
  byMime: ReadonlyMap<string, Marshaler>;
  wildcard: Marshaler;
}

export interface Negotiated {
  inbound: Marshaler;
  outbound: Marshaler;
}

/** `headers` as Node's `req.headersDistinct` (each header's values as sent, one per header line). */
export function marshalersForRequest(
  registry: MarshalerRegistry,
  headers: Record<string, string[] | undefined>,
): Negotiated {
  let outbound: Marshaler | undefined;
  for (const accept of headers["accept"] ?? []) {
    outbound = registry.byMime.get(accept);
    if (outbound) break;
  }
  let inbound: Marshaler | undefined;
  for (const contentType of headers["content-type"] ?? []) {
    const mediaType = parseMediaType(contentType);
    if (mediaType === undefined) continue;
    inbound = registry.byMime.get(mediaType);
    if (inbound) break;
  }
  inbound ??= registry.wildcard;
  return { inbound, outbound: outbound ?? inbound };
}

const TSPECIALS = '()<>@,;:\\"/[]?=';
const isTokenChar = (c: string) => c > " " && c < "\x7f" && !TSPECIALS.includes(c);

function consumeToken(s: string): [string, string] {
  let i = 0;
  while (i < s.length && isTokenChar(s[i] as string)) i++;
  return [s.slice(0, i), s.slice(i)];
}

function consumeValue(s: string): [string, string] {
  if (!s.startsWith('"')) return consumeToken(s);
  let out = "";
  for (let i = 1; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '"') return [out, s.slice(i + 1)];
    if (c === "\\" && i + 1 < s.length && TSPECIALS.includes(s[i + 1] as string)) {
      out += s[++i];
      continue;
    }
    if (c === "\r" || c === "\n") return ["", s];
    out += c;
  }
  return ["", s]; // unterminated quoted string
}

/**
 * Go's mime.ParseMediaType, reduced to what marshaler selection needs: the lower-cased `type/subtype`, or
 * undefined when the media type or any parameter is malformed (upstream then skips that header value).
 */
export function parseMediaType(value: string): string | undefined {
  const semi = value.indexOf(";");
  const base = (semi === -1 ? value : value.slice(0, semi)).toLowerCase().trim();
  const [type, afterType] = consumeToken(base);
  if (type === "") return undefined;
  if (afterType !== "") {
    if (!afterType.startsWith("/")) return undefined;
    const [subtype, afterSubtype] = consumeToken(afterType.slice(1));
    if (subtype === "" || afterSubtype !== "") return undefined;
  }
  let rest = semi === -1 ? "" : value.slice(semi);
  const seen = new Set<string>();
  for (;;) {
    rest = rest.trimStart();
    if (rest === "") break;
    if (!rest.startsWith(";")) return undefined;
    let p = rest.slice(1).trimStart();
    const [key, afterKey] = consumeToken(p);
    if (key === "") {
      if (p.trim() === "") break; // trailing semicolons are ignored
      return undefined;
    }
    p = afterKey.trimStart();
    if (!p.startsWith("=")) return undefined;
    p = p.slice(1).trimStart();
    const [val, afterVal] = consumeValue(p);
    if (val === "" && afterVal === p) return undefined;
    const lower = key.toLowerCase();
    if (seen.has(lower)) return undefined;
    seen.add(lower);
    rest = afterVal;
  }
  return base;
}

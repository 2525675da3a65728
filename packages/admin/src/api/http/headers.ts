// Header plumbing shared by the gateway's success and error paths.
import type { IncomingMessage, ServerResponse } from "node:http";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Go's textproto.CanonicalMIMEHeaderKey: `content-type` → `Content-Type`; invalid keys are returned as given. */
export function canonicalHeaderKey(key: string): string {
  if (!TOKEN.test(key)) return key;
  return key.toLowerCase().replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/** Node refuses header values outside TAB, SP..~ and 0x80..0xFF; Go replaces CR/LF. Make any string sendable. */
export function headerSafe(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, " ");
}

export function setSafeHeader(res: ServerResponse, name: string, value: string): void {
  res.setHeader(name, headerSafe(value));
}

/**
 * gRPC response metadata as grpc-gateway forwards it: `Grpc-Metadata-<Key>`. A real gRPC hop always carries
 * `content-type: application/grpc`, which upstream therefore always forwards; we do the same.
 */
export function writeResponseMetadata(res: ServerResponse, metadata: Headers): void {
  res.setHeader("Grpc-Metadata-Content-Type", "application/grpc");
  metadata.forEach((value, key) => {
    if (key === "content-type" || !TOKEN.test(key)) return;
    res.setHeader(`Grpc-Metadata-${canonicalHeaderKey(key)}`, headerSafe(value));
  });
}

/**
 * The call's incoming metadata: every request header (lower-case), plus `Grpc-Metadata-<Key>` headers under
 * `<key>` as grpc-gateway maps them; or, with a matcher, exactly the headers it accepts under the keys it returns.
 */
export function incomingMetadata(req: IncomingMessage, matcher?: (header: string) => string | false): Headers {
  const headers = new Headers();
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    for (const value of values ?? []) {
      try {
        if (matcher) {
          const key = matcher(name);
          if (key !== false && key !== "") headers.append(key, value);
          continue;
        }
        headers.append(name, value);
        if (name.startsWith("grpc-metadata-") && name.length > "grpc-metadata-".length) {
          headers.append(name.slice("grpc-metadata-".length), value);
        }
      } catch {
        // a value WHATWG Headers refuses (e.g. a NUL byte) is not forwarded
      }
    }
  }
  return headers;
}

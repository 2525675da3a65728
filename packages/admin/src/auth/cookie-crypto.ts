// Sealing the console's cookies with the keys `aloft secret init` writes: AES-256-GCM with the cookie block key
// (confidential and tamper-evident; the cookie's name is authenticated data, so a value cannot be moved to another
// cookie) and an expiry inside, so an old cookie replayed after its Max-Age is refused. The cookie hash key signs
// CSRF tokens (HMAC-SHA256), binding each to the session it was issued with.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import type { Clock } from "@aloft/core";

export interface CookieKeys {
  hashKey: Buffer;
  blockKey: Buffer;
}

export class CookieSealer {
  constructor(
    private readonly keys: CookieKeys,
    private readonly clock: Clock,
  ) {}

  seal(name: string, value: unknown, maxAgeSeconds: number): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.keys.blockKey, iv);
    cipher.setAAD(Buffer.from(name));
    const plain = Buffer.from(JSON.stringify({ v: value, exp: this.clock.now().getTime() + maxAgeSeconds * 1000 }));
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, ct, cipher.getAuthTag()]).toString("base64url");
  }

  /** The sealed value, or undefined when the cookie is forged, tampered with, renamed or expired. */
  open(name: string, sealed: string | undefined): unknown {
    if (!sealed) return undefined;
    try {
      const raw = Buffer.from(sealed, "base64url");
      if (raw.length < 12 + 16 + 2) return undefined;
      const decipher = createDecipheriv("aes-256-gcm", this.keys.blockKey, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(name));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const plain = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
      const doc = JSON.parse(plain.toString("utf8")) as { v?: unknown; exp?: unknown };
      if (typeof doc.exp !== "number" || doc.exp <= this.clock.now().getTime()) return undefined;
      return doc.v;
    } catch {
      return undefined;
    }
  }

  /** The CSRF token of a session: HMAC(hash key, session id). */
  csrfToken(sessionId: string): string {
    return createHmac("sha256", this.keys.hashKey).update(`csrf\n${sessionId}`).digest("base64url");
  }
}

// Signed URLs for the local blob store: the sandbox has no S3 to presign against, so the HTTP server serves
// blobs under a route and these URLs carry an HMAC over (method, key, expiry, content MD5). The route calls
// `verify` and then reads or writes the key through the store.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Clock } from "../clock.ts";
import { AloftError, Code, invalidArgument } from "../errors.ts";
import { validateKey, validateSignedUrlOptions, type SignedUrlOptions } from "./blob-store.ts";

export interface LocalUrlSignerOptions {
  /**
   * Where the route is mounted, e.g. http://localhost:8088/blobs; a function when the address is known only once
   * the server listens (port 0). Its path must not change.
   */
  baseUrl: string | (() => string);
  /** HMAC key; keep it out of logs. */
  secret: string | Uint8Array;
  clock: Clock;
}

export interface VerifiedBlobRequest {
  key: string;
  method: "GET" | "PUT";
  /** PUT only: the Content-MD5 (base64) the upload must carry, when the URL was bound to one. */
  contentMd5?: string;
}

export class LocalUrlSigner {
  readonly #baseUrl: () => string;
  readonly #secret: string | Uint8Array;
  readonly #clock: Clock;

  constructor(options: LocalUrlSignerOptions) {
    if (!options.secret || options.secret.length === 0)
      throw invalidArgument("blob.invalid_signer", "URL signer needs a secret");
    const baseUrl = options.baseUrl;
    this.#baseUrl = typeof baseUrl === "string" ? () => baseUrl : baseUrl;
    this.#secret = options.secret;
    this.#clock = options.clock;
  }

  sign(key: string, opts: SignedUrlOptions): string {
    validateKey(key);
    validateSignedUrlOptions(opts);
    const expires = Math.floor(this.#clock.now().getTime() / 1000) + opts.expiresInSeconds;
    const md5 = opts.method === "PUT" ? (opts.contentMd5 ?? "") : "";
    const url = new URL(`${this.#base().href}/${key.split("/").map(encodeURIComponent).join("/")}`);
    url.searchParams.set("method", opts.method);
    url.searchParams.set("expires", String(expires));
    if (md5) url.searchParams.set("md5", md5);
    url.searchParams.set("signature", this.#mac(opts.method, key, expires, md5));
    return url.href;
  }

  /**
   * Checks a request against its signature: `method` is the HTTP method used (HEAD counts as GET), `target`
   * the request URL or its path and query. INVALID_ARGUMENT when it is not one of our URLs, PERMISSION_DENIED
   * when the signature does not match or has expired.
   */
  verify(method: string, target: string): VerifiedBlobRequest {
    const base = this.#base();
    const url = new URL(target, base);
    const basePath = base.pathname.replace(/\/+$/, "");
    if (!url.pathname.startsWith(`${basePath}/`)) throw invalidArgument("blob.invalid_signed_url", "not a blob URL");
    let key: string;
    try {
      key = url.pathname
        .slice(basePath.length + 1)
        .split("/")
        .map(decodeURIComponent)
        .join("/");
    } catch {
      throw invalidArgument("blob.invalid_signed_url", "malformed blob URL path");
    }
    validateKey(key);
    const signedMethod = url.searchParams.get("method");
    const expires = Number(url.searchParams.get("expires"));
    const md5 = url.searchParams.get("md5") ?? "";
    const signature = url.searchParams.get("signature") ?? "";
    if ((signedMethod !== "GET" && signedMethod !== "PUT") || !Number.isInteger(expires)) {
      throw invalidArgument("blob.invalid_signed_url", "signed URL lacks method or expiry");
    }
    const used = method.toUpperCase() === "HEAD" ? "GET" : method.toUpperCase();
    const expected = Buffer.from(this.#mac(signedMethod, key, expires, md5), "hex");
    const given = Buffer.from(signature, "hex");
    if (used !== signedMethod || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw denied("signature does not match");
    }
    if (this.#clock.now().getTime() / 1000 > expires) throw denied("signed URL has expired");
    return md5 ? { key, method: signedMethod, contentMd5: md5 } : { key, method: signedMethod };
  }

  #base(): URL {
    return new URL(this.#baseUrl().replace(/\/+$/, ""));
  }

  #mac(method: string, key: string, expires: number, md5: string): string {
    return createHmac("sha256", this.#secret).update(`${method}\n${key}\n${expires}\n${md5}`).digest("hex");
  }
}

function denied(message: string): AloftError {
  return new AloftError(Code.PERMISSION_DENIED, "blob.signed_url_denied", message);
}

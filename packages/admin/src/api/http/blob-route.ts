// The local blob store's signed URLs, served on the HTTP port under /blobs/ (what S3 presigned URLs are for an S3
// store): GET/HEAD stream an object out, PUT streams the raw request body into the store. Every request carries an
// HMAC-signed, expiring token (LocalUrlSigner): tampered or expired → 403. Uploads are bounded in size, checked
// against the MD5 the URL was signed for (Content-MD5), and written atomically, so a refused upload leaves nothing.
// The body is raw bytes of any content type: this route is not part of the JSON/protobuf gateway.
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Transform, type TransformCallback } from "node:stream";
import type { BlobStore } from "@aloft/core";
import type { LocalUrlSigner } from "@aloft/core";
import { AloftError, Code, httpStatusFromCode, toAloftError } from "@aloft/core";
import type { Logger } from "@aloft/core";

export const BLOBS_ROUTE = "/blobs/";

export interface BlobRouteOptions {
  store: BlobStore;
  signer: LocalUrlSigner;
  /** Uploads larger than this are refused with 413. */
  maxUploadBytes: number;
  logger: Logger;
}

export function createBlobRoute(
  options: BlobRouteOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const logger = options.logger.child({ component: "blob-route" });
  return async (req, res) => {
    const method = (req.method ?? "GET").toUpperCase();
    try {
      if (method !== "GET" && method !== "HEAD" && method !== "PUT") {
        res.setHeader("allow", "GET, HEAD, PUT");
        return reply(res, 405, `method ${method} is not allowed on signed blob URLs`);
      }
      const verified = options.signer.verify(method, req.url ?? "/");
      if (method === "PUT") return await upload(req, res, verified.key, verified.contentMd5, options);
      const head = await options.store.head(verified.key);
      if (head === undefined) return reply(res, 404, "object not found");
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(head.size) });
      if (method === "HEAD") return void res.end();
      const stream = await options.store.getStream(verified.key);
      stream.on("error", (err) => {
        logger.warn({ err, key: verified.key }, "blob download failed midway");
        res.destroy(err);
      });
      stream.pipe(res);
    } catch (e) {
      const err = toAloftError(e);
      if (err.code === Code.INTERNAL) logger.error({ err }, "signed blob request failed");
      // A URL that is not one of ours, or not valid for this request, is refused as S3 does (403).
      const status =
        err.code === Code.INVALID_ARGUMENT && err.id === "blob.invalid_signed_url" ? 403 : httpStatusFromCode(err.code);
      reply(res, status, err.message);
    }
  };
}

async function upload(
  req: IncomingMessage,
  res: ServerResponse,
  key: string,
  signedMd5: string | undefined,
  options: BlobRouteOptions,
) {
  const given = headerValue(req, "content-md5");
  if (signedMd5 !== undefined && given !== signedMd5) {
    drain(req);
    return reply(
      res,
      403,
      given === undefined
        ? "this URL requires the Content-MD5 header it was signed for"
        : "Content-MD5 does not match the signed URL",
    );
  }
  const declared = headerValue(req, "content-length");
  if (declared !== undefined && Number(declared) > options.maxUploadBytes) {
    drain(req);
    return reply(res, 413, `upload of ${declared} bytes exceeds the limit of ${options.maxUploadBytes} bytes`);
  }
  const check = new UploadCheck(options.maxUploadBytes, given);
  // The check may fail before the store starts reading it (a small body ends while the directory is made): the
  // failure is recorded on the check, and the store's write then fails on the destroyed stream.
  check.on("error", () => undefined);
  try {
    await options.store.put(key, req.pipe(check), { contentType: "application/octet-stream" });
  } catch (e) {
    if (check.failure) {
      drain(req);
      return reply(res, check.failure.status, check.failure.message);
    }
    throw e;
  }
  reply(res, 200, "");
}

/** Counts and hashes the body as it streams to disk; fails the write when it grows too big or its MD5 differs. */
class UploadCheck extends Transform {
  failure?: { status: number; message: string };
  readonly #hash = createHash("md5");
  #bytes = 0;

  constructor(
    private readonly max: number,
    private readonly md5: string | undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.max) {
      cb(this.#fail(413, `upload exceeds the limit of ${this.max} bytes`));
      return;
    }
    this.#hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.md5 !== undefined && this.#hash.digest("base64") !== this.md5) {
      cb(this.#fail(400, "BadDigest: the Content-MD5 you specified did not match what was received"));
      return;
    }
    cb();
  }

  #fail(status: number, message: string): Error {
    this.failure = { status, message };
    return new AloftError(Code.INVALID_ARGUMENT, "blob.upload_refused", message);
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads and discards what is left of a refused body, so the client sees the answer instead of a reset. */
function drain(req: IncomingMessage) {
  req.unpipe();
  req.resume();
}

function reply(res: ServerResponse, status: number, message: string) {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(message);
}
